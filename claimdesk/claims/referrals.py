"""Referral of a claim for approval to a named colleague with enough authority.

When an approval is above a handler's authority the handler refers the claim, with a note,
to a named senior adjuster or supervisor whose limit covers it; the referral is written on
the claim's timeline (staff only) and the claim shows in that person's "referred to me"
queue until it is decided. The referred person approves it with the usual ``approve``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.claims import rules, service
from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import ReferralIn
from claimdesk.config import Settings
from claimdesk.core.errors import Conflict
from claimdesk.security.models import User
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor

REFERRED = "referred"  # timeline kind: who referred the claim to whom, and why


def refer(
    session: Session,
    *,
    actor: Actor,
    claim_id: int,
    data: ReferralIn,
    now: datetime,
    settings: Settings,
) -> Claim:
    """Refer a coverage-verified claim for approval to a named colleague (422 when that
    person may not approve it)."""
    require(actor, "claims.refer")
    claim = service.get_claim(session, actor=actor, claim_id=claim_id, for_update=True)
    if claim.status != ClaimStatus.COVERAGE_VERIFIED:
        raise Conflict(
            f"Claim {claim.number} is '{claim.status}'; a claim is referred for approval once "
            "its coverage is verified. 核实保障后方可转交审批。"
        )
    target = session.get(User, data.to_user_id)
    amount = claim.payable_amount or Decimal("0")
    rules.check_referral(
        referrer_id=actor.user_id,
        target_id=data.to_user_id,
        target_role=target.role if target else None,
        target_active=bool(target and target.active),
        assessor_id=claim.assessor_id,
        amount=amount,
        limits=settings.authority_limits,
    )
    assert target is not None
    claim.referred_to_id = target.id
    claim.referred_at = now
    claim.record(
        actor,
        now,
        kind=REFERRED,
        to_status=None,
        reason=data.note.strip(),
        data={"to_user_id": target.id, "to_role": target.role, "amount": f"{amount:.2f}"},
    )
    session.flush()
    return claim


def candidates(session: Session, *, claim: Claim, actor: Actor, settings: Settings) -> list[User]:
    """Active colleagues who may approve the claim's payable amount (for the referral form)."""
    amount = claim.payable_amount or Decimal("0")
    roles = [
        role
        for role, limit in settings.authority_limits.items()
        if limit is None or amount <= limit
    ]
    users = session.scalars(
        select(User).where(User.role.in_(roles), User.active.is_(True)).order_by(User.username)
    )
    return [u for u in users if u.id not in (actor.user_id, claim.assessor_id)]
