"""Claim commands and queries: load, apply the rules, record the timeline."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from claimdesk.audit.rules import MoneyFact
from claimdesk.audit.service import record_money_fact
from claimdesk.claims import field_investigations, machine, reserves, rules
from claimdesk.claims.clocks import legacy_statutory
from claimdesk.claims.clocks import views as statutory_views
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.events import (
    ClaimApproved,
    ClaimAssessed,
    ClaimEventType,
    ClaimTransitioned,
    DocumentsWaived,
    FieldInvestigationWaived,
    InvestigationClosed,
    PaymentIssued,
)
from claimdesk.claims.models import (
    DOCUMENTS_WAIVED,
    Claim,
    ClaimEvent,
    IdempotencyRecord,
    Payment,
    StatutoryClock,
)
from claimdesk.claims.payout import (
    CoverageTerms,
    LossItem,
    PayoutResult,
    PolicyTerms,
    PriorUsage,
    calculate_payout,
)

# The claim as every module loads it (re-exported: the service is where callers look).
from claimdesk.claims.repository import can_see as can_see
from claimdesk.claims.repository import claim_query
from claimdesk.claims.repository import get_claim as get_claim
from claimdesk.claims.schemas import (
    ClaimIn,
    ClaimOut,
    DocumentNeeded,
    LossLineOut,
    PaymentOut,
    StatutoryOut,
    TransitionIn,
    WaiverOut,
)
from claimdesk.compliance import service as compliance
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.errors import (
    Conflict,
    StaleVersion,
    ValidationFailed,
)
from claimdesk.core.events import publish
from claimdesk.customers.models import BankAccount
from claimdesk.documents.checklists import DocumentRequirement, required_documents
from claimdesk.documents.evidence import completeness_of, verify_payee_by_proof
from claimdesk.fraud import outcomes
from claimdesk.fraud.models import RiskAssessment
from claimdesk.policies import attribute_schema
from claimdesk.policies.models import Policy, Product
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support.models import Dispute

# Timeline entries a customer does not see.
INTERNAL_EVENT_KINDS = frozenset(
    {
        ClaimAction.REFER_TO_SIU,
        "risk_routed",
        DOCUMENTS_WAIVED,
        outcomes.INVESTIGATION_CLOSED,
        "statutory_warning",  # statutory clock alerts to staff (claims.clocks)
        "statutory_breached",
        "referred",
        "field_investigation_opened",
        "field_investigation_assigned",
        "field_investigation_completed",
        "field_investigation_waived",
    }
)


# ---------------------------------------------------------------- queries


def list_claims(
    session: Session,
    *,
    actor: Actor,
    status: ClaimStatus | None = None,
    limit: int = 50,
    offset: int = 0,
    referred_to_id: int | None = None,
) -> list[Claim]:
    query = claim_query()
    if referred_to_id is not None:  # the "referred to me" queue: referred, not yet decided
        query = query.where(
            Claim.referred_to_id == referred_to_id,
            Claim.status == ClaimStatus.COVERAGE_VERIFIED,
            Claim.referred_at >= Claim.coverage_verified_at,
        )
    if actor.is_customer:
        holder_claims = select(Policy.id).where(Policy.holder_id == actor.customer_id)
        query = query.where(
            (Claim.customer_id == actor.customer_id) | Claim.policy_id.in_(holder_claims)
        )
    if status is not None:
        query = query.where(Claim.status == status)
    return list(session.scalars(query.order_by(Claim.id.desc()).limit(limit).offset(offset)))


def timeline(session: Session, *, actor: Actor, claim_id: int) -> list[ClaimEvent]:
    claim = get_claim(session, actor=actor, claim_id=claim_id)
    events = session.scalars(
        select(ClaimEvent).where(ClaimEvent.claim_id == claim.id).order_by(ClaimEvent.id)
    )
    if actor.is_customer:
        return [e for e in events if e.kind not in INTERNAL_EVENT_KINDS]
    return list(events)


def waivers(
    session: Session, *, actor: Actor, limit: int = 100, offset: int = 0
) -> list[WaiverOut]:
    """Every waiver of required documents, newest first (from the claims' timelines)."""
    require(actor, "audit.waivers")
    rows = session.execute(
        select(ClaimEvent, Claim.number)
        .join(Claim, Claim.id == ClaimEvent.claim_id)
        .where(ClaimEvent.kind == DOCUMENTS_WAIVED)
        .order_by(ClaimEvent.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        WaiverOut(
            claim_id=event.claim_id,
            claim_number=number or "",
            at=event.at,
            actor_id=event.actor_id,
            actor_role=event.actor_role,
            action=event.data["action"],
            kinds=event.data["kinds"],
            amount=Decimal(event.data["amount"]),
            reason=event.reason,
        )
        for event, number in rows
    ]


def documents_for(claim: Claim) -> list[DocumentRequirement]:
    return required_documents(claim.policy.product.line, claim.claim_type)


def prior_usage(session: Session, *, policy_id: int, exclude_claim_id: int | None) -> PriorUsage:
    """What earlier approvals on the policy already used: amounts and deductibles.

    An approval keeps counting whatever happens to the claim afterwards (paid, closed,
    reopened): its money is paid or owed.
    """
    query = select(Claim.approved_amount, Claim.approved_payout).where(
        Claim.policy_id == policy_id, Claim.approved_amount > 0
    )
    if exclude_claim_id is not None:
        query = query.where(Claim.id != exclude_claim_id)
    total = Decimal("0")
    by_coverage: dict[str, Decimal] = {}
    deductibles: dict[str, Decimal] = {}
    for approved_amount, approved_payout in session.execute(query):
        total += approved_amount
        for coverage in (approved_payout or {}).get("coverages", []):
            code = coverage["code"]
            by_coverage[code] = by_coverage.get(code, Decimal("0")) + Decimal(coverage["payable"])
            deductibles[code] = deductibles.get(code, Decimal("0")) + Decimal(
                coverage["deductible_applied"]
            )
    return PriorUsage(
        paid_total=total, paid_by_coverage=by_coverage, deductible_used_by_coverage=deductibles
    )


def committed_on_policy(session: Session, *, policy_id: int) -> Decimal:
    """Amount approved on the policy so far (paid or about to be): it uses the sum insured."""
    total = session.scalar(
        select(func.coalesce(func.sum(Claim.approved_amount), 0)).where(
            Claim.policy_id == policy_id
        )
    )
    return Decimal(total or 0).quantize(Decimal("0.01"))


def policy_terms(policy: Policy) -> PolicyTerms:
    return PolicyTerms(
        start_date=policy.start_date,
        end_date=policy.end_date,
        sum_insured=policy.sum_insured,
        currency=policy.currency,
        exclusions=frozenset(policy.product.exclusions),
        coverages={
            c.code: CoverageTerms(
                code=c.code,
                name_en=c.name_en,
                name_zh=c.name_zh,
                deductible=c.deductible,
                deductible_basis=c.deductible_basis,
                copay_ratio=c.copay_ratio,
                per_item_limit=c.per_item_limit,
                annual_limit=c.annual_limit,
                waiting_period_days=c.waiting_period_days,
                exclusions=frozenset(c.exclusions),
            )
            for c in policy.product.coverages
        },
    )


def calculate(session: Session, claim: Claim) -> PayoutResult:
    items = [
        LossItem(
            ref=str(line.id),
            coverage_code=line.coverage_code,
            description=line.description,
            amount=line.amount,
            cause_codes=frozenset(line.cause_codes),
        )
        for line in claim.effective_loss_lines()
    ]
    return payout_on(session, claim, items)


def preview_payout(
    session: Session, *, actor: Actor, claim: Claim, items: list[LossItem]
) -> PayoutResult:
    """What an assessor's lines as typed would pay (nothing is kept): for those who work
    claims."""
    require(actor, "claims.transition")
    return payout_on(session, claim, items)


def payout_on(session: Session, claim: Claim, items: list[LossItem]) -> PayoutResult:
    """The payout of these loss items under the claim's policy, after what earlier claims
    on it used (the claim's own lines, or lines an assessor is still typing)."""
    prior = prior_usage(session, policy_id=claim.policy_id, exclude_claim_id=claim.id)
    return calculate_payout(policy_terms(claim.policy), claim.incident_date, items, prior)


# ---------------------------------------------------------------- intake


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def report_claim(
    session: Session,
    *,
    actor: Actor,
    data: ClaimIn,
    now: datetime,
    settings: Settings,
    idempotency_key: str | None = None,
) -> tuple[Claim, bool]:
    """Report a claim (first notice of loss). Returns the claim and whether it was a replay.

    The intake checks are the aggregate's (:meth:`Claim.report`); this loads the policy,
    checks the payee account, numbers the claim, records the claimed amount in the ledger
    and the initial reserve, and remembers the idempotency key."""
    require(actor, "claims.report")
    digest = _digest(data.model_dump(mode="json"))
    if idempotency_key:
        replay = _replay(session, actor=actor, key=idempotency_key, digest=digest)
        if replay is not None:
            return replay, True
    policy, remaining = _intake_policy(session, actor=actor, policy_id=data.policy_id)
    today = local_date(now, settings.display_timezone)
    claim = Claim.report(
        policy=policy,
        actor=actor,
        data=data,
        today=today,
        now=now,
        attribute_schema=attribute_schema.schema_for(policy.product.code),
    )
    if data.bank_account_id is not None:
        _payee_account(
            session,
            claim_customer_ids=(claim.customer_id, policy.holder_id),
            account_id=data.bank_account_id,
        )
    # The reserve's remaining sum insured was read with the policy: the number, the
    # timeline's first entry and the initial reserve go to the database in one flush after
    # the one that gives the claim its id.
    session.add(claim)
    session.flush()
    reported = claim.registered(actor, today=today, now=now)
    _money_fact(session, claim, actor, now, MoneyFact.CLAIMED, claim.claimed_amount)
    reserves.set_initial(session, claim, actor, now, remaining=remaining)
    if idempotency_key:
        session.add(
            IdempotencyRecord(
                scope="claims.create",
                user_id=actor.user_id,
                key=idempotency_key,
                request_digest=digest,
                resource_id=claim.id,
                created_at=now,
            )
        )
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request with the same key won the race
        raise Conflict("A request with this Idempotency-Key is in progress; retry it.") from exc
    publish(session, reported)
    return claim, False


def _intake_policy(session: Session, *, actor: Actor, policy_id: int) -> tuple[Policy, Decimal]:
    """The policy a claim is reported on, with what intake reads, and its remaining sum
    insured (for the initial reserve); a customer sees only the policies that cover them."""
    found = (
        session.execute(
            select(Policy, reserves.approved_on_policy())
            .where(Policy.id == policy_id)
            .options(
                # One statement: a policy has one product, few coverages and few insured.
                joinedload(Policy.product).joinedload(Product.coverages),
                joinedload(Policy.insured),
                joinedload(Policy.holder),  # most claimants: the customer the notice goes to
            )
        )
        .unique()
        .one_or_none()
    )
    policy, approved = found if found else (None, None)
    if policy is None or (actor.is_customer and not policy.covers_person(actor.customer_id or 0)):
        raise ValidationFailed(
            f"Policy {policy_id} does not exist.", details=[{"field": "policy_id"}]
        )
    return policy, reserves.remaining_of(policy, approved)


def _replay(session: Session, *, actor: Actor, key: str, digest: str) -> Claim | None:
    record = session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == "claims.create",
            IdempotencyRecord.user_id == actor.user_id,
            IdempotencyRecord.key == key,
        )
    ).one_or_none()
    if record is None:
        return None
    if record.request_digest != digest:
        raise ValidationFailed(
            "This Idempotency-Key was already used with a different request body; "
            "use a new key for a new claim."
        )
    return get_claim(session, actor=actor, claim_id=record.resource_id)


def _payee_account(
    session: Session, *, claim_customer_ids: tuple[int, ...], account_id: int
) -> BankAccount:
    account = session.get(BankAccount, account_id)
    rules.check_payee_owner(
        account_id=account_id,
        owner_id=account.customer_id if account else None,
        claim_customer_ids=claim_customer_ids,
    )
    assert account is not None  # check_payee_owner refused otherwise
    return account


# ---------------------------------------------------------------- transitions


def transition(
    session: Session,
    *,
    actor: Actor,
    claim_id: int,
    command: TransitionIn,
    now: datetime,
    settings: Settings,
    idempotency_key: str | None = None,
    message: dict[str, Any] | None = None,
) -> Claim:
    """Apply one lifecycle action; a repeated payment request returns the claim unchanged.
    ``message``: what the system says of a step it takes (``claimdesk.core.messages``),
    stored on the timeline entry in place of a reason in words.

    The one door through which any module changes a claim's state: it loads the claim and
    what the step reads, lets the aggregate decide (:meth:`Claim.apply`), records what the
    returned events mean outside it (ledger, reserves, field investigation), appends the
    timeline and publishes the events."""
    require(actor, "claims.transition")
    claim = get_claim(session, actor=actor, claim_id=claim_id, for_update=True)
    claim.check_version(command.expected_version)
    payment_key = None
    if command.action == ClaimAction.PAY:
        machine.check_role(ClaimAction.PAY, actor.role)
        payment_key = _payment_key(claim, command, idempotency_key)
        if _already_paid(claim, payment_key):
            return claim
    claim.check_step(command, actor.role, explained=message is not None)
    compliance.require_qualified(
        session,
        actor=actor,
        action=command.action,
        product_line=claim.policy.product.line,
        on=local_date(now, settings.display_timezone),
    )
    events = claim.apply(
        command,
        actor=actor,
        now=now,
        facts=_facts_for(session, claim, command, now),
        limits=_limits(settings),
        payment_key=payment_key,
        message=message,
    )
    for event in events:
        _record_outside(session, claim, event, settings)
    flag_modified(claim, "status")  # every transition bumps the version, even a self-loop
    number = claim.number  # read now: after a failed flush the session cannot load it
    try:  # loading the timeline to append to it flushes the claim: a stale version shows here
        for event in events:
            _log(claim, event)
        session.flush()
    except StaleDataError as exc:
        raise StaleVersion(f"Claim {number} was changed by someone else; reload it.") from exc
    except IntegrityError as exc:
        raise Conflict(f"Claim {number}: this payment was already recorded.") from exc
    for event in events:
        publish(session, event)
    return claim


def _limits(settings: Settings) -> rules.Limits:
    return rules.Limits(
        authority_limits=settings.authority_limits,
        segregation_threshold=settings.segregation_threshold,
        waiver_roles=settings.waiver_roles,
    )


def _facts_for(
    session: Session, claim: Claim, command: TransitionIn, now: datetime
) -> rules.DecisionFacts:
    """What the step reads beyond the claim, loaded only for the steps that read it."""
    action = command.action
    if action == ClaimAction.SUBMIT_DOCUMENTS:
        return rules.DecisionFacts(
            required_documents=_required_kinds(claim), evidence=completeness_of(session, claim)
        )
    if action == ClaimAction.VERIFY_COVERAGE:
        return rules.DecisionFacts(payout=_calculate_now(session, claim))
    if action == ClaimAction.APPROVE:
        _lock_policy(session, claim.policy_id)
        payout = _calculate_now(session, claim)  # other claims may have been approved since
        reasons = field_investigations.reasons_for(claim)
        return rules.DecisionFacts(
            required_documents=_required_kinds(claim),
            evidence=completeness_of(session, claim),
            payout=payout,
            risk_grade=_risk_grade(session, claim.id),
            field_investigation_reasons=tuple(reasons),
            field_investigation_statuses=field_investigations.statuses(session, claim.id)
            if reasons
            else frozenset(),
        )
    if action == ClaimAction.PAY:
        return rules.DecisionFacts(
            required_documents=_required_kinds(claim),
            evidence=completeness_of(session, claim),
            payee=_payee(session, claim, command, now),
        )
    if action == ClaimAction.APPROVE_AWARD:
        return rules.DecisionFacts(award=_award(session, command.dispute_id))
    return rules.DecisionFacts()


def _required_kinds(claim: Claim) -> tuple[str, ...]:
    return tuple(d.kind for d in documents_for(claim))


def _calculate_now(session: Session, claim: Claim) -> PayoutResult:
    session.flush()  # loss lines need their ids as references in the explanation
    return calculate(session, claim)


def _lock_policy(session: Session, policy_id: int) -> None:
    """Serialise decisions on one policy: they share its sum insured and annual limits."""
    session.execute(select(Policy.id).where(Policy.id == policy_id).with_for_update())


def _payee(
    session: Session, claim: Claim, command: TransitionIn, now: datetime
) -> rules.Payee | None:
    """The account a payment would go to; verified by the claim's read bank proof here
    when it is the claimant's or holder's and money would move."""
    account_id = command.bank_account_id or claim.bank_account_id
    account = session.get(BankAccount, account_id) if account_id is not None else None
    if account is None:
        return None
    amount = command.amount or claim.outstanding_amount
    owned = account.customer_id in (claim.customer_id, claim.policy.holder_id)
    verified = account.verified
    if owned and 0 < amount <= claim.outstanding_amount and not verified:
        verified = verify_payee_by_proof(session, claim=claim, account=account, now=now)
    return rules.Payee(id=account.id, customer_id=account.customer_id, verified=verified)


def _award(session: Session, dispute_id: int | None) -> rules.Award | None:
    dispute = session.get(Dispute, dispute_id) if dispute_id is not None else None
    if dispute is None:
        return None
    return rules.Award(
        dispute_id=dispute.id,
        claim_id=dispute.claim_id,
        settled=dispute.status == "settled",
        outcome=dispute.outcome,
        amount=dispute.extra_amount,
        stage=dispute.stage,
    )


def _record_outside(
    session: Session, claim: Claim, event: ClaimEventType, settings: Settings
) -> None:
    """What an event of the aggregate means outside it: the ledger's money facts, the
    case reserve, the field investigation task."""
    if isinstance(event, DocumentsWaived):
        _record_waiver(session, claim, event)
    elif isinstance(event, FieldInvestigationWaived):
        field_investigations.record_waiver(session, claim=claim, event=event, settings=settings)
    elif isinstance(event, ClaimAssessed):
        _money_fact(session, claim, event.actor, event.at, MoneyFact.ASSESSED, event.amount)
    elif isinstance(event, ClaimApproved):
        details = {"award": dict(event.award)} if event.award is not None else None
        _money_fact(
            session, claim, event.actor, event.at, MoneyFact.APPROVED, event.amount, details=details
        )
    elif isinstance(event, PaymentIssued):
        payment = next(p for p in claim.payments if p.reference == event.reference)
        _money_fact(
            session,
            claim,
            event.actor,
            event.at,
            MoneyFact.PAID,
            event.amount,
            account=f"bank_account:{event.bank_account_id}",
            payment=payment,
        )
        reserves.on_payment(
            session, claim, event.actor, event.at, paid=event.amount, reference=event.reference
        )
    elif isinstance(event, ClaimTransitioned):
        reserves.follow_transition(session, claim, event.actor, event.at, action=event.action)


def _record_waiver(session: Session, claim: Claim, event: DocumentsWaived) -> None:
    _money_fact(
        session,
        claim,
        event.actor,
        event.at,
        MoneyFact.WAIVED,
        event.amount,
        details={"kinds": list(event.kinds), "action": event.action, "reason": event.reason},
    )


def _log(claim: Claim, event: ClaimEventType) -> None:
    """The timeline entries of a step: the step itself, and how an investigation ended
    (the label, on the timeline and so in the ledger)."""
    if isinstance(event, ClaimTransitioned):
        claim.record(
            event.actor,
            event.at,
            kind=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            reason=event.reason,
            data=dict(event.data),
        )
    elif isinstance(event, InvestigationClosed):
        claim.record(
            event.actor,
            event.at,
            kind=outcomes.INVESTIGATION_CLOSED,
            to_status=None,
            reason=event.reason,
            data={"outcome": str(event.outcome), "action": str(event.action)},
        )


def _payment_key(claim: Claim, command: TransitionIn, header_key: str | None) -> str:
    explicit = command.idempotency_key or header_key
    if explicit:
        return explicit
    # Without a key, one payment per (approval, requested amount): a retry is a replay.
    approvals = sum(1 for event in claim.events if event.kind in _APPROVALS)
    return f"approval-{approvals}:{command.amount or 'balance'}"


_APPROVALS = frozenset({ClaimAction.APPROVE, ClaimAction.APPROVE_AWARD})


def _already_paid(claim: Claim, key: str) -> bool:
    """A payment, or a settlement with nothing left to pay, was made under this key."""
    return any(p.idempotency_key == key for p in claim.payments) or any(
        e.kind == ClaimAction.PAY and e.data.get("payment_key") == key for e in claim.events
    )


def _money_fact(
    session: Session,
    claim: Claim,
    actor: Actor,
    now: datetime,
    fact: MoneyFact,
    amount: Decimal,
    *,
    account: str | None = None,
    payment: Payment | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    record_money_fact(
        session,
        fact=fact,
        claim=claim,
        amount=amount,
        account=account or f"claim:{claim.id}",
        actor_id=actor.user_id,
        actor_role=actor.role,
        at=now,
        payment=payment,
        details=details,
    )


def _risk_grade(session: Session, claim_id: int) -> str | None:
    return session.scalar(
        select(RiskAssessment.grade)
        .where(RiskAssessment.claim_id == claim_id)
        .order_by(RiskAssessment.id.desc())
        .limit(1)
    )


def require_evidence_for(
    session: Session,
    *,
    claim: Claim,
    actor: Actor,
    now: datetime,
    settings: Settings,
    action: str,
    amount: Decimal,
    waive: list[str],
    reason: str | None,
) -> list[str]:
    """The evidence guard of a money action outside the lifecycle (advance payment), on the
    aggregate (:meth:`Claim.clear_evidence`); returns the document kinds waived by this
    request (none without ``waive``)."""
    waived = claim.clear_evidence(
        actor=actor,
        now=now,
        action=action,
        amount=amount,
        waive=waive,
        reason=reason,
        evidence=completeness_of(session, claim),
        required=_required_kinds(claim),
        waiver_roles=settings.waiver_roles,
    )
    if waived is None:
        return []
    _record_waiver(session, claim, waived)
    return list(waived.kinds)


# ---------------------------------------------------------------- views


def claim_view(
    claim: Claim,
    *,
    actor: Actor,
    now: datetime,
    settings: Settings,
    clocks: Sequence[StatutoryClock] = (),
) -> ClaimOut:
    """The claim as ``actor`` sees it; ``clocks`` its statutory clocks (claims.clocks)."""
    clock = rules.statutory_clock(
        completed_at=claim.completed_at,
        decided_at=claim.decided_at,
        now=now,
        decision_days=settings.statutory_decision_days,
        warning_days=settings.statutory_warning_days,
    )
    # The decision clock on the business calendar, when kept, is the one `statutory` shows.
    clock = next(
        (
            legacy_statutory(c, now)
            for c in clocks
            if c.rule == "decision_30d" and c.started_at == claim.completed_at
        ),
        clock,
    )
    ended = (claim.closed_at or claim.withdrawn_at) if claim.status in _ENDED_STATES else None
    status = ClaimStatus(claim.status)
    return ClaimOut(
        id=claim.id,
        number=claim.number or "",
        policy_id=claim.policy_id,
        policy_number=claim.policy.number,
        customer_id=claim.customer_id,
        claim_type=claim.claim_type,
        channel=claim.channel,
        incident_date=claim.incident_date,
        incident_location=claim.incident_location,
        description=claim.description,
        claimed_amount=claim.claimed_amount,
        currency=claim.currency,
        status=claim.status,
        version=claim.version,
        assessed_amount=claim.assessed_amount,
        payable_amount=claim.payable_amount,
        approved_amount=claim.approved_amount,
        paid_amount=claim.paid_amount,
        outstanding_amount=claim.outstanding_amount,
        reserve_amount=None if actor.is_customer else claim.reserve_amount,
        incurred_amount=None if actor.is_customer else claim.incurred_amount,
        decision_reason=claim.decision_reason,
        loss_lines=[LossLineOut.model_validate(line) for line in claim.loss_lines],
        required_documents=[DocumentNeeded(**vars(d)) for d in documents_for(claim)],
        payments=[PaymentOut.model_validate(p) for p in claim.payments],
        state_times={
            state.value: at
            for state in ClaimStatus
            if (at := getattr(claim, f"{state.value}_at")) is not None
        },
        statutory=StatutoryOut(
            completed_at=claim.completed_at,
            decision_due_at=clock.due_at,
            state=clock.state,
            days_left=clock.days_left,
        ),
        statutory_clocks=statutory_views(clocks, now),
        cycle_time_working_days=rules.cycle_working_days(
            claim.reported_at, ended or now, settings.display_timezone
        ),
        allowed_actions=[str(a) for a in machine.allowed_actions(status, actor.role)],
        siu_referred=None if actor.is_customer else claim.siu_referred,
        waived_documents=None if actor.is_customer else list(claim.waived_documents),
        reported_by_id=None if actor.is_customer else claim.reported_by_id,
        attributes=dict(claim.attributes or {}),
        investigation_outcome=None if actor.is_customer else claim.investigation_outcome,
        referred_to_id=None if actor.is_customer else claim.referred_to_id,
    )


_ENDED_STATES = (ClaimStatus.CLOSED, ClaimStatus.ARCHIVED, ClaimStatus.WITHDRAWN)
