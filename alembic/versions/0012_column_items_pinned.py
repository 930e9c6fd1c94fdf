"""Pinned (置顶) rows of a column: ``column_items.pinned`` says its latest listing showed the item
pinned above the date order, so that an old pinned row does not stretch how far back a crawl
read (an incremental crawl of the first page would judge every older item removed).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("column_items") as batch_op:
        batch_op.add_column(sa.Column("pinned", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("column_items") as batch_op:
        batch_op.drop_column("pinned")
