"""Classification and findings per institution: item labels, report types, finding routing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_labels",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_labels_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "slug", name=op.f("pk_item_labels")),
    )
    with op.batch_alter_table("item_labels") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_item_labels_slug_published_on"), ["slug", "published_on"], unique=False
        )

    with op.batch_alter_table("check_runs") as batch_op:
        batch_op.add_column(sa.Column("institution_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_check_runs_institution_id"), ["institution_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_check_runs_institution_id_institutions"),
            "institutions",
            ["institution_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("findings") as batch_op:
        batch_op.add_column(sa.Column("institution_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("message", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("column_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("slug", sa.String(length=64), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_findings_key"), type_="unique")
        batch_op.create_index(batch_op.f("ix_findings_site_id"), ["site_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_findings_institution_id_key"), ["institution_id", "key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_findings_institution_id_institutions"),
            "institutions",
            ["institution_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_findings_column_id_columns"), "columns", ["column_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_findings_site_id_sites"), "sites", ["site_id"], ["id"], ondelete="RESTRICT"
        )

    with op.batch_alter_table("items") as batch_op:
        batch_op.add_column(sa.Column("labels_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("report_type", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_items_labels_version"), ["labels_version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("items") as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_labels_version"))
        batch_op.drop_column("report_type")
        batch_op.drop_column("labels_version")

    with op.batch_alter_table("findings") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_findings_site_id_sites"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_findings_column_id_columns"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_findings_institution_id_institutions"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_findings_institution_id_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_findings_site_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_findings_key"), ["key"])
        batch_op.drop_column("slug")
        batch_op.drop_column("column_id")
        batch_op.drop_column("site_id")
        batch_op.drop_column("message")
        batch_op.drop_column("institution_id")

    with op.batch_alter_table("check_runs") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_check_runs_institution_id_institutions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_check_runs_institution_id"))
        batch_op.drop_column("institution_id")

    with op.batch_alter_table("item_labels") as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_labels_slug_published_on"))

    op.drop_table("item_labels")
