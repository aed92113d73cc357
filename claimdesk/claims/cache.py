"""Claims are read far more often than they change: a process keeps the claims it has
loaded (detached, with policy, product, loss lines and payments) and answers a status read
from that copy while the claim's version is unchanged. Every change to a claim goes through
its row, whose version the ORM raises on each update (``version_id_col``), so one indexed
read of that number tells whether the copy is current, in any process. The view itself is
built per request (it depends on the reader and the time); who may see the claim is checked
on every read."""

from __future__ import annotations

import threading

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from claimdesk.claims import service
from claimdesk.claims.models import Claim
from claimdesk.core.errors import NotFound
from claimdesk.security.service import Actor

_VERSION = select(Claim.version).where(Claim.id == bindparam("claim_id"))


class ClaimCache:
    def __init__(self, size: int = 5_000) -> None:
        self._size = size
        self._claims: dict[int, Claim] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, *, actor: Actor, claim_id: int) -> Claim:
        """The claim as ``service.get_claim`` would load it, from the copy when current. The
        claim stays usable after ``session`` closes (everything the view reads is loaded)."""
        version = session.connection().scalar(_VERSION, {"claim_id": claim_id})
        known = self._claims.get(claim_id)
        if version is not None and known is not None and known.version == version:
            if not service.can_see(actor, known):
                raise NotFound(f"Claim {claim_id} does not exist.")
            return known
        claim = service.get_claim(session, actor=actor, claim_id=claim_id)
        with self._lock:
            if len(self._claims) >= self._size:
                del self._claims[next(iter(self._claims))]  # the oldest
            self._claims[claim_id] = claim
        return claim

    def clear(self) -> None:
        """Forget every copy (after the database was replaced, e.g. restored or emptied:
        ids and versions may then repeat with other contents)."""
        with self._lock:
            self._claims.clear()
