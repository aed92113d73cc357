"""encryption: free text that can carry health data is encrypted at rest

``claims.description``, ``loss_lines.description``, ``ticket_messages.body`` and
``assistant_messages.text`` become ``enc1:`` values (AES-256-GCM under the key ring, like the
other sensitive columns); loss lines get a keyed hash of their text (``description_hash``) so
equal texts on other claims are still found. Existing rows are encrypted here.

Revision ID: 0015enc
Revises: 0001
Create Date: 2026-12-03 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015enc"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("encryption",)
# ticket_messages come with 0005s, assistant_messages with 0009ast, the key ring with 0008sec.
depends_on: str | Sequence[str] | None = ("0005s", "0008sec", "0009ast")

# (table, primary key, column) encrypted by this revision.
COLUMNS = (
    ("claims", "id", "description"),
    ("loss_lines", "id", "description"),
    ("ticket_messages", "id", "body"),
    ("assistant_messages", "id", "text"),
)


def upgrade() -> None:
    with op.batch_alter_table("loss_lines") as batch:
        # Ciphertext is longer than the 256 characters the clear text was limited to.
        batch.alter_column("description", type_=sa.Text(), existing_type=sa.String(256))
        batch.add_column(sa.Column("description_hash", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_loss_lines_description_hash"), ["description_hash"])
    from claimdesk.security.keys import encrypt_columns

    encrypt_columns(op.get_bind(), COLUMNS)


def downgrade() -> None:
    from claimdesk.security.keys import decrypt_columns

    decrypt_columns(op.get_bind(), COLUMNS)
    with op.batch_alter_table("loss_lines") as batch:
        batch.drop_index(batch.f("ix_loss_lines_description_hash"))
        batch.drop_column("description_hash")
        batch.alter_column("description", type_=sa.String(256), existing_type=sa.Text())
