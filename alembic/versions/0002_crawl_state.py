"""Crawl state: runs belong to an institution; fetches keep validators, failed pages and articles.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
RUN_STATUSES = "status IN ('running', 'finished', 'failed', 'aborted')"


def upgrade() -> None:
    with op.batch_alter_table("column_fetches") as batch_op:
        batch_op.add_column(sa.Column("pages_failed", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("articles", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("validators", JSON, nullable=True))

    with op.batch_alter_table("crawl_runs") as batch_op:
        batch_op.add_column(sa.Column("institution_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sites", JSON, server_default="[]", nullable=False))
        batch_op.create_index(batch_op.f("ix_crawl_runs_institution_id"), ["institution_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_crawl_runs_institution_id_institutions"),
            "institutions",
            ["institution_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_check_constraint("status", RUN_STATUSES)


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_crawl_runs_status"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_crawl_runs_institution_id_institutions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_crawl_runs_institution_id"))
        batch_op.drop_column("sites")
        batch_op.drop_column("institution_id")

    with op.batch_alter_table("column_fetches") as batch_op:
        batch_op.drop_column("validators")
        batch_op.drop_column("articles")
        batch_op.drop_column("pages_failed")
