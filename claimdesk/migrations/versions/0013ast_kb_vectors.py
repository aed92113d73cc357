"""assistant: each knowledge-base entry keeps its search terms and passage vectors

``text_hash`` is the SHA-1 of the passage text; the vectors were made from the text with
``vector_hash`` by the model ``vector_model``, the terms by tokenizer ``terms_version``.
Stale ones are remade, the rest are loaded as they are.

Revision ID: 0013ast
Revises: 0001
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013ast"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("assistant_vectors",)
depends_on: str | Sequence[str] | None = ("0009ast",)


def upgrade() -> None:
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_hash", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("terms", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("terms_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("vectors", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("vector_model", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("vector_hash", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        for column in (
            "vector_hash",
            "vector_model",
            "vectors",
            "terms_version",
            "terms",
            "text_hash",
        ):
            batch_op.drop_column(column)
