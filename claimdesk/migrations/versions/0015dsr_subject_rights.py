"""subjectrights: merged duplicate customers, data-subject requests

``customers.merged_into_id`` marks a duplicate merged into another customer (its records
moved there; it is no longer found by its ID number); ``customers.erased_at``,
``claims.personal_data_erased_at`` and ``tickets.personal_data_erased_at`` mark records
whose personal data the retention job erased or pseudonymised.

Revision ID: 0015dsr
Revises: 0001 (depends on 0005s: tickets)
Create Date: 2026-12-03 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0015dsr"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("subjectrights",)
depends_on: str | Sequence[str] | None = ("0005s",)  # tickets


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_merged_into_id_customers"),
            "customers",
            ["merged_into_id"],
            ["id"],
        )
        batch_op.add_column(
            sa.Column("erased_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    for table in ("claims", "tickets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "personal_data_erased_at",
                    claimdesk.core.db.UTCDateTime(timezone=True),
                    nullable=True,
                )
            )


def downgrade() -> None:
    for table in ("claims", "tickets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("personal_data_erased_at")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_customers_merged_into_id_customers"), type_="foreignkey"
        )
        batch_op.drop_column("erased_at")
        batch_op.drop_column("merged_into_id")
