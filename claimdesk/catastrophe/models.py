"""Catastrophe events and the claims tagged to them (with their triage)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claimdesk.catastrophe.enums import EventStatus
from claimdesk.core.db import Base, UTCDateTime


class CatastropheEvent(Base):
    """A declared event (typhoon, hailstorm...) whose claims are taken in bulk and triaged."""

    __tablename__ = "catastrophe_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. TY-2026-HAIKUI
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    peril: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8), default=EventStatus.OPEN)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CatastropheClaim(Base):
    """A claim tagged to an event: its bulk-intake key, lane, priority and the reasons.

    ``external_ref`` (unique per event) makes a re-sent file create nothing twice;
    ``request_digest`` tells a true re-send from a different row reusing the reference.
    ``is_open`` and ``reported_at`` copy the claim's so the queue is read from one index.
    """

    __tablename__ = "catastrophe_claims"
    __table_args__ = (
        UniqueConstraint("event_id", "external_ref"),
        Index("ix_catastrophe_claims_queue", "event_id", "is_open", "priority", "reported_at"),
        Index(
            "ix_catastrophe_claims_lane_queue",
            "event_id",
            "lane",
            "is_open",
            "priority",
            "reported_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("catastrophe_events.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    external_ref: Mapped[str] = mapped_column(String(64))
    request_digest: Mapped[str] = mapped_column(String(64))
    lane: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer)  # 1 first
    reasons_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    reasons_zh: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    triaged_at: Mapped[datetime] = mapped_column(UTCDateTime)
