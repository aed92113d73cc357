"""h22: an index on kb_entries.updated_at, so the assistant's per-question check that its
index is current (the newest change and the newest id) reads two index ends, not the table

Revision ID: 0017h22
Revises: 0001
Create Date: 2026-12-04 19:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017h22"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("h22",)
depends_on: str | Sequence[str] | None = ("0015asq",)  # kb_entries as it stands


def upgrade() -> None:
    op.create_index("ix_kb_entries_updated_at", "kb_entries", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_kb_entries_updated_at", table_name="kb_entries")
