"""assistant: knowledge-base entries carry example questions (other wordings of the title)

``questions`` holds one question a line; retrieval matches a customer's question against
the entry's title and these (claimdesk/assistant/retrieval.py). The entry's ``text_hash``
covers them, so vectors made before a question was added are remade.

Revision ID: 0015asq
Revises: 0001
Create Date: 2026-12-03 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015asq"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("assistant_questions",)
depends_on: str | Sequence[str] | None = ("0013ast",)


def upgrade() -> None:
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("questions", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        batch_op.drop_column("questions")
