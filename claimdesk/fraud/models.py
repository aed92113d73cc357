from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claimdesk.core.db import Base, UTCDateTime


class RiskAssessment(Base):
    """One risk score of a claim; the newest row is current, older rows are its history.

    ``score`` is the combined score routing and triage use; with a learned model it is
    ``rules_score`` and ``model_probability`` combined (``rules.combine``), and
    ``contributions`` holds the model's top contributions (else None: rules only)."""

    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(16))
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(64))  # "rules 2026.1" or "... + model CODE v3"
    trigger: Mapped[str] = mapped_column(String(32))  # "reported" or the transition action
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rules_score: Mapped[int | None] = mapped_column(Integer)
    model_probability: Mapped[float | None] = mapped_column(Float)
    contributions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class RiskModel(Base):
    """A learned fraud model of one product, trained on ClaimDesk's own records: its file
    under the data dir, how it did on its holdout, what it reads and from which claims.
    At most one version of a product is active; live scoring uses that one."""

    __tablename__ = "risk_models"
    __table_args__ = (UniqueConstraint("product_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(512))  # relative to the data dir
    sha256: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    training_from: Mapped[datetime] = mapped_column(UTCDateTime)
    training_to: Mapped[datetime] = mapped_column(UTCDateTime)
    training_rows: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    activation_note: Mapped[str] = mapped_column(String(512), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def name(self) -> str:
        return f"{self.product_code} v{self.version}"
