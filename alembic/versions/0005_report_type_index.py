"""A partial covering index for the annual report's counts by type.

`report_type_counts` read every item of the period through (site_id, published_on) to count
the 3 % that carry a report type: a second on a million items. The index holds only typed
items, with the columns the count needs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("report_type IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_items_report_type_published_on_site_id",
        "items",
        ["report_type", "published_on", "site_id"],
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_items_report_type_published_on_site_id", table_name="items")
