"""reserves: a claim's outstanding case reserve and the history of its changes

``claims.reserve_amount`` is the outstanding case reserve (0 for claims reported before
reserves were kept: the ledger's earlier money facts read it as 0); ``claim_reserves``
holds every step: set at report, changed with a reason, lowered by a payment, released
when the claim ends, set again at reopening.

Revision ID: 0014rsv
Revises: 0001
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0014rsv"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("reserves",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reserve_amount",
                claimdesk.core.db.Money(precision=14, scale=2),
                nullable=False,
                server_default="0",
            )
        )
    op.create_table(
        "claim_reserves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", claimdesk.core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column(
            "previous_amount", claimdesk.core.db.Money(precision=14, scale=2), nullable=False
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_claim_reserves_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_reserves_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_reserves")),
    )
    with op.batch_alter_table("claim_reserves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_reserves_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_reserves_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claim_reserves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_reserves_claim_id"))
        batch_op.drop_index(batch_op.f("ix_claim_reserves_at"))
    op.drop_table("claim_reserves")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("reserve_amount")
