"""Service desk tables: teams, tickets, messages, SLA clocks, complaints, disputes, surveys,
and the notifications outbox."""

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
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claimdesk.core.db import Base, HistoryEntry, Money, UTCDateTime
from claimdesk.security.crypto import EncryptedString, EncryptedText
from claimdesk.support.enums import (
    AssignmentRule,
    Priority,
    SlaState,
    TicketStatus,
)


class Team(Base):
    """A group of agents that handles some kinds of ticket; lead and supervisor escalate."""

    __tablename__ = "support_teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    assignment_rule: Mapped[str] = mapped_column(String(16), default=AssignmentRule.ROUND_ROBIN)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Round-robin cursor: the member who got the last ticket.
    last_assigned_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", order_by="TeamMember.user_id", cascade="all, delete-orphan"
    )


class TeamMember(Base):
    __tablename__ = "support_team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("support_teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    team: Mapped[Team] = relationship(back_populates="members")


class Ticket(Base):
    __tablename__ = "tickets"
    # The ticket queue at scale (migration 0011scl): open tickets of a status, oldest first.
    __table_args__ = (Index("ix_tickets_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(256))
    # None for an e-mail from an unknown sender (unverified) until staff link the customer.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The address an e-mail ticket came from (replies go there while it is unverified).
    sender_address: Mapped[str | None] = mapped_column(String(256))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"), index=True)
    product_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default=TicketStatus.NEW, index=True)
    priority: Mapped[str] = mapped_column(String(8), default=Priority.NORMAL)
    customer_tier: Mapped[str] = mapped_column(String(16), default="standard")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("support_teams.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One timestamp per state: the latest time the ticket entered it.
    new_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_on_customer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Personal text erased when the retention period ended (customers/retention.py).
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    clocks: Mapped[list[SlaClock]] = relationship(
        back_populates="ticket", order_by="SlaClock.id", cascade="all, delete-orphan"
    )
    complaint: Mapped[Complaint | None] = relationship(
        back_populates="ticket", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[TicketAttachment]] = relationship(
        order_by="TicketAttachment.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a dict

    def enter(self, status: TicketStatus, at: datetime) -> None:
        self.status = status
        setattr(self, f"{status.value}_at", at)


class TicketMessage(Base):
    """A message on a ticket; internal notes are never shown to the customer."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_role: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(EncryptedText(context="ticket_messages.body"))
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")


class TicketAttachment(Base):
    """A file that came with a ticket message (an e-mail's attachment), checked and stored
    like a claim document; ``error`` says why one was refused (then nothing is stored)."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_messages.id"))
    filename: Mapped[str] = mapped_column(String(256))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketEvent(HistoryEntry, Base):
    """The ticket's history: created, assigned, reassigned, status changes, escalations."""

    __tablename__ = "ticket_events"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class SlaClock(Base):
    """One service-level commitment on a ticket or a claim, counted on a business calendar.

    ``next_check_at`` is the next moment the sweep has work for this clock (a warning, a
    breach, an escalation); it is NULL when the clock is paused, stopped or fully escalated,
    so the sweep reads only the clocks that need it.
    """

    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric"),
        UniqueConstraint("claim_id", "metric"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("support_teams.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    metric: Mapped[str] = mapped_column(String(24))
    calendar: Mapped[str] = mapped_column(String(32))
    target_seconds: Mapped[int] = mapped_column(Integer)
    elapsed_seconds: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supervisor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(16), default=SlaState.ON_TRACK)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)

    ticket: Mapped[Ticket | None] = relationship(back_populates="clocks")
    events: Mapped[list[SlaEvent]] = relationship(
        back_populates="clock", order_by="SlaEvent.id", cascade="all, delete-orphan"
    )

    @property
    def paused(self) -> bool:
        return self.stopped_at is None and self.running_since is None


class SlaEvent(Base):
    """Every change of an SLA clock: started, paused, resumed, state changes, escalations."""

    __tablename__ = "sla_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("sla_clocks.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    # Who was told (the owner warned, the lead or supervisor escalated to).
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    clock: Mapped[SlaClock] = relationship(back_populates="events")


class Complaint(Base):
    """What a complaint ticket is about and how it ended (regulatory reporting reads this)."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    root_cause: Mapped[str | None] = mapped_column(Text)
    remedy: Mapped[str | None] = mapped_column(Text)
    regulator_reportable: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket: Mapped[Ticket] = relationship(back_populates="complaint")


class Dispute(Base):
    """A customer's dispute of a claim decision, climbing the ladder stage by stage."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(24))
    extra_amount: Mapped[Decimal | None] = mapped_column(Money)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    stages: Mapped[list[DisputeStage]] = relationship(
        back_populates="dispute", order_by="DisputeStage.id", cascade="all, delete-orphan"
    )


class DisputeStage(Base):
    __tablename__ = "dispute_stages"
    __table_args__ = (UniqueConstraint("dispute_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    parties: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline: Mapped[date | None] = mapped_column(Date)
    documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(24))
    notes: Mapped[str | None] = mapped_column(Text)

    dispute: Mapped[Dispute] = relationship(back_populates="stages")


class Survey(Base):
    """A CSAT survey after a claim closes or a ticket resolves: one response, then it expires."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(16))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    product_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class OutboxMessage(Base):
    """A message to a customer (or a partner's contact), written in the transaction that
    caused it, sent by a job.

    ``key`` is unique: the same cause never makes two messages, and the adapters receive it
    as the message id so a resend after a crash is recognised. ``parts`` are the notices it
    carries (more than one: a digest of automatic steps, open until ``next_attempt_at``).
    """

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    # Sensitive: a phone number or e-mail address, stored encrypted.
    address: Mapped[str] = mapped_column(
        EncryptedString(512, context="notification_outbox.address")
    )
    locale: Mapped[str] = mapped_column(String(8))
    template: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(16), default="optional", server_default="optional")
    subject: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    parts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(8), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The mail server's Message-ID or the SMS provider's message id, once sent.
    provider_id: Mapped[str | None] = mapped_column(String(512), index=True)
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketFilter(Base):
    """A ticket inbox filter a member of staff saved under a name (their own, per user)."""

    __tablename__ = "ticket_filters"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_ticket_filters_user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # {"status": ..., "kind": ..., "owner": "me" | "none" | "", "priority": ..., "sla": ...}
    criteria: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
