"""interop: FHIR claims received (identifier, item sequences, the submitted resource)

Revision ID: 0006fhir
Revises: 0001
Create Date: 2026-11-25 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0006fhir"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("interop",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fhir_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("fhir_version", sa.String(length=8), nullable=False),
        sa.Column("identifier", sa.String(length=256), nullable=True),
        sa.Column("item_sequences", sa.JSON(), nullable=False),
        sa.Column("resource", sa.JSON(), nullable=False),
        sa.Column("received_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_fhir_claims_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_fhir_claims_submitted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_claims")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_fhir_claims_claim_id")),
    )


def downgrade() -> None:
    op.drop_table("fhir_claims")
