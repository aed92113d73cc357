"""security: sign-in lockout, keyed search hashes, sensitive-field access log; encrypts the
sensitive fields already stored in clear

Revision ID: 0008sec
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0008sec"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("security",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("first_failed_at", claimdesk.core.db.UTCDateTime(timezone=True)))
        batch.add_column(sa.Column("locked_until", claimdesk.core.db.UTCDateTime(timezone=True)))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("id_number_hash", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_customers_id_number_hash"), ["id_number_hash"])
    with op.batch_alter_table("bank_accounts") as batch:
        batch.add_column(sa.Column("account_number_hash", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_bank_accounts_account_number_hash"), ["account_number_hash"])
    op.create_table(
        "sensitive_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sensitive_access_log_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensitive_access_log")),
    )
    op.create_index(op.f("ix_sensitive_access_log_at"), "sensitive_access_log", ["at"])
    op.create_index(op.f("ix_sensitive_access_log_user_id"), "sensitive_access_log", ["user_id"])
    # Values stored in clear before this revision are encrypted (and hashed) now.
    from claimdesk.security.keys import encrypt_stored_values

    encrypt_stored_values(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f("ix_sensitive_access_log_user_id"), table_name="sensitive_access_log")
    op.drop_index(op.f("ix_sensitive_access_log_at"), table_name="sensitive_access_log")
    op.drop_table("sensitive_access_log")
    with op.batch_alter_table("bank_accounts") as batch:
        batch.drop_index(batch.f("ix_bank_accounts_account_number_hash"))
        batch.drop_column("account_number_hash")
    with op.batch_alter_table("customers") as batch:
        batch.drop_index(batch.f("ix_customers_id_number_hash"))
        batch.drop_column("id_number_hash")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("first_failed_at")
        batch.drop_column("failed_logins")
