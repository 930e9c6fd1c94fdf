"""The profile that read a column, kept with each fetch, so the next crawl tries it first.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("column_fetches") as batch_op:
        batch_op.add_column(sa.Column("profile", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("column_fetches") as batch_op:
        batch_op.drop_column("profile")
