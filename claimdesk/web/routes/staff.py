"""The staff workbench: work queues, claim detail with its actions, counter/phone intake,
the ticket inbox. Buttons come from the same rules the services enforce: the claim and
ticket state machines' role rules, the permission table, and the approval guards."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.api.deps import NowDep, SessionDep, SettingsDep
from claimdesk.catastrophe import service as catastrophes
from claimdesk.catastrophe import triage
from claimdesk.claims import advances, field_investigations, referrals, reserves, waivers
from claimdesk.claims import clocks as statutory_clocks
from claimdesk.claims import machine as claim_machine
from claimdesk.claims import rules as claim_rules
from claimdesk.claims import service as claims
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import (
    ClaimOut,
    FieldInvestigationAssignIn,
    FieldInvestigationCompleteIn,
    FieldInvestigationIn,
    ReferralIn,
    StatutoryClockOut,
    TransitionIn,
)
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.errors import (
    ClaimDeskError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from claimdesk.core.messages import both
from claimdesk.customers.models import Customer
from claimdesk.fraud import service as fraud
from claimdesk.fraud.enums import InvestigationOutcome
from claimdesk.policies import attribute_schema
from claimdesk.security.models import User
from claimdesk.security.permissions import allowed, require
from claimdesk.security.service import Actor
from claimdesk.support import clocks, disputes, inbox
from claimdesk.support import service as support
from claimdesk.support.enums import Priority, SlaState, TicketAction, TicketStatus
from claimdesk.support.machine import OPEN_STATUSES, TRANSITIONS
from claimdesk.support.schemas import DisputeStepIn, MessageIn, TicketTransitionIn
from claimdesk.web import assessment, forms, ticket_history
from claimdesk.web.i18n import Translator
from claimdesk.web.rendering import (
    Form,
    field,
    flash,
    page_permission,
    redirect,
    render,
    translator,
    web_router,
)
from claimdesk.web.routes.portal import claim_page_context, report_from_form
from claimdesk.web.sessions import StaffActor

router = web_router("/staff")

NEW_STATUSES = (ClaimStatus.REPORTED, ClaimStatus.REOPENED)
IN_HANDLING = (
    ClaimStatus.AWAITING_DOCUMENTS,
    ClaimStatus.UNDER_REVIEW,
    ClaimStatus.INVESTIGATING,
    ClaimStatus.ASSESSED,
)
DECISION_STATUSES = (
    ClaimStatus.COVERAGE_VERIFIED,
    ClaimStatus.APPROVED,
    ClaimStatus.PARTIALLY_APPROVED,
)
_AT_RISK = frozenset({"due_soon", "overdue"})
_TICKET_AT_RISK = frozenset({SlaState.AT_RISK, SlaState.BREACHED})


# ---------------------------------------------------------------- claim actions


@dataclass(frozen=True)
class ActionOption:
    action: str
    reason_required: bool
    blocked: str | None  # why the button is absent although the role may act in general


def _approval_blocked(claim: Claim, actor: Actor, settings: Settings, t: Translator) -> str | None:
    """Why this person may not approve the claim (the claim rules' checks), in the
    reader's language; None when they may."""
    try:
        claim_rules.check_four_eyes(actor.user_id, claim.assessor_id)
    except PermissionDenied:
        return t("action.blocked_four_eyes")
    payable = claim.payable_amount or Decimal(0)
    try:
        claim_rules.check_authority(actor.role, payable, settings.authority_limits)
    except PermissionDenied:
        limit = settings.authority_limits.get(actor.role)
        if limit is None:
            return t("action.blocked_no_authority")
        return t("action.blocked_authority", amount=t.money(payable), limit=t.money(limit))
    return None


def claim_actions(
    claim: Claim, actor: Actor, settings: Settings, t: Translator
) -> list[ActionOption]:
    """The actions this person may take on the claim now: the state machine's role rules,
    then the approval guards (four-eyes, authority limit) on the calculated payable."""
    options = []
    for action in claim_machine.allowed_actions(ClaimStatus(claim.status), actor.role):
        if action == ClaimAction.APPROVE_AWARD:
            continue  # taken by settling a dispute with an award (the dispute form)
        blocked = None
        if action == ClaimAction.APPROVE:
            blocked = _approval_blocked(claim, actor, settings, t)
        transition = claim_machine.TRANSITIONS[ClaimAction(action)]
        options.append(ActionOption(str(action), transition.reason_required, blocked))
    return options


def _can_decide(claim: ClaimOut) -> bool:
    wanted = {ClaimAction.APPROVE, ClaimAction.PAY}
    return any(a in wanted for a in claim.allowed_actions)


# ---------------------------------------------------------------- queues


_OPEN_CLOCK_STATES = ("running", "warning", "breached")


def nearest_clock(claim: ClaimOut) -> StatutoryClockOut | None:
    """The claim's statutory clock still open that falls due first (queues show it)."""
    running = [c for c in claim.statutory_clocks if c.state in _OPEN_CLOCK_STATES]
    return min(running, key=lambda c: c.due_at) if running else None


def _due(claim: ClaimOut) -> tuple[int, datetime]:
    nearest = nearest_clock(claim)
    due = nearest.due_at if nearest else claim.statutory.decision_due_at
    return (0, due) if due else (1, claim.state_times.get("reported") or datetime.max)


def _at_risk(claim: ClaimOut) -> bool:
    nearest = nearest_clock(claim)
    return claim.statutory.state in _AT_RISK or (
        nearest is not None and nearest.state in ("warning", "breached")
    )


def claim_queues(
    session: Session, *, actor: Actor, now: datetime, settings: Settings
) -> dict[str, list[ClaimOut]]:
    def views(statuses: tuple[ClaimStatus, ...]) -> list[ClaimOut]:
        found = [
            c
            for status in statuses
            for c in claims.list_claims(session, actor=actor, status=status, limit=200)
        ]
        clocks_of = statutory_clocks.of_claims(session, [c.id for c in found])
        rows = [
            claims.claim_view(
                c, actor=actor, now=now, settings=settings, clocks=clocks_of.get(c.id, [])
            )
            for c in found
        ]
        return sorted(rows, key=_due)

    handling = views(IN_HANDLING)
    deciding = [c for c in views(DECISION_STATUSES) if _can_decide(c)]
    everything = views(NEW_STATUSES) + handling + views(DECISION_STATUSES)
    return {
        "new": views(NEW_STATUSES),
        "handling": [c for c in handling if not c.siu_referred],
        "decision": deciding,
        "sla": sorted([c for c in everything if _at_risk(c)], key=_due),
        "siu": [c for c in handling if c.siu_referred],
        "referred_to_me": sorted(
            (
                claims.claim_view(c, actor=actor, now=now, settings=settings)
                for c in claims.list_claims(
                    session, actor=actor, referred_to_id=actor.user_id or 0, limit=200
                )
            ),
            key=_due,
        ),
    }


def _priority_rank(priority: str) -> int:
    return {"urgent": 0, "high": 1, "normal": 2, "low": 3}.get(priority, 4)


def _ticket_due(ticket: Any, now: datetime) -> datetime:
    running = [c.due_at for c in ticket.clocks if c.stopped_at is None and c.due_at]
    return min(running) if running else datetime.max.replace(tzinfo=now.tzinfo)


def ticket_queue(session: Session, *, actor: Actor, now: datetime) -> list[Any]:
    """Open tickets by priority, then the earliest SLA due time."""
    if not allowed(actor, "support.work"):
        return []
    tickets = [
        t
        for status in OPEN_STATUSES
        for t in support.list_tickets(session, actor=actor, status=status, limit=200)
    ]
    return sorted(tickets, key=lambda t: (_priority_rank(t.priority), _ticket_due(t, now)))


def ticket_sla_state(ticket: Any, now: datetime) -> str | None:
    """The worst live SLA state of the ticket's running clocks."""
    states = [clocks.live_state(c, now) for c in ticket.clocks if c.stopped_at is None]
    for state in (SlaState.BREACHED, SlaState.AT_RISK, SlaState.ON_TRACK):
        if state in states:
            return str(state)
    return None


def countdown(due: datetime | None, now: datetime, t: Translator) -> str:
    """Time left to a due time ("in 2 h 5 min"), or how long it is overdue."""
    if due is None:
        return ""
    minutes = int(abs((due - now).total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    if days:
        span = t("duration.days", days=days, hours=rest // 60)
    elif rest >= 60:
        span = t("duration.hours", hours=rest // 60, minutes=rest % 60)
    else:
        span = t("duration.minutes", minutes=rest)
    return t("sla.left" if due >= now else "sla.overdue_by", span=span)


_FILTER_KEYS = ("status", "kind", "owner", "priority", "sla")


def _inbox_context(
    session: Session, request: Request, actor: Actor, tickets: list[Any], now: datetime
) -> dict[str, Any]:
    """The ticket inbox's filter (typed or saved), its saved filters and owners' names."""
    saved = inbox.saved_filters(session, actor=actor) if allowed(actor, "support.work") else []
    chosen = request.query_params.get("filter", "")
    if chosen:
        if not chosen.isdigit():
            raise NotFound(f"Saved filter {chosen} does not exist.")
        criteria = inbox.get_filter(session, actor=actor, filter_id=int(chosen)).criteria
    else:
        raw = {key: request.query_params.get(key, "") for key in _FILTER_KEYS}
        criteria = inbox.clean_criteria(raw)
    shown = [tk for tk in tickets if inbox.matches(tk, criteria, actor=actor, now=now)]
    owner_ids = {tk.owner_id for tk in shown if tk.owner_id}
    owners = {
        u.id: u.full_name or u.username
        for u in (session.get(User, uid) for uid in owner_ids)
        if u is not None
    }
    return {
        "shown_tickets": shown,
        "criteria": criteria,
        "chosen_filter": chosen,
        "saved_filters": saved,
        "owners": owners,
        "statuses": [str(s) for s in TicketStatus],
        "priorities": [str(p) for p in Priority],
        "owner_choices": inbox.OWNER_CHOICES,
        "sla_choices": inbox.SLA_CHOICES,
        "kinds": sorted({tk.kind for tk in tickets}),
    }


@router.get("")
def workbench(
    request: Request,
    actor: StaffActor,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    queue: str = "new",
) -> Response:
    queues = claim_queues(session, actor=actor, now=now, settings=settings)
    tickets = ticket_queue(session, actor=actor, now=now)
    names = [*queues, "tickets"]
    if queue not in names:
        raise NotFound(f"There is no queue '{queue}'.")
    sla_tickets = [t for t in tickets if ticket_sla_state(t, now) in _TICKET_AT_RISK]
    listed = tickets if queue == "tickets" else sla_tickets if queue == "sla" else []
    extra = _inbox_context(session, request, actor, listed, now) if queue == "tickets" else {}
    t = translator(request)
    return render(
        request,
        "staff/workbench.html",
        {
            "queue": queue,
            "names": names,
            "counts": {**{k: len(v) for k, v in queues.items()}, "tickets": len(tickets)},
            "rows": queues.get(queue, []),
            "tickets": extra.get("shown_tickets", listed),
            "sla_state": lambda tk: ticket_sla_state(tk, now),
            "countdown": lambda due: countdown(due, now, t),
            "owners": {},
            **extra,
            "nearest_clock": nearest_clock,
            "can_intake": allowed(actor, "claims.report"),
            "can_see_catastrophes": allowed(actor, "catastrophe.view"),
        },
    )


# ---------------------------------------------------------------- catastrophe events


@router.get("/catastrophes")
def catastrophe_events(request: Request, actor: StaffActor, session: SessionDep) -> Response:
    events = catastrophes.list_events(session, actor=actor)
    return render(request, "staff/catastrophes.html", {"events": events})


@router.get("/catastrophes/{event_id}")
def catastrophe_queue(
    request: Request,
    event_id: int,
    actor: StaffActor,
    session: SessionDep,
    lane: str | None = None,
    include_done: bool = False,
) -> Response:
    """An event's summary and its claims in working order, by lane."""
    summary = catastrophes.summary(session, actor=actor, event_id=event_id)
    items = catastrophes.queue(
        session, actor=actor, event_id=event_id, lane=lane, include_done=include_done, limit=200
    )
    return render(
        request,
        "staff/catastrophe.html",
        {
            "event": summary,
            "items": items,
            "lane": lane,
            "lanes": [known.code for known in triage.config().lanes],
            "include_done": include_done,
        },
    )


# ---------------------------------------------------------------- claim detail


@router.get("/claims/{claim_id}")
def claim_detail(
    request: Request,
    claim_id: int,
    actor: StaffActor,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    context = claim_page_context(session, actor=actor, claim=claim, now=now, settings=settings)
    risk = _risk(session, actor, claim)
    schema = attribute_schema.schema_for(claim.policy.product.code)
    locale = translator(request).locale
    context.update(
        claim_attributes=attribute_schema.shown(schema, "claim", claim.attributes or {}, locale),
        insured_object=attribute_schema.shown(
            schema, "insured_object", claim.policy.insured_object or {}, locale
        ),
        outcomes=list(InvestigationOutcome),
        actions=claim_actions(claim, actor, settings, translator(request)),
        risk=risk,
        can_view_risk=allowed(actor, "claims.view_risk"),
        can_manage_disputes=allowed(actor, "support.disputes.manage"),
        can_advance=allowed(actor, "claims.advance_payment")
        and claim.status in advances.OPEN_FOR_ADVANCE
        and claim.completed_at is not None
        and claim.assessed_amount is not None,
        **side_paths_context(session, actor=actor, claim=claim, now=now, settings=settings),
    )
    context.update(reserve_page_context(session, actor=actor, claim_id=claim.id))
    context["waiver_options"] = waiver_options(
        session, actor=actor, claim=claim, settings=settings, actions=context["actions"]
    )
    context.update(
        assessment_context(session, actor=actor, claim=claim, actions=context["actions"])
    )
    context["high_risk"] = assessment.high_risk(risk)
    return render(request, "staff/claim.html", context)


def _risk(session: Session, actor: Actor, claim: Claim) -> Any:
    """The claim's risk score for a reader who may see it; None otherwise or not scored."""
    if not allowed(actor, "claims.view_risk"):
        return None
    try:
        return fraud.risk_view(session, actor=actor, claim_id=claim.id)
    except NotFound:
        return None


# ---------------------------------------------------------------- assessment in the page


def assessment_context(
    session: Session, *, actor: Actor, claim: Claim, actions: list[ActionOption]
) -> dict[str, Any]:
    """The loss-line editor (when the person may assess now), the names it offers, and
    what keeps money from moving on the claim's documents."""
    can_assess = any(a.action == ClaimAction.ASSESS and not a.blocked for a in actions)
    offered = {a.action for a in actions}
    return {
        "can_assess": can_assess,
        "editor_rows": assessment.editor_rows(claim) if can_assess else [],
        "coverages": list(claim.policy.product.coverages),
        "exclusions": assessment.exclusion_codes(claim),
        # Before money moves: from review until paid.
        "evidence_gaps": assessment.evidence_gaps(session, claim)
        if ClaimStatus(claim.status) in (*IN_HANDLING, *DECISION_STATUSES)
        else [],
        "money_actions": assessment.MONEY_ACTIONS,
        "payee_accounts": assessment.payee_accounts(session, actor=actor, claim=claim)
        if "pay" in offered
        else [],
        "payee_id": claim.bank_account_id,
    }


@router.get("/claims/{claim_id}/payout-preview")
def payout_preview(
    request: Request,
    claim_id: int,
    actor: StaffActor,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """htmx: the payout on the editor's lines as typed (the service's calculation, nothing
    kept), and whether it is above the reader's approval authority."""
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    context: dict[str, Any] = {"claim": claim, "result": None, "line_error": None}
    try:
        lines = assessment.lines_in(assessment.rows_of(request.query_params))  # type: ignore[arg-type]
    except assessment.LineError as exc:
        context["line_error"] = exc
    else:
        result = assessment.preview(session, actor, claim, lines)
        context.update(
            result=result,
            steps=forms.payout_steps(result.to_dict()),
            limit=assessment.above_authority(actor, result.total_payable, settings),
            can_refer=allowed(actor, "claims.refer"),
        )
    return render(request, "fragments/payout_preview.html", context)


def _line_error(exc: Exception, t: Translator) -> str | None:
    if isinstance(exc, assessment.LineError):
        return t(f"assess.line_error_{exc.problem}", row=exc.row)
    return forms.claim_action_error(exc, t, waiving=False)


@router.post("/claims/{claim_id}/assessment")
def assess_claim(
    request: Request,
    claim_id: int,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """Assess the claim on the editor's lines (added, edited, excluded with an exclusion)."""

    def act() -> None:
        command = TransitionIn(
            action=ClaimAction.ASSESS,
            loss_lines=assessment.lines_in(assessment.rows_of(form)),
            reason=field(form, "reason") or None,
            expected_version=int(field(form, "version") or 0) or None,
            investigation_outcome=field(form, "investigation_outcome") or None,
        )
        claims.transition(
            session, actor=actor, claim_id=claim_id, command=command, now=now, settings=settings
        )

    page = f"/staff/claims/{claim_id}"
    return forms.act_then_return(
        request, session, act=act, page=page, notice="notice.action_done", describe=_line_error
    )


# Money forms of the claim page go through a confirmation first: where they post for real.
_CONFIRM_TARGETS = {
    "action": "/claims/{id}/actions",
    "reserve": "/staff/claims/{id}/reserve",
    "advance": "/claims/{id}/advance-payment",
}


def _money_text(amount: Decimal | str | None, currency: str, t: Translator) -> str:
    """An amount for the confirmation: as money, or as typed when it is none (the action
    itself refuses it then, with its message on the claim page)."""
    try:
        return t.money(Decimal(str(amount).replace(",", "")), currency) if amount else "—"
    except InvalidOperation:
        return str(amount)


@router.post("/claims/{claim_id}/confirm")
def confirm_money_action(
    request: Request,
    claim_id: int,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """The confirmation step before money moves (approve, pay, reserve, advance payment):
    what will happen, for how much, and the warnings; nothing changes until confirmed."""
    target = field(form, "target")
    if target not in _CONFIRM_TARGETS:
        raise NotFound(f"There is nothing to confirm called '{target}'.")
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    action = field(form, "action") if target == "action" else target
    if target == "action" and action not in assessment.MONEY_ACTIONS:
        raise ValidationFailed(f"Action '{action}' needs no confirmation.")
    typed = field(form, "amount")
    if action == "approve":
        amount = _money_text(claim.payable_amount, claim.currency, translator(request))
    elif action == "pay" and not typed:
        amount = _money_text(claim.outstanding_amount, claim.currency, translator(request))
    else:
        amount = _money_text(typed, claim.currency, translator(request))
    hidden = [
        (name, str(value))
        for name, value in form.multi_items()
        if name not in ("csrf_token", "target") and isinstance(value, str)
    ]
    risk = _risk(session, actor, claim)
    return render(
        request,
        "staff/confirm.html",
        {
            "claim": claim,
            "what": action,
            "amount": amount,
            "current_reserve": claim.reserve_amount if target == "reserve" else None,
            "post_to": _CONFIRM_TARGETS[target].format(id=claim.id),
            "hidden": hidden,
            "high_risk": assessment.high_risk(risk),
            "risk": risk,
            "evidence_gaps": assessment.evidence_gaps(session, claim)
            if target != "reserve"
            else [],
        },
    )


def waiver_options(
    session: Session,
    *,
    actor: Actor,
    claim: Claim,
    settings: Settings,
    actions: list[ActionOption],
) -> dict[str, waivers.WaiverOptions]:
    """Per action form (approve, pay) what this person may waive on it: nothing without
    waiver authority, the field investigation only on approve."""
    offered = {a.action for a in actions if not a.blocked}
    if not offered & {str(a) for a in waivers.DOCUMENT_WAIVER_ACTIONS}:
        return {}
    found = waivers.options(session, actor=actor, claim=claim, settings=settings)
    result = {}
    for action in sorted(offered):
        if action not in waivers.DOCUMENT_WAIVER_ACTIONS:
            continue
        fi = found.field_investigation and action in waivers.FIELD_INVESTIGATION_WAIVER_ACTIONS
        option = waivers.WaiverOptions(found.document_kinds, fi)
        if option:
            result[action] = option
    return result


# ---------------------------------------------------------------- referral, field investigation


def side_paths_context(
    session: Session, *, actor: Actor, claim: Claim, now: datetime, settings: Settings
) -> dict[str, Any]:
    """Referral for approval (colleagues who may approve it) and field investigations."""
    can_refer = allowed(actor, "claims.refer") and claim.status == ClaimStatus.COVERAGE_VERIFIED
    investigations = None
    if allowed(actor, "claims.field_investigations.view"):
        investigations = field_investigations.overview(session, actor=actor, claim_id=claim.id)
    return {
        "can_refer": can_refer,
        "referral_candidates": referrals.candidates(
            session, claim=claim, actor=actor, settings=settings
        )
        if can_refer
        else [],
        "referred_to": session.get(User, claim.referred_to_id) if claim.referred_to_id else None,
        "investigations": investigations,
        "can_manage_investigations": allowed(actor, "claims.field_investigations.manage"),
        "can_work_investigations": allowed(actor, "claims.field_investigations.work"),
        "assignees": field_investigations.assignees(session)
        if allowed(actor, "claims.field_investigations.manage")
        else [],
        "today": local_date(now, settings.display_timezone),
    }


@router.post("/claims/{claim_id}/referrals")
def refer_claim(
    request: Request,
    claim_id: int,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    def act() -> None:
        data = ReferralIn(to_user_id=int(field(form, "to_user_id") or 0), note=field(form, "note"))
        referrals.refer(
            session, actor=actor, claim_id=claim_id, data=data, now=now, settings=settings
        )

    page = f"/staff/claims/{claim_id}"
    return forms.act_then_return(request, session, act=act, page=page, notice="notice.referred")


@router.post("/claims/{claim_id}/field-investigations")
def open_field_investigation(
    request: Request,
    claim_id: int,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    def act() -> None:
        assignee = field(form, "assignee_id")
        data = FieldInvestigationIn(
            assignee_id=int(assignee) if assignee.isdigit() else None,
            due_date=field(form, "due_date"),
            instructions=field(form, "instructions"),
        )
        field_investigations.open_investigation(
            session, actor=actor, claim_id=claim_id, data=data, now=now, settings=settings
        )

    page = f"/staff/claims/{claim_id}"
    return forms.act_then_return(request, session, act=act, page=page, notice="notice.action_done")


@router.post("/field-investigations/{investigation_id}/{step}")
def field_investigation_step(
    request: Request,
    investigation_id: int,
    step: str,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """Assign a field investigation, or complete it with findings and an outcome."""
    if step not in ("assign", "complete"):
        raise NotFound(f"There is no step '{step}'.")
    task = field_investigations.get(session, actor=actor, investigation_id=investigation_id)

    def act() -> None:
        if step == "assign":
            field_investigations.assign(
                session,
                actor=actor,
                investigation_id=investigation_id,
                data=FieldInvestigationAssignIn(
                    assignee_id=int(field(form, "assignee_id") or 0),
                    due_date=field(form, "due_date") or None,
                ),
                now=now,
                settings=settings,
            )
        else:
            field_investigations.complete(
                session,
                actor=actor,
                investigation_id=investigation_id,
                data=FieldInvestigationCompleteIn(
                    findings=field(form, "findings"), outcome=field(form, "outcome")
                ),
                now=now,
            )

    page = f"/staff/claims/{task.claim_id}"
    return forms.act_then_return(request, session, act=act, page=page, notice="notice.action_done")


@router.post("/disputes/{dispute_id}/steps")
def dispute_step(
    request: Request,
    dispute_id: int,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """Escalate a dispute to its next stage or settle it with an outcome."""
    dispute = disputes.get_dispute(session, actor=actor, dispute_id=dispute_id)
    page = f"/staff/claims/{dispute.claim_id}"

    def act() -> None:
        data = DisputeStepIn(
            action=field(form, "action"),
            outcome=field(form, "outcome") or None,
            notes=field(form, "notes") or None,
            extra_amount=field(form, "extra_amount") or None,
        )
        disputes.step(
            session, actor=actor, dispute_id=dispute_id, data=data, now=now, settings=settings
        )

    return forms.act_then_return(request, session, act=act, page=page, notice="notice.action_done")


# ---------------------------------------------------------------- counter / phone intake


@router.get("/intake")
def intake_page(
    request: Request,
    actor: StaffActor,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    customer_id: str = "",
    policy_id: str = "",
) -> Response:
    require(actor, page_permission("/staff/intake"))
    values = {"customer_id": customer_id, "policy_id": policy_id, "channel": "counter"}
    context = forms.claim_form_context(
        session, actor=actor, values=values, now=now, settings=settings
    )
    return render(request, "staff/intake.html", context)


@router.post("/intake")
def intake(
    request: Request,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    return report_from_form(
        request,
        session,
        actor=actor,
        form=form,
        now=now,
        settings=settings,
        template="staff/intake.html",
        claim_url="/staff/claims/{id}",
    )


# ---------------------------------------------------------------- tickets


@cache
def canned_replies() -> dict[str, dict[str, str]]:
    text = resources.files("claimdesk.web").joinpath("canned_replies.toml").read_text("utf-8")
    return tomllib.loads(text)


@router.get("/tickets/{ticket_id}")
def ticket_detail(
    request: Request,
    ticket_id: int,
    actor: StaffActor,
    session: SessionDep,
    now: NowDep,
    canned: str = "",
) -> Response:
    return _ticket_page(request, session, actor, ticket_id, now, body=_canned(request, canned))


def _canned(request: Request, key: str) -> str:
    reply = canned_replies().get(key)
    if reply is None:
        return ""
    return reply["zh"] if translator(request).is_zh else reply["en"]


def _ticket_page(
    request: Request,
    session: Session,
    actor: Actor,
    ticket_id: int,
    now: datetime,
    *,
    body: str = "",
    status_code: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    ticket = support.get_ticket(session, actor=actor, ticket_id=ticket_id)
    view = support.ticket_view(session, ticket, actor=actor, now=now)
    actions = [(a, TRANSITIONS[TicketAction(a)].reason_required) for a in view.allowed_actions]
    panel = (
        inbox.customer_panel(
            session, actor=actor, customer_id=ticket.customer_id, ticket_id=ticket.id
        )
        if ticket.customer_id is not None
        else None
    )
    owner = session.get(User, ticket.owner_id) if ticket.owner_id else None
    events = view.events or []
    t = translator(request)
    return render(
        request,
        "staff/ticket.html",
        {
            "ticket": view,
            "history": ticket_history.history(
                events,
                _names(session, ticket_history.people(events)),
                clocks.ticket_state_changes(session, ticket_id=ticket.id),
            ),
            "body": body,
            "actions": actions,
            "canned": canned_replies(),
            "customer_panel": panel,
            "owner": owner,
            "assignees": [u for u in inbox.assignable_staff(session) if u.id != ticket.owner_id],
            "countdown": lambda due: countdown(due, now, t),
            **(extra or {}),
        },
        status_code=status_code,
    )


def _names(session: Session, user_ids: set[int]) -> dict[int, Any]:
    """How the history names people: staff by their names, customers by theirs (in both
    languages when they have an English one)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(User, Customer)
        .outerjoin(Customer, Customer.id == User.customer_id)
        .where(User.id.in_(user_ids))
    ).all()
    return {
        user.id: both(customer.name, customer.name_en or customer.name)
        if customer is not None
        else user.full_name or user.username
        for user, customer in rows
    }


@router.post("/tickets/{ticket_id}/assign")
def assign_ticket(
    request: Request,
    ticket_id: int,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """Hand the ticket to another member of staff (the support service says who may)."""
    t = translator(request)

    def act() -> None:
        owner = field(form, "owner_id")
        if not owner.isdigit():
            raise ValidationFailed(t("inbox.choose_owner"))
        support.assign_ticket(
            session,
            actor=actor,
            ticket_id=ticket_id,
            owner_id=int(owner),
            reason=field(form, "reason") or None,
            now=now,
        )

    page = f"/staff/tickets/{ticket_id}"
    return forms.act_then_return(request, session, act=act, page=page, notice="notice.action_done")


@router.post("/ticket-filters")
def save_ticket_filter(
    request: Request, actor: StaffActor, form: Form, session: SessionDep, now: NowDep
) -> Response:
    """Keep the inbox's current filter under a name (the person's own)."""
    criteria = {key: field(form, key) for key in _FILTER_KEYS}
    try:
        kept = inbox.save_filter(
            session, actor=actor, name=field(form, "name"), criteria=criteria, now=now
        )
        session.commit()
    except ClaimDeskError as exc:
        session.rollback()
        request.session["action_error"] = {
            language: forms.error_text(exc, Translator(language, "UTC"))
            for language in ("zh-CN", "en")
        }
        return redirect("/staff?queue=tickets")
    flash(request, "notice.filter_saved")
    return redirect(f"/staff?queue=tickets&filter={kept.id}")


@router.post("/ticket-filters/{filter_id}/delete")
def delete_ticket_filter(
    request: Request, filter_id: int, actor: StaffActor, session: SessionDep
) -> Response:
    inbox.delete_filter(session, actor=actor, filter_id=filter_id)
    session.commit()
    flash(request, "notice.filter_deleted")
    return redirect("/staff?queue=tickets")


@router.get("/tickets/{ticket_id}/reply-box")
def reply_box(request: Request, ticket_id: int, actor: StaffActor, canned: str = "") -> Response:
    """htmx: the reply box filled with a canned reply."""
    return render(
        request,
        "fragments/reply_box.html",
        {"ticket_id": ticket_id, "body": _canned(request, canned)},
    )


@router.post("/tickets/{ticket_id}/messages")
def answer_ticket(
    request: Request,
    ticket_id: int,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
) -> Response:
    body = field(form, "body")
    try:
        support.add_message(
            session,
            actor=actor,
            ticket_id=ticket_id,
            data=MessageIn(body=body, internal=field(form, "internal") == "on"),
            now=now,
        )
        session.commit()
    except NotFound:
        raise
    except (ValidationError, ClaimDeskError) as exc:
        session.rollback()
        return _ticket_page(
            request,
            session,
            actor,
            ticket_id,
            now,
            body=body,
            status_code=422,
            extra=forms.form_errors(exc, translator(request)),
        )
    flash(request, "notice.reply_sent")
    return redirect(f"/staff/tickets/{ticket_id}")


@router.post("/tickets/{ticket_id}/actions")
def ticket_action(
    request: Request,
    ticket_id: int,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
) -> Response:
    def act() -> None:
        command = TicketTransitionIn(
            action=TicketAction(field(form, "action")), reason=field(form, "reason") or None
        )
        support.transition_ticket(
            session, actor=actor, ticket_id=ticket_id, command=command, now=now
        )

    page = f"/staff/tickets/{ticket_id}"
    return forms.act_then_return(request, session, act=act, page=page, notice="notice.action_done")


# ---------------------------------------------------------------- case reserves


def reserve_page_context(session: Session, *, actor: Actor, claim_id: int) -> dict[str, Any]:
    """The claim page's reserve history and whether the reader may change the reserve."""
    history = (
        reserves.history(session, actor=actor, claim_id=claim_id)
        if allowed(actor, "claims.view_reserves")
        else []
    )
    return {"reserve_history": history, "can_change_reserve": allowed(actor, "claims.reserve")}


@router.post("/claims/{claim_id}/reserve")
def change_reserve(
    request: Request,
    claim_id: int,
    actor: StaffActor,
    form: Form,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """A handler changes the claim's case reserve with a reason."""
    t = translator(request)

    def act() -> None:
        try:
            amount = Decimal(field(form, "amount").strip().replace(",", ""))
        except InvalidOperation:
            raise ValidationFailed(t("reserve.error_amount")) from None
        try:
            reserves.change(
                session,
                actor=actor,
                claim_id=claim_id,
                amount=amount,
                reason=field(form, "reason"),
                now=now,
            )
        except (ValidationFailed, Conflict) as exc:
            raise type(exc)(exc.message_in(t.locale), details=exc.details) from exc

    page = f"/staff/claims/{claim_id}"
    return forms.act_then_return(
        request, session, act=act, page=page, notice="notice.reserve_changed"
    )
