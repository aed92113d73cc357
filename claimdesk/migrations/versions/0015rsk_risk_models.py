"""models: the registry of learned fraud models per product, and the parts of a risk score

``risk_models`` holds every trained version of a product's model (file under the data dir,
holdout metrics, features, training window) and which one is active. A risk assessment
records its rules score, the active model's probability and its top contributions beside
the combined score; ``method`` grows to name the model version.

Revision ID: 0015rsk
Revises: 0001
Create Date: 2026-12-03 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import claimdesk.core.db

revision: str = "0015rsk"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("models",)
depends_on: str | Sequence[str] | None = ("0004f",)


def upgrade() -> None:
    op.create_table(
        "risk_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("training_from", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("training_to", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("training_rows", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("activation_note", sa.String(length=512), nullable=False),
        sa.Column("created_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", claimdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_models")),
        sa.UniqueConstraint(
            "product_code", "version", name=op.f("uq_risk_models_product_code_version")
        ),
    )
    with op.batch_alter_table("risk_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_models_product_code"), ["product_code"], unique=False
        )
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rules_score", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("model_probability", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("contributions", sa.JSON(), nullable=True))
        batch_op.alter_column(
            "method", existing_type=sa.String(length=32), type_=sa.String(length=64)
        )


def downgrade() -> None:
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.alter_column(
            "method", existing_type=sa.String(length=64), type_=sa.String(length=32)
        )
        batch_op.drop_column("contributions")
        batch_op.drop_column("model_probability")
        batch_op.drop_column("rules_score")
    with op.batch_alter_table("risk_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_models_product_code"))
    op.drop_table("risk_models")
