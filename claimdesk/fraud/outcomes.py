"""Investigation outcomes: an SIU or field investigation ends with fraud confirmed, cleared
or inconclusive, recorded on the claim and (through its timeline) in the ledger. These are
the labels the fraud model learns from. Pure rules; the claim service applies them."""

from __future__ import annotations

from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.core.errors import ValidationFailed
from claimdesk.fraud.enums import InvestigationOutcome

# Timeline kind of the entry that records the outcome (internal: customers do not see it).
INVESTIGATION_CLOSED = "investigation_closed"
# Actions that end an investigation.
CLOSING_ACTIONS = frozenset({ClaimAction.ASSESS, ClaimAction.DENY})


def check_outcome(
    *,
    outcome: InvestigationOutcome | None,
    action: ClaimAction,
    source: ClaimStatus,
) -> InvestigationOutcome | None:
    """The outcome to record for this step, or ``ValidationFailed`` naming the field: an
    outcome is given only when an investigation ends (assess or deny from investigating),
    and confirmed fraud is not assessed for payment but denied."""
    if outcome is None:
        return None
    if source != ClaimStatus.INVESTIGATING or action not in CLOSING_ACTIONS:
        raise ValidationFailed(
            "An investigation outcome is recorded when the investigation ends: with 'assess' "
            f"or 'deny' of a claim that is investigating (this claim is '{source}').",
            details=[{"field": "investigation_outcome"}],
        )
    if outcome == InvestigationOutcome.FRAUD_CONFIRMED and action != ClaimAction.DENY:
        raise ValidationFailed(
            "A claim with fraud confirmed is denied, not assessed for payment; "
            "use 'deny' with the reason.",
            details=[{"field": "investigation_outcome"}],
        )
    return outcome
