"""statutory clocks: decision, payment, denial notice and advance payment (arts. 23-25)

``statutory_clocks`` holds one row per claim and rule: started, warns, falls due on the
business calendar, met; ``provisional`` when the period touches a year the holiday package
does not know (weekends-only rule).

Revision ID: 0014clk
Revises: 0001
Create Date: 2026-12-03 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0014clk"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("clocks",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statutory_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=24), nullable=False),
        sa.Column("started_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("warn_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("met_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("next_check_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_statutory_clocks_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statutory_clocks")),
        sa.UniqueConstraint("claim_id", "rule", name=op.f("uq_statutory_clocks_claim_id_rule")),
    )
    op.create_index(
        op.f("ix_statutory_clocks_claim_id"), "statutory_clocks", ["claim_id"], unique=False
    )
    op.create_index(
        op.f("ix_statutory_clocks_due_at"), "statutory_clocks", ["due_at"], unique=False
    )
    op.create_index(
        op.f("ix_statutory_clocks_next_check_at"),
        "statutory_clocks",
        ["next_check_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_statutory_clocks_next_check_at"), table_name="statutory_clocks")
    op.drop_index(op.f("ix_statutory_clocks_due_at"), table_name="statutory_clocks")
    op.drop_index(op.f("ix_statutory_clocks_claim_id"), table_name="statutory_clocks")
    op.drop_table("statutory_clocks")
