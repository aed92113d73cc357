"""Claims are read far more often than they change: a process keeps the claims it has
loaded (detached, with policy, product, loss lines and payments) and answers a status read
from that copy while the claim's version is unchanged. Every change to a claim goes through
its row, whose version the ORM raises on each update (``version_id_col``), so one indexed
read of that number tells whether the copy is current, in any process. The view itself is
built per request (it depends on the reader and the time); who may see the claim is checked
on every read.

A status read asks the database once (:meth:`ClaimCache.status`): the auth epoch (for the
token check, see security/service.py), the claim's version and its statutory clocks, which
the sweep changes without changing the claim's version. That one query is plain columns on a
connection (no ORM session), so the API can make it on the event loop (api/routers/claims.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from claimdesk.claims import clocks as claim_clocks
from claimdesk.claims import service
from claimdesk.claims.models import Claim, StatutoryClock
from claimdesk.core.errors import NotFound
from claimdesk.security.models import AuthEpoch
from claimdesk.security.service import Actor, auth_epoch

_VERSION = select(Claim.version).where(Claim.id == bindparam("claim_id"))
_CLOCK = StatutoryClock.__table__.c
_STATUS = (
    select(
        select(AuthEpoch.value).where(AuthEpoch.id == 1).scalar_subquery().label("epoch"),
        Claim.version,
        *(column.label(f"clock_{column.key}") for column in _CLOCK),
    )
    .select_from(Claim)
    .outerjoin(StatutoryClock, StatutoryClock.claim_id == Claim.id)
    .where(Claim.id == bindparam("claim_id"))
)


@dataclass(frozen=True)
class Status:
    """What one query tells about a claim: the auth epoch, the claim's version (None: no
    such claim) and its statutory clocks in rule order."""

    epoch: int
    version: int | None
    clocks: list[StatutoryClock]


class ClaimCache:
    def __init__(self, size: int = 5_000) -> None:
        self._size = size
        self._claims: dict[int, Claim] = {}
        self._lock = threading.Lock()

    @staticmethod
    def status(connection: Connection, claim_id: int) -> Status:
        """The auth epoch, the claim's version and clocks, in one statement (the clocks as
        detached objects: the view reads them, nothing changes them)."""
        rows = connection.execute(_STATUS, {"claim_id": claim_id}).all()
        if not rows:
            return Status(auth_epoch(connection), None, [])
        found = [
            StatutoryClock(**{column.key: row._mapping[f"clock_{column.key}"] for column in _CLOCK})
            for row in rows
            if row.clock_id is not None
        ]
        return Status(rows[0].epoch or 0, rows[0].version, claim_clocks.in_rule_order(found))

    def current(self, claim_id: int, version: int | None) -> Claim | None:
        """The kept copy of the claim when it is of ``version`` (None: not kept or stale)."""
        known = self._claims.get(claim_id)
        if version is None or known is None or known.version != version:
            return None
        return known

    def get(
        self, session: Session, *, actor: Actor, claim_id: int, version: int | None = None
    ) -> Claim:
        """The claim as ``service.get_claim`` would load it, from the copy when current. The
        claim stays usable after ``session`` closes (everything the view reads is loaded).
        ``version``: the claim's version when already read in this session (see
        :meth:`status`)."""
        if version is None:
            version = session.connection().scalar(_VERSION, {"claim_id": claim_id})
        known = self.current(claim_id, version)
        if known is not None:
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
