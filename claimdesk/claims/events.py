"""Events the claims domain publishes (past tense).

The claim aggregate (:class:`claimdesk.claims.models.Claim`) returns them from ``report`` and
``apply``; the claim service records what they mean outside the aggregate (ledger money facts,
reserves, field investigation tasks) and publishes them on the session's bus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.fraud.enums import InvestigationOutcome
from claimdesk.security.service import Actor


@dataclass(frozen=True)
class ClaimReported:
    claim_id: int
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class ClaimTransitioned:
    claim_id: int
    action: ClaimAction
    from_status: ClaimStatus
    to_status: ClaimStatus
    actor: Actor
    at: datetime
    reason: str | None = None
    # What the step decided, for the timeline entry (amounts, payment reference, ...).
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentsWaived:
    """Required documents waived for a money action (approve, pay, advance payment)."""

    claim_id: int
    kinds: tuple[str, ...]
    action: str
    amount: Decimal
    reason: str | None
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class FieldInvestigationWaived:
    """A required field investigation waived at approval (a role with waiver authority)."""

    claim_id: int
    reasons: tuple[str, ...]
    reason: str | None
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class ClaimAssessed:
    claim_id: int
    amount: Decimal
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class ClaimApproved:
    """Approved at ``amount`` in total; ``award`` names the dispute when it was an award."""

    claim_id: int
    amount: Decimal
    actor: Actor
    at: datetime
    award: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class PaymentIssued:
    claim_id: int
    reference: str
    amount: Decimal
    bank_account_id: int
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class InvestigationClosed:
    """How an investigation ended, recorded by an ``assess`` or ``deny`` step."""

    claim_id: int
    outcome: InvestigationOutcome
    action: ClaimAction
    reason: str | None
    actor: Actor
    at: datetime


ClaimEventType = (
    DocumentsWaived
    | FieldInvestigationWaived
    | ClaimAssessed
    | ClaimApproved
    | PaymentIssued
    | InvestigationClosed
    | ClaimTransitioned
)
