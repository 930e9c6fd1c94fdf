"""The personal-data scan: one row per page or attachment read, and its counts per kind (masked).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from monitor.store.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "content_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("is_attachment", sa.Boolean(), nullable=False),
        sa.Column("media", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("chars", sa.Integer(), server_default="0", nullable=False),
        sa.Column("scanned_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('scanned', 'partial', 'not_scanned', 'failed')",
            name=op.f("ck_content_scans_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_content_scans_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_scans")),
        sa.UniqueConstraint("item_id", "url", name=op.f("uq_content_scans_item_id_url")),
    )
    op.create_index(op.f("ix_content_scans_scanned_at"), "content_scans", ["scanned_at"])
    op.create_table(
        "pii_counts",
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("leaks", sa.Integer(), nullable=False),
        sa.Column("masked", sa.Integer(), nullable=False),
        sa.Column("places", JSON, nullable=False),
        sa.Column("excerpts", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["content_scans.id"],
            name=op.f("fk_pii_counts_scan_id_content_scans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scan_id", "kind", name=op.f("pk_pii_counts")),
    )


def downgrade() -> None:
    op.drop_table("pii_counts")
    op.drop_index(op.f("ix_content_scans_scanned_at"), table_name="content_scans")
    op.drop_table("content_scans")
