"""Staff qualifications (certificates) and training records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from claimdesk.core.db import Base, UTCDateTime


class Qualification(Base):
    """A certificate a member of staff holds: kind, number, issuing body and validity."""

    __tablename__ = "staff_qualifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64), default="")
    issuer: Mapped[str] = mapped_column(String(128), default="")
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrainingRecord(Base):
    """A course a member of staff completed, with its hours."""

    __tablename__ = "training_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course: Mapped[str] = mapped_column(String(256))
    provider: Mapped[str] = mapped_column(String(128), default="")
    topic: Mapped[str] = mapped_column(String(32), default="")
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    completed_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
