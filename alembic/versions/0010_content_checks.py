"""Content checks (issue 12): changed dates and titles of items, the 公示期 their pages state, when
an item was last listed in a column, and the links and attachments checked on crawled pages.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from monitor.store.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
REASONS = (
    "ok",
    "not_found",
    "gone",
    "soft_404",
    "auth_required",
    "blocked",
    "timeout",
    "dns",
    "unreachable",
    "server_error",
    "robots_disallowed",
)


def upgrade() -> None:
    with op.batch_alter_table("items") as batch_op:
        batch_op.add_column(sa.Column("changed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("date_changed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("first_title", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("title_changed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("gongshi_period", JSON, nullable=True))
        batch_op.add_column(sa.Column("gongshi_read_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("column_items") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))
    op.create_table(
        "link_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=False),
        sa.Column("is_attachment", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=24), server_default="ok", nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed_since", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "reason IN (" + ", ".join(repr(r) for r in REASONS) + ")", name=op.f("ck_link_checks_reason")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_link_checks_site_id_sites"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_checks")),
        sa.UniqueConstraint("site_id", "url", name=op.f("uq_link_checks_site_id_url")),
    )
    with op.batch_alter_table("link_checks") as batch_op:
        batch_op.create_index(batch_op.f("ix_link_checks_checked_at"), ["checked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_checks") as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_checks_checked_at"))
    op.drop_table("link_checks")
    with op.batch_alter_table("column_items") as batch_op:
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("items") as batch_op:
        batch_op.drop_column("gongshi_read_at")
        batch_op.drop_column("gongshi_period")
        batch_op.drop_column("title_changed_at")
        batch_op.drop_column("first_title")
        batch_op.drop_column("date_changed_at")
        batch_op.drop_column("changed_on")
