from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claimdesk.claims.enums import ClaimStatus
from claimdesk.core.db import Base, HistoryEntry, Money, UTCDateTime
from claimdesk.policies.models import Policy


class Claim(Base):
    __tablename__ = "claims"
    # Work queues at scale (migration 0011scl): a status page newest first, a handler's queue.
    __table_args__ = (
        Index("ix_claims_status_id", "status", "id"),
        Index("ix_claims_assessor_id_status", "assessor_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    claim_type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    incident_date: Mapped[date] = mapped_column(Date)
    incident_location: Mapped[str] = mapped_column(String(256), default="")
    description: Mapped[str] = mapped_column(Text)
    claimed_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[str] = mapped_column(String(24), default=ClaimStatus.REPORTED, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("bank_accounts.id"))
    siu_referred: Mapped[bool] = mapped_column(Boolean, default=False)

    assessed_amount: Mapped[Decimal | None] = mapped_column(Money)
    payable_amount: Mapped[Decimal | None] = mapped_column(Money)
    approved_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    payout: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The calculation the current approval was based on (payout may be recalculated after).
    approved_payout: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Required document kinds waived by a person with waiver authority (timeline has who/why).
    waived_documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence_waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Referred for approval to a named colleague with enough authority (timeline has why).
    referred_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_feedback: Mapped[str | None] = mapped_column(Text)

    # When the claim became complete (all documents in): starts the statutory clock.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One timestamp per state: the latest time the claim entered it.
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    awaiting_documents_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    under_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    investigating_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    coverage_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    partially_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    denied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    policy: Mapped[Policy] = relationship()
    loss_lines: Mapped[list[LossLine]] = relationship(
        back_populates="claim", order_by="LossLine.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[ClaimEvent]] = relationship(
        back_populates="claim", order_by="ClaimEvent.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="claim", order_by="Payment.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a dict

    def enter(self, status: ClaimStatus, at: datetime) -> None:
        self.status = status
        setattr(self, f"{status.value}_at", at)

    @property
    def outstanding_amount(self) -> Decimal:
        return self.approved_amount - self.paid_amount


class LossLine(Base):
    """One itemised loss: claimed by the customer, or set by the assessor."""

    __tablename__ = "loss_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    coverage_code: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(256))
    amount: Mapped[Decimal] = mapped_column(Money)
    cause_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="claimant")

    claim: Mapped[Claim] = relationship(back_populates="loss_lines")


class ClaimEvent(HistoryEntry, Base):
    """The claim's timeline: who did what, when, and why."""

    __tablename__ = "claim_events"

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)

    claim: Mapped[Claim] = relationship(back_populates="events")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("claim_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)

    claim: Mapped[Claim] = relationship(back_populates="payments")


class IdempotencyRecord(Base):
    """Remembers a request made with an Idempotency-Key so a retry gets the same result."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(128))
    request_digest: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FieldInvestigation(Base):
    """A field investigation of a claim: a task with an assignee, a due date, and when done
    its findings and outcome (``open`` -> ``completed``, or ``waived`` by a supervisor)."""

    __tablename__ = "field_investigations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    instructions: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waive_reason: Mapped[str | None] = mapped_column(Text)
