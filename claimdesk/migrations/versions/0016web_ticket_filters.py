"""web: ticket inbox filters saved per member of staff

Revision ID: 0016web
Revises: 0001
Create Date: 2026-12-04 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0016web"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("web_16",)
depends_on: str | Sequence[str] | None = ("0005s",)


def upgrade() -> None:
    op.create_table(
        "ticket_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("created_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name", name="uq_ticket_filters_user_name"),
    )
    op.create_index("ix_ticket_filters_user_id", "ticket_filters", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_filters_user_id", table_name="ticket_filters")
    op.drop_table("ticket_filters")
