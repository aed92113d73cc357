"""side paths: referral of a claim to a named colleague, field investigation tasks

``claims.referred_to_id`` / ``referred_at``: the colleague with enough authority a handler
referred the claim to for approval (the "referred to me" queue); ``field_investigations``:
a task per field investigation with assignee, due date, findings and outcome.

Revision ID: 0014sdp
Revises: 0001
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0014sdp"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("sidepaths",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referred_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("referred_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_claims_referred_to_id"), ["referred_to_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_claims_referred_to_id_users"), "users", ["referred_to_id"], ["id"]
        )
    op.create_table(
        "field_investigations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("waive_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_field_investigations_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_field_investigations_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_field_investigations_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["completed_by_id"],
            ["users.id"],
            name=op.f("fk_field_investigations_completed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_investigations")),
    )
    with op.batch_alter_table("field_investigations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_field_investigations_claim_id"), ["claim_id"])
        batch_op.create_index(batch_op.f("ix_field_investigations_assignee_id"), ["assignee_id"])


def downgrade() -> None:
    with op.batch_alter_table("field_investigations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_investigations_assignee_id"))
        batch_op.drop_index(batch_op.f("ix_field_investigations_claim_id"))
    op.drop_table("field_investigations")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_claims_referred_to_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_claims_referred_to_id"))
        batch_op.drop_column("referred_at")
        batch_op.drop_column("referred_to_id")
