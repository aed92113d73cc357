"""attributes: claim attributes per product schema, investigation outcomes, feed records

``claims.attributes`` holds what adjusters collect at first notice (validated against the
product's attribute schema); ``claims.investigation_outcome`` (fraud_confirmed, cleared,
inconclusive) with ``investigation_closed_at`` records how an investigation ended;
``feed_records`` maps a partner or legacy feed's policy and claim keys to the records made
from them, so a re-run import creates nothing twice.

Revision ID: 0014frd
Revises: 0001
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0014frd"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("attributes",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attributes", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("investigation_outcome", sa.String(length=24), nullable=True))
        batch_op.add_column(
            sa.Column(
                "investigation_closed_at",
                claimdesk.core.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    op.create_table(
        "feed_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_records")),
        sa.UniqueConstraint(
            "product_code", "kind", "ref", name=op.f("uq_feed_records_product_code_kind_ref")
        ),
    )


def downgrade() -> None:
    op.drop_table("feed_records")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("investigation_closed_at")
        batch_op.drop_column("investigation_outcome")
        batch_op.drop_column("attributes")
