"""Events the support domain publishes (past tense); handlers.py wires their subscribers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from claimdesk.security.service import Actor


@dataclass(frozen=True)
class TicketReplied:
    """Staff wrote a customer-visible message on a ticket."""

    ticket_id: int
    message_id: int
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class TicketResolved:
    ticket_id: int
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class SurveyAnswered:
    survey_id: int
    customer_id: int
    score: int
    at: datetime


@dataclass(frozen=True)
class TicketCreated:
    ticket_id: int
    at: datetime


@dataclass(frozen=True)
class TicketUpdated:
    """A ticket changed: a message, a lifecycle step, a new owner, complaint details."""

    ticket_id: int
    change: str
    at: datetime


@dataclass(frozen=True)
class SlaBreached:
    """A service-level clock went past its due time."""

    clock_id: int
    metric: str
    kind: str
    ticket_id: int | None
    claim_id: int | None
    at: datetime
