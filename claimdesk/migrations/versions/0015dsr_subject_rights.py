"""subjectrights: merged duplicate customers, data-subject requests

``customers.merged_into_id`` marks a duplicate merged into another customer (its records
moved there; it is no longer found by its ID number).

Revision ID: 0015dsr
Revises: 0001
Create Date: 2026-12-03 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015dsr"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("subjectrights",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_merged_into_id_customers"),
            "customers",
            ["merged_into_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_customers_merged_into_id_customers"), type_="foreignkey"
        )
        batch_op.drop_column("merged_into_id")
