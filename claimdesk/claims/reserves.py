"""Case reserves: load, apply the rules of :mod:`claimdesk.claims.reserve_rules`, record.

Every step of a claim's reserve is a row of ``claim_reserves`` (its history) and a money
fact in the audit ledger (``money.reserve_set``, ``money.reserve_changed``,
``money.reserve_released``) carrying the amounts, the account ``reserve:<claim id>`` and
the actor; the claim's ``reserve_amount`` is one of the money columns ``audit verify``
reconciles. The fact's ``amount`` is the reserve after the step, except for a release
where it is the amount released; ``previous_amount`` and ``reserve_amount`` are always in
its data.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ScalarSelect, Select, func, select
from sqlalchemy.orm import Session

from claimdesk.audit.rules import MoneyFact
from claimdesk.audit.service import record_money_fact
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.models import Claim, ClaimReserve
from claimdesk.claims.repository import get_claim
from claimdesk.claims.reserve_rules import (
    ZERO,
    ReserveKind,
    ReserveRule,
    after_payment,
    check_new_reserve,
    initial_reserve,
    reopened_reserve,
    reserve_table,
)
from claimdesk.core.errors import InvalidTransition
from claimdesk.policies.models import Policy
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor

# A handler may not change the reserve of a claim in these states (it is released there);
# reopening the claim sets a reserve again.
_FROZEN_STATES = frozenset(
    {ClaimStatus.CLOSED, ClaimStatus.ARCHIVED, ClaimStatus.WITHDRAWN, ClaimStatus.DENIED}
)
_FACT_OF_KIND = {
    ReserveKind.INITIAL: MoneyFact.RESERVE_SET,
    ReserveKind.REOPENED: MoneyFact.RESERVE_SET,
    ReserveKind.CHANGED: MoneyFact.RESERVE_CHANGED,
    ReserveKind.PAID: MoneyFact.RESERVE_CHANGED,
    ReserveKind.RELEASED: MoneyFact.RESERVE_RELEASED,
}


def _approved_on(policy_id: Any) -> Select[Decimal]:
    """What was approved on the policy ``policy_id`` (a value or a column) so far."""
    return select(func.coalesce(func.sum(Claim.approved_amount), 0)).where(
        Claim.policy_id == policy_id
    )


def approved_on_policy() -> ScalarSelect[Decimal]:
    """What was approved on a policy so far, as a column of a query of policies (intake
    reads it with the policy, in one statement)."""
    return _approved_on(Policy.id).correlate(Policy).scalar_subquery()


def remaining_of(policy: Policy, approved: Decimal | int | None) -> Decimal:
    """The policy's sum insured less ``approved`` on it so far (never below 0)."""
    return max(policy.sum_insured - Decimal(approved or 0), ZERO)


def remaining_sum_insured(session: Session, policy: Policy) -> Decimal:
    """The policy's sum insured less what was approved on it so far (never below 0)."""
    return remaining_of(policy, session.scalar(_approved_on(policy.id)))


def _step(
    session: Session,
    claim: Claim,
    actor: Actor,
    now: datetime,
    *,
    kind: ReserveKind,
    amount: Decimal,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> ClaimReserve:
    """Move the claim's reserve to ``amount``: history row, claim column, money fact."""
    previous = claim.reserve_amount
    claim.reserve_amount = amount
    row = ClaimReserve(
        claim_id=claim.id,
        kind=kind,
        amount=amount,
        previous_amount=previous,
        reason=reason,
        data=data or {},
        actor_id=actor.user_id,
        actor_role=actor.role,
        at=now,
    )
    session.add(row)
    fact = _FACT_OF_KIND[kind]
    record_money_fact(
        session,
        fact=fact,
        claim=claim,
        amount=previous - amount if fact is MoneyFact.RESERVE_RELEASED else amount,
        account=f"reserve:{claim.id}",
        actor_id=actor.user_id,
        actor_role=actor.role,
        at=now,
        details={
            "kind": str(kind),
            "previous_amount": f"{previous:.2f}",
            "reserve_amount": f"{amount:.2f}",
            "reason": reason,
            **(data or {}),
        },
    )
    return row


def _rule_data(rule: ReserveRule, remaining: Decimal) -> dict[str, str]:
    """The table rule a reserve came from: in words (``rule``) and as figures."""
    return {
        "rule": rule.describe(),
        "basis": rule.basis,
        "factor": f"{rule.factor:.2f}",
        "minimum": f"{rule.minimum:.2f}",
        "fixed_amount": f"{rule.amount:.2f}",
        "remaining_sum_insured": f"{remaining:.2f}",
    }


def set_initial(
    session: Session, claim: Claim, actor: Actor, now: datetime, *, remaining: Decimal
) -> None:
    """The reserve of a newly reported claim, from the table (``reserves.toml``);
    ``remaining``: its policy's :func:`remaining_sum_insured` (or :func:`remaining_of`)."""
    rule = reserve_table().rule_for(claim.policy.product.code, claim.claim_type)
    amount = initial_reserve(rule, claimed=claim.claimed_amount, remaining=remaining)
    _step(
        session,
        claim,
        actor,
        now,
        kind=ReserveKind.INITIAL,
        amount=amount,
        data=_rule_data(rule, remaining),
    )


def on_payment(
    session: Session, claim: Claim, actor: Actor, now: datetime, *, paid: Decimal, reference: str
) -> None:
    """A payment lowers the outstanding reserve by what was paid (not below 0)."""
    amount = after_payment(claim.reserve_amount, paid)
    if amount != claim.reserve_amount:
        _step(
            session,
            claim,
            actor,
            now,
            kind=ReserveKind.PAID,
            amount=amount,
            data={"payment_reference": reference, "paid": f"{paid:.2f}"},
        )


def follow_transition(
    session: Session, claim: Claim, actor: Actor, now: datetime, *, action: ClaimAction
) -> None:
    """After a lifecycle step: release the reserve when the claim is closed, denied or
    withdrawn; set it again from the table when it is reopened."""
    status = ClaimStatus(claim.status)
    if status in (ClaimStatus.CLOSED, ClaimStatus.DENIED, ClaimStatus.WITHDRAWN):
        if claim.reserve_amount != 0:
            _step(
                session,
                claim,
                actor,
                now,
                kind=ReserveKind.RELEASED,
                amount=ZERO,
                data={"action": str(action)},
            )
    elif action == ClaimAction.REOPEN:
        rule = reserve_table().rule_for(claim.policy.product.code, claim.claim_type)
        remaining = remaining_sum_insured(session, claim.policy)
        amount = reopened_reserve(
            rule, claimed=claim.claimed_amount, paid=claim.paid_amount, remaining=remaining
        )
        if amount != claim.reserve_amount:
            _step(
                session,
                claim,
                actor,
                now,
                kind=ReserveKind.REOPENED,
                amount=amount,
                data=_rule_data(rule, remaining),
            )


def change(
    session: Session,
    *,
    actor: Actor,
    claim_id: int,
    amount: Decimal,
    reason: str | None,
    now: datetime,
) -> Claim:
    """A handler changes a claim's reserve, with a reason (never negative)."""
    require(actor, "claims.reserve")
    claim = get_claim(session, actor=actor, claim_id=claim_id, for_update=True)
    if claim.status in _FROZEN_STATES:
        raise InvalidTransition(
            f"Claim {claim.number} is {claim.status}: its reserve was released; reopen the "
            f"claim to reserve for it again. / 赔案已结束，准备金已释放；如需调整请先重开赔案。"
        )
    text = check_new_reserve(amount, reason, current=claim.reserve_amount)
    _step(session, claim, actor, now, kind=ReserveKind.CHANGED, amount=amount, reason=text)
    session.flush()
    return claim


def history(session: Session, *, actor: Actor, claim_id: int) -> list[ClaimReserve]:
    """The claim's reserve history, newest first (the initial reserve included)."""
    require(actor, "claims.view_reserves")
    claim = get_claim(session, actor=actor, claim_id=claim_id)
    return list(
        session.scalars(
            select(ClaimReserve)
            .where(ClaimReserve.claim_id == claim.id)
            .order_by(ClaimReserve.at.desc(), ClaimReserve.id.desc())
        )
    )
