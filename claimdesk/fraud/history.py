"""History import: labelled past claims become ClaimDesk records (holder, policy with its
insured object, claim with its attributes) through the normal intake, then are taken
through the lifecycle to their end with the investigation outcome their label gives:

- fraud found: referred to the SIU, denied with ``fraud_confirmed``, closed;
- no fraud: reviewed, investigated, assessed with ``cleared``, then withdrawn as settled in
  the legacy system (a feed without amounts cannot be paid in ClaimDesk, and money that
  never moved here is not put in the ledger).

Every step is a transition by the system actor, on the claim's timeline and in the ledger.
The claim keeps the risk score it got at report (the steps are not rescored).

A legacy claim was dealt with, and its holder told, in the former system: its import must
not speak to people or partners about it as if it happened now. The import publishes its
events on :func:`history_bus`, the application's bus without the subscribers that message
the holder (``messaging``), start service-desk clocks and satisfaction surveys
(``support``), post webhooks (``webhooks``) or queue the scoring job a live report gets
(``fraud``: the import scores each claim at once). Statutory clocks, catastrophe triage
and the audit ledger follow as for any claim.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from claimdesk.claims import service as claims
from claimdesk.claims.enums import ClaimAction
from claimdesk.claims.imports import RowRejected
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import TransitionIn
from claimdesk.config import Settings
from claimdesk.core import messages
from claimdesk.core.events import EventBus
from claimdesk.fraud import service as fraud
from claimdesk.fraud.enums import InvestigationOutcome
from claimdesk.security.service import SYSTEM

_FRAUD = frozenset({"1", "y", "yes", "true", "fraud"})
_NOT_FRAUD = frozenset({"0", "n", "no", "false", "not_fraud", "legit"})


QUIET_FOR_HISTORY = frozenset(
    {
        "claimdesk.messaging.handlers",
        "claimdesk.support.handlers",
        "claimdesk.webhooks.handlers",
        "claimdesk.fraud.handlers",
    }
)


def history_bus(bus: EventBus) -> EventBus:
    """The bus a history import publishes on (see the module's docstring)."""
    return bus.without(QUIET_FOR_HISTORY)


def outcome_of(label: str, column: str) -> InvestigationOutcome:
    """The investigation outcome a label cell gives (1/Y/yes/true = fraud found)."""
    value = label.strip().lower()
    if value in _FRAUD:
        return InvestigationOutcome.FRAUD_CONFIRMED
    if value in _NOT_FRAUD:
        return InvestigationOutcome.CLEARED
    raise RowRejected(f"{column}: '{label}' is not a label (1/0, Y/N, yes/no, true/false)")


def _steps(
    outcome: InvestigationOutcome,
) -> list[tuple[TransitionIn, dict[str, Any] | None]]:
    """The import's steps, each with what the timeline says of it (a message key, said in
    the reader's language)."""
    if outcome == InvestigationOutcome.FRAUD_CONFIRMED:
        fraud_found = messages.message("history.legacy_fraud")
        return [
            (TransitionIn(action=ClaimAction.REFER_TO_SIU), fraud_found),
            (
                TransitionIn(action=ClaimAction.DENY, investigation_outcome=outcome),
                fraud_found,
            ),
            (TransitionIn(action=ClaimAction.CLOSE), None),
        ]
    return [
        (TransitionIn(action=ClaimAction.START_REVIEW), None),
        (TransitionIn(action=ClaimAction.START_INVESTIGATION), None),
        (TransitionIn(action=ClaimAction.ASSESS, investigation_outcome=outcome), None),
        (TransitionIn(action=ClaimAction.WITHDRAW), messages.message("history.legacy_settled")),
    ]


AfterIntake = Callable[[Session, Claim, datetime], None]


def closer(
    outcome: InvestigationOutcome, settings: Settings, *, first: AfterIntake | None = None
) -> AfterIntake:
    """What runs after a history row's intake (after ``first``, e.g. the report's scoring):
    the claim taken to its end with the outcome."""

    def close(session: Session, claim: Claim, now: datetime) -> None:
        if first is not None:
            first(session, claim, now)
        with fraud.rescoring_paused(session):
            for command, message in _steps(outcome):
                claims.transition(
                    session,
                    actor=SYSTEM,
                    claim_id=claim.id,
                    command=command,
                    now=now,
                    settings=settings,
                    message=message,
                )

    return close
