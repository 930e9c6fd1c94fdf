"""Users belong to an institution, or are regulators who see every institution; checks by date.

A user made before this revision belongs to the database's institution when it holds exactly one
(every database did, before a config could be a folder); otherwise it keeps seeing every
institution until it is made again with ``xxgk user add --institution ID``. The role
``regulator`` is added. ``check_runs.at`` is indexed for the regulator's trend. A downgrade
removes the regulator users (the older schema has no such role).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = "role IN ('admin', 'office', 'department', 'viewer')"
NEW_ROLES = "role IN ('admin', 'office', 'department', 'viewer', 'regulator')"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("institution_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_institution_id"), ["institution_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_users_institution_id_institutions"),
            "institutions",
            ["institution_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_constraint(batch_op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", NEW_ROLES)
    op.execute(
        "UPDATE users SET institution_id = (SELECT min(id) FROM institutions) "
        "WHERE (SELECT count(*) FROM institutions) = 1"
    )
    with op.batch_alter_table("check_runs") as batch_op:
        batch_op.create_index(batch_op.f("ix_check_runs_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("check_runs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_runs_at"))
    op.execute("DELETE FROM user_sites WHERE user_id IN (SELECT id FROM users WHERE role = 'regulator')")
    op.execute("DELETE FROM users WHERE role = 'regulator'")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", OLD_ROLES)
        batch_op.drop_constraint(batch_op.f("fk_users_institution_id_institutions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_institution_id"))
        batch_op.drop_column("institution_id")
