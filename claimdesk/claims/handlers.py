"""Handlers of the claims domain for its own events (subscribed in bootstrap's table).

- Every transition keeps the claim's statutory clocks in step (started at completeness,
  approval and denial; met by the decision, the payment; cancelled by a withdrawal).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from claimdesk.claims import clocks
from claimdesk.claims.events import ClaimTransitioned
from claimdesk.claims.models import Claim
from claimdesk.config import Settings


def on_claim_transitioned(
    session: Session, event: ClaimTransitioned, *, settings: Settings
) -> None:
    claim = session.get(Claim, event.claim_id)
    assert claim is not None
    clocks.sync(session, claim=claim, now=event.at, settings=settings)
