"""evidence: waived documents on claims, who added and who verified a payee account

``claims.waived_documents`` lists the required document kinds a person with waiver
authority waived (with ``evidence_waived_at``, the latest waiver); ``bank_accounts`` records
who added an account and how it was verified: by a second member of staff or by the read
bank-proof document.

Revision ID: 0013evd
Revises: 0001
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0013evd"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("evidence",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("waived_documents", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column(
                "evidence_waived_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True
            )
        )
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("added_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("verified_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("verification", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("verification_document_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_bank_accounts_added_by_id_users"), "users", ["added_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_bank_accounts_verified_by_id_users"), "users", ["verified_by_id"], ["id"]
        )
    # "Verified" used to mean "the holder's name matches the customer": not a check by
    # anyone. Such accounts must now be verified again, by a second person or a bank proof.
    op.execute("UPDATE bank_accounts SET verified_at = NULL WHERE verification IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_bank_accounts_verified_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_bank_accounts_added_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("verification_document_id")
        batch_op.drop_column("verification")
        batch_op.drop_column("verified_by_id")
        batch_op.drop_column("added_by_id")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("evidence_waived_at")
        batch_op.drop_column("waived_documents")
