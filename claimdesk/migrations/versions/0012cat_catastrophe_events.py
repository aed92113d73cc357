"""catastrophe: declared events and their tagged claims with triage (lane, priority, reasons)

The queue reads ``catastrophe_claims(event_id, is_open, priority, reported_at)`` (and the
same with ``lane`` after the event) in order, without sorting the event's claims.

Revision ID: 0012cat
Revises: 0001
Create Date: 2026-11-25 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0012cat"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("catastrophe",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catastrophe_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=128), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("peril", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=128), nullable=False),
        sa.Column("started_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["declared_by_id"],
            ["users.id"],
            name=op.f("fk_catastrophe_events_declared_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_catastrophe_events_closed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catastrophe_events")),
        sa.UniqueConstraint("code", name=op.f("uq_catastrophe_events_code")),
    )
    op.create_table(
        "catastrophe_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("external_ref", sa.String(length=64), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("lane", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reasons_en", sa.JSON(), nullable=False),
        sa.Column("reasons_zh", sa.JSON(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("reported_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("triaged_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["catastrophe_events.id"],
            name=op.f("fk_catastrophe_claims_event_id_catastrophe_events"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_catastrophe_claims_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catastrophe_claims")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_catastrophe_claims_claim_id")),
        sa.UniqueConstraint(
            "event_id", "external_ref", name=op.f("uq_catastrophe_claims_event_id_external_ref")
        ),
    )
    op.create_index(
        "ix_catastrophe_claims_queue",
        "catastrophe_claims",
        ["event_id", "is_open", "priority", "reported_at"],
    )
    op.create_index(
        "ix_catastrophe_claims_lane_queue",
        "catastrophe_claims",
        ["event_id", "lane", "is_open", "priority", "reported_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_catastrophe_claims_lane_queue", table_name="catastrophe_claims")
    op.drop_index("ix_catastrophe_claims_queue", table_name="catastrophe_claims")
    op.drop_table("catastrophe_claims")
    op.drop_table("catastrophe_events")
