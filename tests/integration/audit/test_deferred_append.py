"""Ledger entries are appended at the commit of the change they record: entries of a
savepoint or a transaction that rolls back are never appended, and the chain stays intact."""

from __future__ import annotations

from sqlalchemy import func, select

from claimdesk.audit import service as audit
from claimdesk.audit.models import AuditEntry
from claimdesk.claims import service as claims
from claimdesk.claims.models import ClaimEvent
from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role
from claimdesk.security.service import SYSTEM


def _reported_claim_id(world) -> int:
    holder = world.customer("周迅")
    policy = world.policy(holder, "ACC-PLUS")
    response = world.report(
        world.staff(Role.AGENT),
        policy,
        amount="800.00",
        claim_type="accidental_medical",
        channel="phone",
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _note(session, claim_id: int, reason: str) -> None:
    claim = claims.get_claim(session, actor=SYSTEM, claim_id=claim_id)
    at = claim.reported_at
    claim.record(SYSTEM, at, kind="note", to_status=None, reason=reason)
    session.flush()


def _recorded_reasons(session) -> list[str]:
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "claim.note").order_by(AuditEntry.seq)
    )
    return [entry.data["reason"] for entry in entries]


def test_only_committed_changes_reach_the_ledger(world, container):
    claim_id = _reported_claim_id(world)
    with container.sessions() as session:
        _note(session, claim_id, "rolled back with its transaction")
        session.rollback()
    with unit_of_work(container.sessions) as session:
        savepoint = session.begin_nested()
        _note(session, claim_id, "rolled back with its savepoint")
        savepoint.rollback()
        with session.begin_nested():
            _note(session, claim_id, "kept from a released savepoint")
        _note(session, claim_id, "kept from the transaction")
        before_commit = session.scalar(select(func.count()).select_from(AuditEntry))
    with container.sessions() as session:
        assert _recorded_reasons(session) == [
            "kept from a released savepoint",
            "kept from the transaction",
        ]
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before_commit + 2
        kept = session.scalars(select(ClaimEvent).where(ClaimEvent.kind == "note")).all()
        assert len(kept) == 2
        assert audit.verify(session).ok
