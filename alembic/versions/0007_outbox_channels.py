"""The outbox holds messages for every channel: e-mail and the group bots of ``notify``.

Each row names its channel (``email`` for the rows before), the message it is a part of and
which part, and when it was last handed to the channel (the per-webhook rate limit counts those).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.store.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=64), server_default="email", nullable=False)
        )
        batch_op.add_column(sa.Column("message_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("part", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("parts", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("last_attempt_at", UTCDateTime(), nullable=True))
        batch_op.create_index("ix_outbox_channel_last_attempt_at", ["channel", "last_attempt_at"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_channel_last_attempt_at")
        for name in ("last_attempt_at", "parts", "part", "message_key", "channel"):
            batch_op.drop_column(name)
