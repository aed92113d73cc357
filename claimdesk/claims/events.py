"""Events the claims domain publishes (past tense)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from claimdesk.claims.enums import ClaimAction, ClaimStatus
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
