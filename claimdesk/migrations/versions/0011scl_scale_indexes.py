"""scale: indexes for the work queues at a million claims

``claims(status, id)`` answers a status page newest first without sorting every claim in
that status; ``claims(assessor_id, status)`` a handler's own queue; ``tickets(status,
created_at)`` the ticket queue oldest first. Checked with EXPLAIN on 1,000,000 generated
claims (docs/benchmarks.md, "Work-queue and search queries at 1M claims").

Revision ID: 0011scl
Revises: 0001
Create Date: 2026-11-25 01:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011scl"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("scale",)
depends_on: str | Sequence[str] | None = "0005s"


def upgrade() -> None:
    op.create_index("ix_claims_status_id", "claims", ["status", "id"])
    op.create_index("ix_claims_assessor_id_status", "claims", ["assessor_id", "status"])
    op.create_index("ix_tickets_status_created_at", "tickets", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_status_created_at", table_name="tickets")
    op.drop_index("ix_claims_assessor_id_status", table_name="claims")
    op.drop_index("ix_claims_status_id", table_name="claims")
