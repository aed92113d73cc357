"""documents: how sure reading is of each extracted field

``documents.field_confidence`` maps a field name to a confidence from 0 to 1 (see
``documents.rules.field_confidence``); fields under the reading rules' ``min_confidence`` are
shown to staff as needing a look instead of raising mismatches. Documents read before this
revision have none (NULL): their fields count as confident, as they did.

Revision ID: 0015ocr
Revises: 0001
Create Date: 2026-12-03 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015ocr"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("reading",)
depends_on: str | Sequence[str] | None = ("0003d",)  # the documents table


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("field_confidence", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("field_confidence")
