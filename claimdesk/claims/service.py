"""Claim commands and queries: load, apply the rules, record the timeline."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from claimdesk.audit.rules import MoneyFact
from claimdesk.audit.service import record_money_fact
from claimdesk.claims import machine, reserves, rules
from claimdesk.claims.clocks import legacy_statutory
from claimdesk.claims.clocks import views as statutory_views
from claimdesk.claims.enums import SELF_SERVICE_CHANNELS, Channel, ClaimAction, ClaimStatus
from claimdesk.claims.events import ClaimReported, ClaimTransitioned
from claimdesk.claims.models import (
    Claim,
    ClaimEvent,
    IdempotencyRecord,
    LossLine,
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
from claimdesk.claims.schemas import (
    ClaimIn,
    ClaimOut,
    DocumentNeeded,
    LossLineIn,
    LossLineOut,
    PaymentOut,
    StatutoryOut,
    TransitionIn,
    WaiverOut,
)
from claimdesk.compliance import service as compliance
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.db import temporary_number
from claimdesk.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from claimdesk.core.events import publish
from claimdesk.customers.models import BankAccount
from claimdesk.documents.checklists import DocumentRequirement, required_documents
from claimdesk.documents.rules import Completeness
from claimdesk.fraud import outcomes
from claimdesk.fraud.models import RiskAssessment
from claimdesk.policies import attribute_schema
from claimdesk.policies.models import Policy, Product
from claimdesk.security.enums import Role
from claimdesk.security.service import Actor

DOCUMENTS_WAIVED = "documents_waived"  # timeline kind of a waiver (who, which kinds, why)
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


# What every claim view needs loaded. One claim: policy, product, loss lines and payments in
# one statement (a claim has a few lines and payments). A page of claims: policy and product
# in the claims' statement, lines and payments in one more each (a join would repeat rows
# under LIMIT). The product's coverages and the insured persons load on first use
# (decisions need them, reads do not).
_POLICY_LOADING = joinedload(Claim.policy, innerjoin=True).joinedload(
    Policy.product, innerjoin=True
)
_CLAIM_LOADING = (_POLICY_LOADING, joinedload(Claim.loss_lines), joinedload(Claim.payments))
_CLAIMS_LOADING = (_POLICY_LOADING, selectinload(Claim.loss_lines), selectinload(Claim.payments))


def _claim_query() -> Select[tuple[Claim]]:
    return select(Claim).options(*_CLAIMS_LOADING)


def can_see(actor: Actor, claim: Claim) -> bool:
    if not actor.is_customer:
        return True
    return actor.customer_id in (claim.customer_id, claim.policy.holder_id)


def get_claim(session: Session, *, actor: Actor, claim_id: int, for_update: bool = False) -> Claim:
    """The claim, locked for the transaction when ``for_update``; otherwise the session's
    copy if it already holds the claim (no statement), else loaded."""
    if for_update:
        query = _claim_query().where(Claim.id == claim_id).with_for_update(of=Claim)
        claim = session.scalars(query).one_or_none()
    else:
        claim = session.get(Claim, claim_id, options=_CLAIM_LOADING)
    if claim is None or not can_see(actor, claim):
        raise NotFound(f"Claim {claim_id} does not exist.")
    return claim


def list_claims(
    session: Session,
    *,
    actor: Actor,
    status: ClaimStatus | None = None,
    limit: int = 50,
    offset: int = 0,
    referred_to_id: int | None = None,
) -> list[Claim]:
    query = _claim_query()
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


def waivers(session: Session, *, limit: int = 100, offset: int = 0) -> list[WaiverOut]:
    """Every waiver of required documents, newest first (from the claims' timelines)."""
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
    return Decimal(total).quantize(Decimal("0.01"))


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


def effective_loss_lines(claim: Claim) -> list[LossLine]:
    """The assessor's lines once the claim is assessed, else the claimant's."""
    assessed = [line for line in claim.loss_lines if line.source == "assessor"]
    return assessed or [line for line in claim.loss_lines if line.source == "claimant"]


def calculate(session: Session, claim: Claim) -> PayoutResult:
    items = [
        LossItem(
            ref=str(line.id),
            coverage_code=line.coverage_code,
            description=line.description,
            amount=line.amount,
            cause_codes=frozenset(line.cause_codes),
        )
        for line in effective_loss_lines(claim)
    ]
    prior = prior_usage(session, policy_id=claim.policy_id, exclude_claim_id=claim.id)
    return calculate_payout(policy_terms(claim.policy), claim.incident_date, items, prior)


# ---------------------------------------------------------------- intake


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _loss_lines(lines: list[LossLineIn], default_coverage: str, source: str) -> list[LossLine]:
    return [
        LossLine(
            coverage_code=line.coverage_code or default_coverage,
            description=" ".join(line.description.split()),
            amount=line.amount,
            cause_codes=sorted(set(line.cause_codes)),
            source=source,
        )
        for line in lines
    ]


def _intake_channel(actor: Actor, requested: Channel | None) -> Channel:
    if actor.is_customer:
        channel = requested or Channel.WEB
        if channel not in SELF_SERVICE_CHANNELS:
            raise ValidationFailed(
                f"Customers report claims through web, app or api, not '{channel}'."
            )
        return channel
    if requested is None:
        raise ValidationFailed(
            "Staff intake must say the channel the customer used: counter, phone, web, app or api."
        )
    return requested


def report_claim(
    session: Session,
    *,
    actor: Actor,
    data: ClaimIn,
    now: datetime,
    settings: Settings,
    idempotency_key: str | None = None,
) -> tuple[Claim, bool]:
    """Report a claim (first notice of loss). Returns the claim and whether it was a replay."""
    if actor.role not in (
        Role.CUSTOMER,
        Role.AGENT,
        Role.ADJUSTER,
        Role.SENIOR_ADJUSTER,
        Role.SUPERVISOR,
    ):
        raise PermissionDenied(f"The role '{actor.role}' may not report claims.")
    digest = _digest(data.model_dump(mode="json"))
    if idempotency_key:
        replay = _replay(session, actor=actor, key=idempotency_key, digest=digest)
        if replay is not None:
            return replay, True

    policy = session.scalars(
        select(Policy)
        .where(Policy.id == data.policy_id)
        .options(
            selectinload(Policy.product).selectinload(Product.coverages),
            selectinload(Policy.insured),
        )
    ).one_or_none()
    if policy is None or (actor.is_customer and not policy.covers_person(actor.customer_id or 0)):
        raise ValidationFailed(
            f"Policy {data.policy_id} does not exist.", details=[{"field": "policy_id"}]
        )
    claimant_id = actor.customer_id if actor.is_customer else (data.customer_id or policy.holder_id)
    if not policy.covers_person(claimant_id):
        raise ValidationFailed(
            f"Customer {claimant_id} is neither the holder nor an insured person "
            f"of policy {policy.number}.",
            details=[{"field": "customer_id"}],
        )
    today = local_date(now, settings.display_timezone)
    if data.incident_date > today:
        raise ValidationFailed(
            f"The incident date {data.incident_date} is in the future; give the date it happened.",
            details=[{"field": "incident_date"}],
        )
    if not policy.in_force_on(data.incident_date):
        raise ValidationFailed(
            f"Policy {policy.number} was not in force on {data.incident_date} "
            f"(cover {policy.start_date} to {policy.end_date}, status {policy.status}).",
            details=[{"field": "incident_date"}],
        )
    if policy.product.coverage(data.claim_type) is None:
        types = ", ".join(c.code for c in policy.product.coverages)
        raise ValidationFailed(
            f"'{data.claim_type}' is not a coverage of {policy.product.name_en}; "
            f"claim types: {types}.",
            details=[{"field": "claim_type"}],
        )
    if data.currency != policy.currency:
        raise ValidationFailed(f"The policy is in {policy.currency}; claim in that currency.")
    schema = attribute_schema.schema_for(policy.product.code)
    attributes = attribute_schema.derive_claim_attributes(
        schema,
        attribute_schema.validate_attributes(schema, "claim", data.attributes, field="attributes"),
        policy_start=policy.start_date,
        incident_date=data.incident_date,
    )
    lines = data.loss_lines or [
        LossLineIn(description=data.description[:256], amount=data.claimed_amount)
    ]
    if sum(line.amount for line in lines) != data.claimed_amount:
        raise ValidationFailed(
            "The loss lines must add up to the claimed amount.", details=[{"field": "loss_lines"}]
        )
    for line in lines:
        if line.coverage_code and policy.product.coverage(line.coverage_code) is None:
            raise ValidationFailed(
                f"Loss line coverage '{line.coverage_code}' is not in the product."
            )
    if data.bank_account_id is not None:
        _payee_account(
            session,
            claim_customer_ids=(claimant_id, policy.holder_id),
            account_id=data.bank_account_id,
        )

    claim = Claim(
        number=temporary_number(),
        policy=policy,
        customer_id=claimant_id,
        claim_type=data.claim_type,
        channel=_intake_channel(actor, data.channel),
        incident_date=data.incident_date,
        incident_location=data.incident_location,
        description=data.description,
        claimed_amount=data.claimed_amount,
        currency=data.currency,
        status=ClaimStatus.REPORTED,
        reported_by_id=actor.user_id,
        bank_account_id=data.bank_account_id,
        attributes=attributes,
        reported_at=now,
        loss_lines=_loss_lines(lines, data.claim_type, "claimant"),
        events=[],
        payments=[],
    )
    session.add(claim)
    session.flush()
    claim.number = f"CLM{local_date(now, settings.display_timezone):%Y%m%d}{claim.id:07d}"
    record_event(
        claim,
        actor,
        now,
        kind="reported",
        to_status=ClaimStatus.REPORTED,
        data={"channel": claim.channel, "claimed_amount": str(claim.claimed_amount)},
    )
    _money_fact(session, claim, actor, now, MoneyFact.CLAIMED, claim.claimed_amount)
    reserves.set_initial(session, claim, actor, now)
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
    publish(session, ClaimReported(claim_id=claim.id, actor=actor, at=now))
    return claim, False


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
    if account is None or account.customer_id not in claim_customer_ids:
        raise ValidationFailed(
            f"Bank account {account_id} does not belong to the claimant or policy holder."
        )
    return account


# ---------------------------------------------------------------- transitions


@dataclass
class _Context:
    session: Session
    claim: Claim
    actor: Actor
    command: TransitionIn
    now: datetime
    settings: Settings
    data: dict[str, Any]


def _on_request_documents(ctx: _Context) -> None:
    ctx.claim.completed_at = None
    ctx.data["documents"] = ctx.command.documents


def _on_documents_complete(ctx: _Context) -> None:
    if ctx.command.action == ClaimAction.SUBMIT_DOCUMENTS:
        required = [d.kind for d in documents_for(ctx.claim)]
        gaps = rules.submission_gaps(evidence_of(ctx.session, ctx.claim), required=required)
        rules.require_evidence(gaps, action="submit_documents")
    if ctx.claim.completed_at is None:
        ctx.claim.completed_at = ctx.now


def _on_refer_to_siu(ctx: _Context) -> None:
    ctx.claim.siu_referred = True


def _on_assess(ctx: _Context) -> None:
    claim, actor = ctx.claim, ctx.actor
    if claim.siu_referred and actor.role not in (Role.INVESTIGATOR, Role.SUPERVISOR):
        raise PermissionDenied(
            "This claim was referred to fraud investigation (SIU); an investigator or a "
            "supervisor must clear it before it is assessed."
        )
    if ctx.command.loss_lines is not None:
        if not ctx.command.loss_lines:
            raise ValidationFailed("An assessment needs at least one loss line.")
        product = claim.policy.product
        for line in ctx.command.loss_lines:
            if line.coverage_code and product.coverage(line.coverage_code) is None:
                raise ValidationFailed(
                    f"Loss line coverage '{line.coverage_code}' is not in the product."
                )
        claim.loss_lines = [line for line in claim.loss_lines if line.source != "assessor"]
        claim.loss_lines.extend(_loss_lines(ctx.command.loss_lines, claim.claim_type, "assessor"))
    claim.assessed_amount = sum((line.amount for line in effective_loss_lines(claim)), Decimal("0"))
    claim.assessor_id = actor.user_id
    ctx.data["assessed_amount"] = str(claim.assessed_amount)
    _money_fact(ctx.session, claim, actor, ctx.now, MoneyFact.ASSESSED, claim.assessed_amount)


def _recalculate(ctx: _Context) -> Decimal:
    ctx.session.flush()  # loss lines need their ids as references in the explanation
    result = calculate(ctx.session, ctx.claim)
    ctx.claim.payout = result.to_dict()
    ctx.claim.payable_amount = result.total_payable
    return result.total_payable


def _on_verify_coverage(ctx: _Context) -> None:
    ctx.data["payable_amount"] = str(_recalculate(ctx))


def _lock_policy(session: Session, policy_id: int) -> None:
    """Serialise decisions on one policy: they share its sum insured and annual limits."""
    session.execute(select(Policy.id).where(Policy.id == policy_id).with_for_update())


def _on_approve(ctx: _Context) -> ClaimStatus:
    claim, actor = ctx.claim, ctx.actor
    _lock_policy(ctx.session, claim.policy_id)
    verified = claim.payable_amount
    payable = _recalculate(ctx)  # other claims may have been approved since verification
    if payable != verified:
        ctx.data["recalculated"] = {"verified": str(verified), "payable": str(payable)}
    if payable <= 0:
        raise InvalidTransition(
            "Nothing is payable under the policy terms (see the payout explanation); "
            "deny the claim with the reasons instead."
        )
    rules.check_four_eyes(actor.user_id, claim.assessor_id)
    rules.check_authority(actor.role, payable, ctx.settings.authority_limits)
    rules.check_high_risk_approval(
        grade=_risk_grade(ctx.session, claim.id),
        cleared_by_siu=any(
            e.kind == ClaimAction.ASSESS and e.actor_role == Role.INVESTIGATOR for e in claim.events
        ),
        role=actor.role,
        reason=ctx.command.reason,
    )
    _require_evidence(ctx, payable)
    _require_field_investigation(ctx)
    claim.approved_amount = max(payable, claim.paid_amount)
    claim.approved_payout = claim.payout
    claim.approver_id = actor.user_id
    claim.decided_at = ctx.now
    claim.decision_reason = ctx.command.reason
    ctx.data["approved_amount"] = str(claim.approved_amount)
    _money_fact(ctx.session, claim, actor, ctx.now, MoneyFact.APPROVED, claim.approved_amount)
    return rules.decision_status(payable, claim.claimed_amount)


def _on_approve_award(ctx: _Context) -> ClaimStatus:
    """Approve a dispute's award exactly as awarded (not through the payout formula again):
    the settled dispute is the evidence, named on the timeline and in the ledger."""
    from claimdesk.support.models import Dispute  # support imports this module

    claim, dispute_id = ctx.claim, ctx.command.dispute_id
    dispute = ctx.session.get(Dispute, dispute_id) if dispute_id is not None else None
    applied = any(
        e.kind == ClaimAction.APPROVE_AWARD and e.data.get("dispute_id") == dispute_id
        for e in claim.events
    )
    award = rules.check_award(
        claim_id=claim.id,
        dispute_id=dispute_id,
        dispute_claim_id=dispute.claim_id if dispute else None,
        settled=dispute is not None and dispute.status == "settled",
        outcome=dispute.outcome if dispute else None,
        amount=dispute.extra_amount if dispute else None,
        applied=applied,
    )
    assert dispute is not None  # check_award refused otherwise
    claim.approved_amount += award
    claim.approver_id = ctx.actor.user_id
    claim.decided_at = ctx.now
    claim.decision_reason = ctx.command.reason or claim.decision_reason
    evidence = {"dispute_id": dispute.id, "stage": dispute.stage, "award": f"{award:.2f}"}
    ctx.data.update(evidence, approved_amount=str(claim.approved_amount))
    _money_fact(
        ctx.session,
        claim,
        ctx.actor,
        ctx.now,
        MoneyFact.APPROVED,
        claim.approved_amount,
        details={"award": evidence},
    )
    return ClaimStatus.APPROVED


def _on_deny(ctx: _Context) -> None:
    ctx.claim.decided_at = ctx.now
    ctx.claim.decision_reason = ctx.command.reason


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


def _on_pay(ctx: _Context) -> ClaimStatus | None:
    claim = ctx.claim
    amount = ctx.command.amount or claim.outstanding_amount
    if amount > claim.outstanding_amount:
        raise ValidationFailed(
            f"Paying {amount:,.2f} would exceed the outstanding approved amount "
            f"{claim.outstanding_amount:,.2f}."
        )
    if amount == 0:
        # Re-approved at no more than was already paid: settled, nothing to transfer.
        ctx.data["note"] = "nothing outstanding"  # the payment_key stays, for replays
        return ClaimStatus.PAID
    account_id = ctx.command.bank_account_id or claim.bank_account_id
    if account_id is None:
        raise ValidationFailed("No payee bank account on the claim; give bank_account_id.")
    account = _payee_account(
        ctx.session,
        claim_customer_ids=(claim.customer_id, claim.policy.holder_id),
        account_id=account_id,
    )
    rules.check_segregation(
        approver_id=claim.approver_id,
        payer_id=ctx.actor.user_id,
        amount=amount,
        threshold=ctx.settings.segregation_threshold,
    )
    _require_evidence(ctx, amount)
    rules.check_payee_verified(
        account_id=account.id, verified=_payee_verified(ctx.session, claim, account, ctx.now)
    )
    claim.bank_account_id = account.id
    payment = Payment(
        idempotency_key=ctx.data.pop("payment_key"),
        reference=f"PAY{claim.number}-{len(claim.payments) + 1:02d}",
        amount=amount,
        currency=claim.currency,
        bank_account_id=account.id,
        paid_by_id=ctx.actor.user_id,
        paid_at=ctx.now,
    )
    claim.payments.append(payment)
    claim.paid_amount += amount
    ctx.data.update(reference=payment.reference, amount=str(amount))
    _money_fact(
        ctx.session,
        claim,
        ctx.actor,
        ctx.now,
        MoneyFact.PAID,
        amount,
        account=f"bank_account:{account.id}",
        payment=payment,
    )
    reserves.on_payment(
        ctx.session, claim, ctx.actor, ctx.now, paid=amount, reference=payment.reference
    )
    return ClaimStatus.PAID if claim.outstanding_amount == 0 else ClaimStatus(claim.status)


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


def evidence_of(session: Session, claim: Claim) -> Completeness:
    """The claim's documents against its checklist (read, missing, mismatched)."""
    from claimdesk.documents.service import completeness_of  # it imports this module

    return completeness_of(session, claim)


def _payee_verified(session: Session, claim: Claim, account: BankAccount, now: datetime) -> bool:
    from claimdesk.documents.service import verify_payee_by_proof  # it imports this module

    return verify_payee_by_proof(session, claim=claim, account=account, now=now)


def _risk_grade(session: Session, claim_id: int) -> str | None:
    return session.scalar(
        select(RiskAssessment.grade)
        .where(RiskAssessment.claim_id == claim_id)
        .order_by(RiskAssessment.id.desc())
        .limit(1)
    )


def _require_evidence(ctx: _Context, amount: Decimal) -> None:
    """Money moves only with every required document read and consistent, or waived by a
    role with waiver authority (recorded on the timeline and as a money fact)."""
    waived = require_evidence_for(
        ctx.session,
        claim=ctx.claim,
        actor=ctx.actor,
        now=ctx.now,
        settings=ctx.settings,
        action=str(ctx.command.action),
        amount=amount,
        waive=ctx.command.waive_documents,
        reason=ctx.command.reason,
    )
    if waived:
        ctx.data["waived_documents"] = waived


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
    """The evidence guard of every money action (approve, pay, advance payment); returns the
    document kinds waived by this request (none without ``waive``)."""
    required = [d.kind for d in documents_for(claim)]
    kinds: list[str] = []
    if waive:
        kinds = list(dict.fromkeys(waive))
        rules.check_waiver(
            role=actor.role,
            waiver_roles=settings.waiver_roles,
            kinds=kinds,
            required=required,
            reason=reason,
        )
        claim.waived_documents = sorted({*claim.waived_documents, *kinds})
        claim.evidence_waived_at = now
        record_event(
            claim,
            actor,
            now,
            kind=DOCUMENTS_WAIVED,
            to_status=None,
            reason=reason,
            data={"kinds": kinds, "action": action, "amount": f"{amount:.2f}"},
        )
        _money_fact(
            session,
            claim,
            actor,
            now,
            MoneyFact.WAIVED,
            amount,
            details={"kinds": kinds, "action": action, "reason": reason},
        )
    gaps = rules.evidence_gaps(
        evidence_of(session, claim), required=required, waived=claim.waived_documents
    )
    rules.require_evidence(gaps, action=action)
    return kinds


def _require_field_investigation(ctx: _Context) -> None:
    from claimdesk.claims.field_investigations import require_done  # it imports this module

    require_done(
        ctx.session,
        claim=ctx.claim,
        actor=ctx.actor,
        command=ctx.command,
        now=ctx.now,
        settings=ctx.settings,
    )


def _on_close(ctx: _Context) -> None:
    ctx.claim.closing_feedback = ctx.command.feedback


def _on_reopen(ctx: _Context) -> None:
    ctx.claim.completed_at = None
    ctx.claim.decided_at = None


_EFFECTS: dict[ClaimAction, Callable[[_Context], ClaimStatus | None]] = {
    ClaimAction.REQUEST_DOCUMENTS: _on_request_documents,
    ClaimAction.SUBMIT_DOCUMENTS: _on_documents_complete,
    ClaimAction.START_REVIEW: _on_documents_complete,
    ClaimAction.REFER_TO_SIU: _on_refer_to_siu,
    ClaimAction.ASSESS: _on_assess,
    ClaimAction.VERIFY_COVERAGE: _on_verify_coverage,
    ClaimAction.APPROVE: _on_approve,
    ClaimAction.APPROVE_AWARD: _on_approve_award,
    ClaimAction.DENY: _on_deny,
    ClaimAction.PAY: _on_pay,
    ClaimAction.CLOSE: _on_close,
    ClaimAction.REOPEN: _on_reopen,
}


def transition(
    session: Session,
    *,
    actor: Actor,
    claim_id: int,
    command: TransitionIn,
    now: datetime,
    settings: Settings,
    idempotency_key: str | None = None,
) -> Claim:
    """Apply one lifecycle action; a repeated payment request returns the claim unchanged."""
    claim = get_claim(session, actor=actor, claim_id=claim_id, for_update=True)
    if command.expected_version is not None and command.expected_version != claim.version:
        raise StaleVersion(
            f"Claim {claim.number} changed since version {command.expected_version} "
            f"(now {claim.version}); reload it and try again."
        )
    data: dict[str, Any] = {}
    if command.action == ClaimAction.PAY:
        machine.check_role(ClaimAction.PAY, actor.role)
        key = _payment_key(claim, command, idempotency_key)
        if _already_paid(claim, key):
            return claim
        data["payment_key"] = key
    source = ClaimStatus(claim.status)
    step = machine.check_transition(source, command.action, actor.role, command.reason)
    outcome = outcomes.check_outcome(
        outcome=command.investigation_outcome, action=command.action, source=source
    )
    compliance.require_qualified(
        session,
        actor=actor,
        action=command.action,
        product_line=claim.policy.product.line,
        on=local_date(now, settings.display_timezone),
    )
    ctx = _Context(session, claim, actor, command, now, settings, data)
    effect = _EFFECTS.get(command.action)
    target = (effect(ctx) if effect else None) or step.target
    if outcome is not None:
        claim.investigation_outcome = outcome
        claim.investigation_closed_at = now
        data["investigation_outcome"] = str(outcome)
    claim.enter(target, now)
    reserves.follow_transition(session, claim, actor, now, action=command.action)
    flag_modified(claim, "status")  # every transition bumps the version, even a self-loop
    number = claim.number  # read now: after a failed flush the session cannot load it
    try:  # loading the timeline to append to it flushes the claim: a stale version shows here
        record_event(
            claim,
            actor,
            now,
            kind=command.action,
            from_status=source,
            to_status=target,
            reason=command.reason,
            data=data,
        )
        if outcome is not None:  # the label, on the timeline and so in the ledger
            record_event(
                claim,
                actor,
                now,
                kind=outcomes.INVESTIGATION_CLOSED,
                to_status=None,
                reason=command.reason,
                data={"outcome": str(outcome), "action": str(command.action)},
            )
        session.flush()
    except StaleDataError as exc:
        raise StaleVersion(f"Claim {number} was changed by someone else; reload it.") from exc
    except IntegrityError as exc:
        raise Conflict(f"Claim {number}: this payment was already recorded.") from exc
    publish(
        session,
        ClaimTransitioned(
            claim_id=claim.id,
            action=command.action,
            from_status=source,
            to_status=target,
            actor=actor,
            at=now,
        ),
    )
    return claim


def record_event(
    claim: Claim,
    actor: Actor,
    now: datetime,
    *,
    kind: str,
    to_status: ClaimStatus | None,
    from_status: ClaimStatus | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append an entry to the claim's timeline (who, when, what, why)."""
    claim.events.append(
        ClaimEvent.by(
            actor,
            now,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data=data,
        )
    )


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
