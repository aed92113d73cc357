"""Events the fraud domain publishes (past tense)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from claimdesk.fraud.enums import Route


@dataclass(frozen=True)
class ClaimRouted:
    """Risk routing decided where a new claim goes (after its steps were applied)."""

    claim_id: int
    route: Route
    at: datetime


@dataclass(frozen=True)
class ReportedClaimScored:
    """A newly reported claim got its first risk score (a job after the report's commit)."""

    claim_id: int
    at: datetime
