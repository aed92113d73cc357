"""Field investigation as a task: opened on a claim with an assignee and a due date,
completed by the assignee with findings and an outcome.

Routing (:func:`claimdesk.claims.rules.field_investigation_reasons`, thresholds and
complex causes in ``field_investigation.toml``) requires one for large or complex claims:
such a claim is not approved until its field investigation is completed (409
``field_investigation_open``) unless a supervisor waives it with a reason on approval.
Each step is written on the claim's timeline (staff only).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.claims import rules
from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.events import FieldInvestigationWaived
from claimdesk.claims.models import Claim, FieldInvestigation
from claimdesk.claims.repository import get_claim
from claimdesk.claims.schemas import (
    FieldInvestigationAssignIn,
    FieldInvestigationCompleteIn,
    FieldInvestigationIn,
    FieldInvestigationOut,
    FieldInvestigationsOut,
)
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from claimdesk.security.enums import HANDLER_ROLES, Role
from claimdesk.security.models import User
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor

OPENED = "field_investigation_opened"
ASSIGNED = "field_investigation_assigned"
COMPLETED = "field_investigation_completed"
WAIVED = "field_investigation_waived"
# Who may be sent into the field.
ASSIGNEE_ROLES = HANDLER_ROLES | {Role.INVESTIGATOR}
_OPENABLE = frozenset(
    {
        ClaimStatus.REPORTED,
        ClaimStatus.AWAITING_DOCUMENTS,
        ClaimStatus.UNDER_REVIEW,
        ClaimStatus.INVESTIGATING,
        ClaimStatus.ASSESSED,
        ClaimStatus.COVERAGE_VERIFIED,
        ClaimStatus.REOPENED,
    }
)


def reasons_for(claim: Claim) -> list[str]:
    """Why routing requires a field investigation of the claim (empty: not required)."""
    amount = max(claim.claimed_amount, claim.assessed_amount or Decimal("0"))
    lines = claim.effective_loss_lines()
    return rules.field_investigation_reasons(
        rules.field_investigation_rule(),
        claim_type=claim.claim_type,
        amount=amount,
        cause_codes={code for line in lines for code in line.cause_codes},
        loss_lines=len(lines),
    )


def _tasks(session: Session, claim_id: int) -> list[FieldInvestigation]:
    return list(
        session.scalars(
            select(FieldInvestigation)
            .where(FieldInvestigation.claim_id == claim_id)
            .order_by(FieldInvestigation.id)
        )
    )


def overview(session: Session, *, actor: Actor, claim_id: int) -> FieldInvestigationsOut:
    require(actor, "claims.field_investigations.view")
    claim = get_claim(session, actor=actor, claim_id=claim_id)
    reasons = reasons_for(claim)
    return FieldInvestigationsOut(
        claim_id=claim.id,
        required=bool(reasons),
        reasons=reasons,
        investigations=[FieldInvestigationOut.model_validate(t) for t in _tasks(session, claim.id)],
    )


def _assignee(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active or user.role not in ASSIGNEE_ROLES:
        raise ValidationFailed(
            f"User {user_id} cannot be sent on a field investigation: give an active "
            f"{', '.join(sorted(ASSIGNEE_ROLES))}. 该用户不能承担现场调查。",
            details=[{"field": "assignee_id"}],
        )
    return user


def _check_due(due: date, now: datetime, settings: Settings) -> None:
    today = local_date(now, settings.display_timezone)
    if due < today:
        raise ValidationFailed(
            f"The due date {due} is in the past (today is {today}). 到期日不能早于今天。",
            details=[{"field": "due_date"}],
        )


def open_investigation(
    session: Session,
    *,
    actor: Actor,
    claim_id: int,
    data: FieldInvestigationIn,
    now: datetime,
    settings: Settings,
) -> FieldInvestigation:
    require(actor, "claims.field_investigations.manage")
    claim = get_claim(session, actor=actor, claim_id=claim_id, for_update=True)
    if claim.status not in _OPENABLE:
        raise Conflict(
            f"Claim {claim.number} is '{claim.status}'; field investigations are opened before "
            "the decision. 案件已决定，不能再启动现场调查。"
        )
    if any(t.status == "open" for t in _tasks(session, claim.id)):
        raise Conflict(
            f"Claim {claim.number} already has an open field investigation; complete it first. "
            "本案已有进行中的现场调查。"
        )
    assignee = _assignee(session, data.assignee_id) if data.assignee_id is not None else None
    _check_due(data.due_date, now, settings)
    task = FieldInvestigation(
        claim_id=claim.id,
        status="open",
        assignee_id=assignee.id if assignee else None,
        due_date=data.due_date,
        instructions=data.instructions.strip(),
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(task)
    session.flush()
    claim.record(
        actor,
        now,
        kind=OPENED,
        to_status=None,
        reason=task.instructions or None,
        data={
            "investigation_id": task.id,
            "assignee_id": task.assignee_id,
            "due_date": task.due_date.isoformat(),
            "reasons": reasons_for(claim),
        },
    )
    session.flush()
    return task


def _task(
    session: Session, actor: Actor, investigation_id: int
) -> tuple[FieldInvestigation, Claim]:
    task = session.get(FieldInvestigation, investigation_id, with_for_update=True)
    if task is None:
        raise NotFound(f"Field investigation {investigation_id} does not exist.")
    claim = get_claim(session, actor=actor, claim_id=task.claim_id)
    if task.status != "open":
        raise Conflict(
            f"Field investigation {task.id} is {task.status}; nothing more to do. "
            "该现场调查已结束。"
        )
    return task, claim


def assign(
    session: Session,
    *,
    actor: Actor,
    investigation_id: int,
    data: FieldInvestigationAssignIn,
    now: datetime,
    settings: Settings,
) -> FieldInvestigation:
    require(actor, "claims.field_investigations.manage")
    task, claim = _task(session, actor, investigation_id)
    assignee = _assignee(session, data.assignee_id)
    if data.due_date is not None:
        _check_due(data.due_date, now, settings)
        task.due_date = data.due_date
    task.assignee_id = assignee.id
    claim.record(
        actor,
        now,
        kind=ASSIGNED,
        to_status=None,
        data={
            "investigation_id": task.id,
            "assignee_id": assignee.id,
            "due_date": task.due_date.isoformat(),
        },
    )
    session.flush()
    return task


def complete(
    session: Session,
    *,
    actor: Actor,
    investigation_id: int,
    data: FieldInvestigationCompleteIn,
    now: datetime,
) -> FieldInvestigation:
    """The assignee (or a supervisor) records the findings and the outcome."""
    require(actor, "claims.field_investigations.work")
    task, claim = _task(session, actor, investigation_id)
    if task.assignee_id is None:
        raise Conflict(
            f"Field investigation {task.id} has no assignee yet; assign it first. "
            "该现场调查尚未指派。"
        )
    if actor.user_id != task.assignee_id and actor.role != Role.SUPERVISOR:
        raise PermissionDenied(
            f"Field investigation {task.id} is assigned to user {task.assignee_id}; only they "
            "or a supervisor complete it. 只有被指派人或主管可以完成该现场调查。"
        )
    task.status = "completed"
    task.findings = data.findings.strip()
    task.outcome = data.outcome
    task.completed_by_id = actor.user_id
    task.completed_at = now
    claim.record(
        actor,
        now,
        kind=COMPLETED,
        to_status=None,
        reason=task.findings,
        data={"investigation_id": task.id, "outcome": task.outcome},
    )
    session.flush()
    return task


def statuses(session: Session, claim_id: int) -> frozenset[str]:
    """The states of the claim's field investigations (what the approval guard reads)."""
    return frozenset(t.status for t in _tasks(session, claim_id))


def record_waiver(
    session: Session, *, claim: Claim, event: FieldInvestigationWaived, settings: Settings
) -> FieldInvestigation:
    """An approval waived the required field investigation (the aggregate decided it may):
    the open task, or a new one, is marked waived with the reason, on the timeline too."""
    task = next((t for t in _tasks(session, claim.id) if t.status == "open"), None)
    if task is None:
        task = FieldInvestigation(
            claim_id=claim.id,
            due_date=local_date(event.at, settings.display_timezone),
            instructions="",
            created_by_id=event.actor.user_id,
            created_at=event.at,
        )
        session.add(task)
    task.status = "waived"
    task.waive_reason = (event.reason or "").strip()
    task.completed_by_id = event.actor.user_id
    task.completed_at = event.at
    session.flush()
    claim.record(
        event.actor,
        event.at,
        kind=WAIVED,
        to_status=None,
        reason=task.waive_reason,
        data={"investigation_id": task.id, "reasons": list(event.reasons)},
    )
    return task


def get(session: Session, *, actor: Actor, investigation_id: int) -> FieldInvestigation:
    require(actor, "claims.field_investigations.view")
    task = session.get(FieldInvestigation, investigation_id)
    if task is None:
        raise NotFound(f"Field investigation {investigation_id} does not exist.")
    return task


def assignees(session: Session) -> list[User]:
    """Active staff who may be sent on a field investigation (for the assignment form)."""
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_(sorted(ASSIGNEE_ROLES)), User.active.is_(True))
            .order_by(User.role, User.username)
        )
    )
