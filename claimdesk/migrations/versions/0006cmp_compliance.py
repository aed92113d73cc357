"""compliance: staff qualifications (certificates) and training records

Revision ID: 0006cmp
Revises: 0001
Create Date: 2026-11-25 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0006cmp"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("compliance",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_qualifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=128), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_qualifications_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_staff_qualifications_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_qualifications")),
    )
    with op.batch_alter_table("staff_qualifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_qualifications_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_staff_qualifications_expires_on"), ["expires_on"], unique=False
        )
    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=256), nullable=False),
        sa.Column("provider", sa.String(length=128), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("hours", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_records_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_training_records_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_records")),
    )
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_records_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_records_user_id"))
    op.drop_table("training_records")
    with op.batch_alter_table("staff_qualifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_qualifications_expires_on"))
        batch_op.drop_index(batch_op.f("ix_staff_qualifications_user_id"))
    op.drop_table("staff_qualifications")
