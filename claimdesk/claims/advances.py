"""Advance payment (PRC Insurance Law art. 25): while the full amount is not settled, the
amount already determinable from the documents is paid in advance.

Staff only, through the claim's rules like ``pay``: the claim is complete and assessed and
not yet decided; the advance (with earlier ones) stays within what the payout calculation
makes payable now; four-eyes against the assessor; within the payer's authority; every
required document read (or waived with authority and a reason); the payee account verified.
The payment is a ``payments`` row and an ``advance_paid`` money fact in the ledger; it is
part of ``paid_amount``, so the final payment after approval pays only the rest.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from claimdesk.audit.rules import MoneyFact
from claimdesk.claims import clocks, reserves, rules, service
from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.models import Claim, Payment
from claimdesk.claims.schemas import AdvancePaymentIn
from claimdesk.compliance import service as compliance
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.errors import InvalidTransition, ValidationFailed
from claimdesk.documents.evidence import verify_payee_by_proof
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor

ACTION = "advance_payment"
# Before the decision on the amount: afterwards the approved amount is simply paid.
OPEN_FOR_ADVANCE = frozenset(
    {
        ClaimStatus.UNDER_REVIEW,
        ClaimStatus.INVESTIGATING,
        ClaimStatus.ASSESSED,
        ClaimStatus.COVERAGE_VERIFIED,
    }
)


def check_advance(
    *, status: ClaimStatus, completed: bool, assessed: bool, amount: Decimal, room: Decimal
) -> None:
    """Pure guards of an advance: when it is possible and how much (``room``: payable now
    minus what was already paid)."""
    if status not in OPEN_FOR_ADVANCE:
        raise InvalidTransition(
            f"An advance payment is for a claim whose amount is not decided yet; this claim "
            f"is {status.value}: pay the approved amount instead."
        )
    if not completed:
        raise InvalidTransition(
            "The claim is not complete yet: an advance is paid on the documents received."
        )
    if not assessed:
        raise InvalidTransition(
            "Assess the claim first: the determinable amount comes from its assessed loss lines."
        )
    if amount > room:
        raise ValidationFailed(
            f"Advancing {amount:,.2f} would exceed the amount determinable now "
            f"({room:,.2f}: payable under the policy terms less what was already paid).",
            details=[{"field": "amount", "determinable": f"{room:.2f}"}],
        )


def _payment_key(claim: Claim, data: AdvancePaymentIn) -> str:
    if data.idempotency_key:
        return f"advance:{data.idempotency_key}"
    advances = sum(1 for event in claim.events if event.kind == clocks.ADVANCE_PAYMENT)
    return f"advance-{advances}:{data.amount}"


def advance_payment(
    session: Session,
    *,
    actor: Actor,
    claim_id: int,
    data: AdvancePaymentIn,
    now: datetime,
    settings: Settings,
) -> Claim:
    """Pay ``data.amount`` in advance; a repeated request (same key) returns the claim."""
    require(actor, "claims.advance_payment")
    claim = service.get_claim(session, actor=actor, claim_id=claim_id, for_update=True)
    key = _payment_key(claim, data)
    if any(p.idempotency_key == key for p in claim.payments):
        return claim
    compliance.require_qualified(  # an advance decides part of the amount: approve's gate
        session,
        actor=actor,
        action=ClaimAction.APPROVE,
        product_line=claim.policy.product.line,
        on=local_date(now, settings.display_timezone),
    )
    payable = Decimal("0")
    if claim.assessed_amount is not None:
        session.flush()
        payable = service.calculate(session, claim).total_payable
    check_advance(
        status=ClaimStatus(claim.status),
        completed=claim.completed_at is not None,
        assessed=claim.assessed_amount is not None,
        amount=data.amount,
        room=max(payable - claim.paid_amount, Decimal("0")),
    )
    rules.check_four_eyes(actor.user_id, claim.assessor_id)
    rules.check_authority(actor.role, claim.paid_amount + data.amount, settings.authority_limits)
    account_id = data.bank_account_id or claim.bank_account_id
    if account_id is None:
        raise ValidationFailed("No payee bank account on the claim; give bank_account_id.")
    account = service._payee_account(
        session,
        claim_customer_ids=(claim.customer_id, claim.policy.holder_id),
        account_id=account_id,
    )
    waived = service.require_evidence_for(
        session,
        claim=claim,
        actor=actor,
        now=now,
        settings=settings,
        action=ACTION,
        amount=data.amount,
        waive=data.waive_documents,
        reason=data.reason,
    )
    rules.check_payee_verified(
        account_id=account.id,
        verified=verify_payee_by_proof(session, claim=claim, account=account, now=now),
    )
    claim.bank_account_id = account.id
    payment = Payment(
        idempotency_key=key,
        reference=f"PAY{claim.number}-{len(claim.payments) + 1:02d}",
        amount=data.amount,
        currency=claim.currency,
        bank_account_id=account.id,
        paid_by_id=actor.user_id,
        paid_at=now,
    )
    claim.payments.append(payment)
    claim.paid_amount += data.amount
    claim.record(
        actor,
        now,
        kind=clocks.ADVANCE_PAYMENT,
        to_status=None,
        reason=data.reason,
        data={
            "amount": f"{data.amount:.2f}",
            "reference": payment.reference,
            "determinable": f"{payable:.2f}",
            **({"waived_documents": waived} if waived else {}),
        },
    )
    session.flush()
    service._money_fact(
        session,
        claim,
        actor,
        now,
        MoneyFact.ADVANCE_PAID,
        data.amount,
        account=f"bank_account:{account.id}",
        payment=payment,
        details={"determinable": f"{payable:.2f}"},
    )
    reserves.on_payment(session, claim, actor, now, paid=data.amount, reference=payment.reference)
    clocks.sync(session, claim=claim, now=now, settings=settings)
    return claim
