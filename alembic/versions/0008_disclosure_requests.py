"""The 依申请公开 register: requests for disclosure, their receipt and their answer.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.store.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disclosure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("requester", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answer", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "answered_on IS NULL OR answered_on >= received_on",
            name=op.f("ck_disclosure_requests_answered_after"),
        ),
        sa.CheckConstraint(
            "(answered_on IS NULL) = (answer IS NULL)", name=op.f("ck_disclosure_requests_answer_complete")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_disclosure_requests_institution_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_requests")),
    )
    op.create_index(
        op.f("ix_disclosure_requests_institution_id_received_on"),
        "disclosure_requests",
        ["institution_id", "received_on"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_disclosure_requests_institution_id_received_on"), table_name="disclosure_requests")
    op.drop_table("disclosure_requests")
