from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from claimdesk.core.db import Base, UTCDateTime


class RiskAssessment(Base):
    """One risk score of a claim; the newest row is current, older rows are its history."""

    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(16))
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(32))  # e.g. "rules 2026.1"
    trigger: Mapped[str] = mapped_column(String(32))  # "reported" or the transition action
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime)
