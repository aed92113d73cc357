"""customers: loyalty accounts and ledger, segmentation runs and customer segments

Revision ID: 0007cus
Revises: 0001
Create Date: 2026-11-25 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0007cus"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("customers",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loyalty_accounts",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("earned_total", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("updated_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_loyalty_accounts_balance_not_negative")),
        sa.CheckConstraint(
            "earned_total >= 0", name=op.f("ck_loyalty_accounts_earned_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_loyalty_accounts_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_loyalty_accounts")),
    )
    op.create_table(
        "loyalty_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "balance_after >= 0", name=op.f("ck_loyalty_entries_balance_after_not_negative")
        ),
        sa.CheckConstraint("points <> 0", name=op.f("ck_loyalty_entries_points_not_zero")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_loyalty_entries_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_loyalty_entries_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_entries")),
        sa.UniqueConstraint("key", name=op.f("uq_loyalty_entries_key")),
    )
    with op.batch_alter_table("loyalty_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_loyalty_entries_customer_id"), ["customer_id"], unique=False
        )
    op.create_table(
        "segmentation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segmentation_runs")),
    )
    op.create_table(
        "customer_segments",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=48), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_segments_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["segmentation_runs.id"],
            name=op.f("fk_customer_segments_run_id_segmentation_runs"),
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_segments")),
    )
    with op.batch_alter_table("customer_segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_segments_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer_segments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_segments_run_id"))
    op.drop_table("customer_segments")
    op.drop_table("segmentation_runs")
    with op.batch_alter_table("loyalty_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loyalty_entries_customer_id"))
    op.drop_table("loyalty_entries")
    op.drop_table("loyalty_accounts")
