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
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from claimdesk.claims.enums import ClaimStatus
from claimdesk.core.db import Base, HistoryEntry, Money, UTCDateTime
from claimdesk.policies.models import Policy
from claimdesk.security.crypto import EncryptedText, search_hash


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
    # Free text that can carry health data: encrypted at rest (revision 0015enc).
    description: Mapped[str] = mapped_column(EncryptedText(context="claims.description"))
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
    # Outstanding case reserve: what the insurer still expects to pay (history in
    # claim_reserves; incurred = paid + reserve).
    reserve_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"), server_default="0")
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
    # What adjusters collect at first notice, per the product's attribute schema
    # (claimdesk/policies/attributes/<product>.toml), validated at intake.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # How an investigation (SIU or field) ended: fraud_confirmed, cleared or inconclusive.
    investigation_outcome: Mapped[str | None] = mapped_column(String(24))
    investigation_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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
    # Personal free text erased when the retention period ended (customers/retention.py).
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
        # Never negative: an advance payment (art. 25) is paid before anything is approved.
        outstanding = self.approved_amount - self.paid_amount
        return outstanding if outstanding >= 0 else Decimal("0.00")

    @property
    def incurred_amount(self) -> Decimal:
        """Paid so far plus the outstanding case reserve."""
        return self.paid_amount + self.reserve_amount


class LossLine(Base):
    """One itemised loss: claimed by the customer, or set by the assessor."""

    __tablename__ = "loss_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    coverage_code: Mapped[str] = mapped_column(String(32))
    # Encrypted at rest; the keyed hash (whitespace and case ignored) finds equal texts on
    # other claims (fraud's shared loss lines) without reading them.
    description: Mapped[str] = mapped_column(EncryptedText(context="loss_lines.description"))
    description_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    cause_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="claimant")

    claim: Mapped[Claim] = relationship(back_populates="loss_lines")

    @validates("description")
    def _hash_description(self, _key: str, value: str) -> str:
        self.description_hash = description_hash(value)
        return value


def description_hash(text: str) -> str:
    """The keyed hash of a loss line's text, to find the same text on other claims."""
    return search_hash(text, purpose="loss_lines.description")


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


class ClaimReserve(Base):
    """One step of a claim's case reserve: set at report, changed by a handler (with a
    reason), lowered by a payment, released when the claim ends, set again at reopening."""

    __tablename__ = "claim_reserves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    previous_amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StatutoryClock(Base):
    """One statutory clock of a claim (PRC Insurance Law arts. 23-25): when it started, when
    it warns and falls due on the business calendar, and when it was met.

    ``next_check_at`` is the next moment the sweep has work for this clock (a warning, a
    breach); NULL once it is stopped or breached and escalated. ``provisional`` marks a
    period that touches a year the holiday package does not know (weekends-only rule).
    """

    __tablename__ = "statutory_clocks"
    __table_args__ = (UniqueConstraint("claim_id", "rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    rule: Mapped[str] = mapped_column(String(24))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class FeedRecord(Base):
    """A record loaded from a partner or legacy feed (bordereau): the feed's key of a policy
    or a claim and the ClaimDesk record made from it, so a re-run creates nothing twice."""

    __tablename__ = "feed_records"
    __table_args__ = (UniqueConstraint("product_code", "kind", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # policy | claim
    ref: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    request_digest: Mapped[str] = mapped_column(String(64))
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
