"""Loading claims: what every claim view needs in few statements, and who may see a claim.

Below the claims service, so the modules the service itself uses (reserves, field
investigations, document evidence) load claims the same way without importing it.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from claimdesk.claims.models import Claim
from claimdesk.core.errors import NotFound
from claimdesk.policies.models import Policy
from claimdesk.security.service import Actor

# What every claim view needs loaded. One claim: policy, product, loss lines and payments in
# one statement (a claim has a few lines and payments). A page of claims: policy and product
# in the claims' statement, lines and payments in one more each (a join would repeat rows
# under LIMIT). The product's coverages and the insured persons load on first use
# (decisions need them, reads do not).
_POLICY_LOADING = joinedload(Claim.policy, innerjoin=True).joinedload(
    Policy.product, innerjoin=True
)
CLAIM_LOADING = (_POLICY_LOADING, joinedload(Claim.loss_lines), joinedload(Claim.payments))
CLAIMS_LOADING = (_POLICY_LOADING, selectinload(Claim.loss_lines), selectinload(Claim.payments))


def claim_query() -> Select[Claim]:
    return select(Claim).options(*CLAIMS_LOADING)


def can_see(actor: Actor, claim: Claim) -> bool:
    if not actor.is_customer:
        return True
    return actor.customer_id in (claim.customer_id, claim.policy.holder_id)


def get_claim(session: Session, *, actor: Actor, claim_id: int, for_update: bool = False) -> Claim:
    """The claim, locked for the transaction when ``for_update``; otherwise the session's
    copy if it already holds the claim (no statement), else loaded."""
    if for_update:
        query = claim_query().where(Claim.id == claim_id).with_for_update(of=Claim)
        claim = session.scalars(query).one_or_none()
    else:
        claim = session.get(Claim, claim_id, options=CLAIM_LOADING)
    if claim is None or not can_see(actor, claim):
        raise NotFound(f"Claim {claim_id} does not exist.")
    return claim
