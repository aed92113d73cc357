"""load: the auth epoch, one counter that every change ending access raises, so cached
token -> user lookups stay correct across processes

Revision ID: 0013lod
Revises: 0001
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013lod"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("load",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_epochs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_epochs")),
    )


def downgrade() -> None:
    op.drop_table("auth_epochs")
