"""The audit ledger: every timeline entry (decisions, transitions, payments, document hashes)
and every user change is appended, hash-chained, in the same transaction that made it.

Entries are gathered by a flush hook on the application's sessions, so no service can
forget to record one, and appended just before the commit: appends are serialised (one
chain head), so taking that turn at the end keeps concurrent transactions from queueing
behind each other for their whole length. Entries of a change that rolls back (the whole
transaction or a savepoint) are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, event, insert, inspect, select, text
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from claimdesk.audit.models import AuditEntry, SensitiveAccess
from claimdesk.audit.rules import (
    GENESIS,
    MONEY_COLUMN_NAMES,
    MONEY_SUBJECT,
    Link,
    MoneyFact,
    Verdict,
    entry_hash,
    money_state,
    payment_snapshot,
    reconcile_money,
    verify_chain,
)
from claimdesk.claims.models import Claim, ClaimEvent, Payment
from claimdesk.core.errors import NotFound
from claimdesk.documents.models import Document
from claimdesk.documents.storage import BlobStore, CorruptBlob
from claimdesk.security.models import User
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor

_LEDGER_LOCK = 7301  # PostgreSQL advisory lock id that serialises appends


def append(
    connection: Connection,
    *,
    at: datetime,
    actor_id: int | None,
    actor_role: str,
    action: str,
    subject_type: str,
    subject_id: str,
    data: dict[str, Any],
) -> str:
    """Append one entry after the current head; returns its hash."""
    return append_many(
        connection,
        [
            {
                "at": at,
                "actor_id": actor_id,
                "actor_role": actor_role,
                "action": action,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "data": data,
            }
        ],
    )


def append_many(connection: Connection, entries: Sequence[dict[str, Any]]) -> str:
    """Append entries in order after the current head, in three statements whatever their
    number (lock, head, one multi-row insert); returns the new head's hash."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LEDGER_LOCK})
    head = connection.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS)
    rows = []
    for entry in entries:
        seq += 1
        fields = {**entry, "seq": seq, "prev_hash": prev_hash}
        prev_hash = entry_hash(**fields)
        rows.append({**fields, "hash": prev_hash})
    if rows:
        connection.execute(insert(AuditEntry), rows)
    return prev_hash


def claim_event_snapshot(entry: ClaimEvent) -> dict[str, Any]:
    """What the ledger keeps of a timeline entry; compared again at verification."""
    return {
        "claim_id": entry.claim_id,
        "kind": entry.kind,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "reason": entry.reason,
        "data": entry.data,
    }


_PENDING = "claimdesk.ledger_pending"


def _record_flushed(session: Session, _context: object) -> None:
    """Gather the ledger entries of what this flush wrote, with the transaction (or
    savepoint) that wrote it."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    pending = session.info.setdefault(_PENDING, [])
    for obj in sorted(
        (o for o in session.new if isinstance(o, ClaimEvent | User)), key=lambda o: o.id
    ):
        if isinstance(obj, ClaimEvent):
            entry = {
                "at": obj.at,
                "actor_id": obj.actor_id,
                "actor_role": obj.actor_role,
                "action": f"claim.{obj.kind}",
                "subject_type": "claim_event",
                "subject_id": str(obj.id),
                "data": claim_event_snapshot(obj),
            }
        else:
            entry = {
                "at": obj.created_at,
                "actor_id": None,
                "actor_role": "system",
                "action": "user.created",
                "subject_type": "user",
                "subject_id": str(obj.id),
                "data": {
                    "username": obj.username,
                    "role": obj.role,
                    "customer_id": obj.customer_id,
                },
            }
        pending.append((transaction, entry))
    pending.extend((transaction, entry) for entry in _changed_user_entries(session))


def _user_changes(user: User) -> Iterator[tuple[str, dict[str, Any]]]:
    """Ledger actions for a changed user: role, activation and lockout changes."""
    state = inspect(user)
    role = state.attrs.role.history
    if role.has_changes():
        old = role.deleted[0] if role.deleted else None
        yield "user.role_changed", {"username": user.username, "from": old, "to": user.role}
    active = state.attrs.active.history
    if active.has_changes():
        yield "user.activated" if user.active else "user.deactivated", {"username": user.username}
    locked = state.attrs.locked_until.history
    if locked.has_changes() and user.locked_until is not None:
        yield "user.locked", {"username": user.username, "until": user.locked_until.isoformat()}


def _changed_user_entries(session: Session) -> Iterator[dict[str, Any]]:
    changed = sorted((o for o in session.dirty if isinstance(o, User)), key=lambda o: o.id)
    for user in changed:
        for action, data in _user_changes(user):
            yield {
                "at": datetime.now(UTC),
                "actor_id": None,
                "actor_role": "system",
                "action": action,
                "subject_type": "user",
                "subject_id": str(user.id),
                "data": data,
            }


def record(session: Session, entry: dict[str, Any]) -> None:
    """Queue a ledger entry with the transaction (or savepoint) now open: appended just
    before the commit, dropped if that transaction rolls back. ``entry`` has the fields of
    :func:`append`."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((transaction, entry))


def _append_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is released: its entries wait for the real commit
    session.flush()  # the last changes' entries are gathered by the flush hook
    pending = session.info.pop(_PENDING, [])
    if pending:
        append_many(session.connection(), [entry for _, entry in pending])


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [
            (transaction, entry)
            for transaction, entry in pending
            if not _within(transaction, previous_transaction)
        ]


def _forget_on_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def register(sessions: sessionmaker[Session]) -> None:
    event.listen(sessions, "after_flush", _record_flushed)
    event.listen(sessions, "before_commit", _append_pending)
    event.listen(sessions, "after_soft_rollback", _drop_rolled_back)
    event.listen(sessions, "after_transaction_end", _forget_on_end)


def _links(session: Session) -> Iterator[Link]:
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        yield Link(
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_role=entry.actor_role,
            action=entry.action,
            subject_type=entry.subject_type,
            subject_id=entry.subject_id,
            data=entry.data,
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )


def _altered_timeline_entry(session: Session) -> tuple[int, str] | None:
    """The first claim timeline entry that no longer matches what the ledger recorded."""
    recorded = session.execute(
        select(AuditEntry.seq, AuditEntry.subject_id, AuditEntry.data)
        .where(AuditEntry.subject_type == "claim_event")
        .order_by(AuditEntry.seq)
    )
    for seq, subject_id, data in recorded:
        entry = session.get(ClaimEvent, int(subject_id))
        if entry is None:
            return seq, f"claim timeline entry {subject_id} was deleted"
        if claim_event_snapshot(entry) != data:
            return seq, f"claim timeline entry {subject_id} was changed"
    return None


def _altered_document(session: Session, store: BlobStore) -> tuple[int, str] | None:
    """The first uploaded document whose row or stored bytes no longer match the sha256
    the ledger recorded at upload (the stored bytes are hashed again)."""
    recorded = session.execute(
        select(AuditEntry.seq, AuditEntry.data)
        .where(AuditEntry.action == "claim.document_uploaded")
        .order_by(AuditEntry.seq)
    )
    erased_claims = set(
        session.scalars(
            select(AuditEntry.subject_id).where(
                AuditEntry.action == "privacy.erased", AuditEntry.subject_type == "claim"
            )
        )
    )
    for seq, data in recorded:
        facts = data.get("data") or {}
        document_id, sha256 = facts.get("document_id"), facts.get("sha256")
        document = session.get(Document, document_id)
        if document is None or document.sha256 != sha256:
            return seq, f"document {document_id} was deleted or now names other content"
        try:
            store.get(sha256)
        except CorruptBlob:
            return seq, f"the stored file of document {document_id} was changed"
        except NotFound:
            if str(document.claim_id) not in erased_claims:  # erased under retention: gone
                return seq, f"the stored file of document {document_id} is missing"
    return None


# ---------------------------------------------------------------- money facts


def record_money_fact(
    session: Session,
    *,
    fact: MoneyFact,
    claim: Claim,
    amount: Decimal,
    account: str,
    actor_id: int | None,
    actor_role: str,
    at: datetime,
    payment: Payment | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Put one money fact in the ledger: its amount, currency, account and actor, and the
    claim's money columns after it (what ``verify`` reconciles the claim row against).

    ``account`` names where the money sits or goes: ``claim:<id>`` for amounts decided on
    the claim, ``bank_account:<id>`` for a payment, ``reserve:<id>`` for a case reserve.
    """
    data: dict[str, Any] = {
        "claim_id": claim.id,
        "claim_number": claim.number,
        "amount": f"{amount:.2f}",
        "currency": claim.currency,
        "account": account,
        "actor": {"id": actor_id, "role": actor_role},
        "state": money_state(claim),
        **(details or {}),
    }
    if payment is not None:
        data["payment"] = payment_snapshot(payment)
    record(
        session,
        {
            "at": at,
            "actor_id": actor_id,
            "actor_role": actor_role,
            "action": f"money.{fact.value}",
            "subject_type": MONEY_SUBJECT,
            "subject_id": str(claim.id),
            "data": data,
        },
    )


def _unreconciled_money(session: Session) -> tuple[int | None, str] | None:
    """The first claim money column or payment row that is not what the ledger recorded:
    one pass over the money entries, the claims and the payments (linear in their number)."""
    recorded = session.execute(
        select(AuditEntry.seq, AuditEntry.subject_id, AuditEntry.data)
        .where(AuditEntry.subject_type == MONEY_SUBJECT)
        .order_by(AuditEntry.seq)
    )
    claims = session.execute(select(Claim.id, Claim.number, *_MONEY_COLUMNS).order_by(Claim.id))
    payments = session.scalars(select(Payment).order_by(Payment.id))
    return reconcile_money(
        ((seq, int(subject_id), data) for seq, subject_id, data in recorded),
        ((row.id, row.number, money_state(row)) for row in claims),
        ((payment.claim_id, payment_snapshot(payment)) for payment in payments),
    )


_MONEY_COLUMNS = tuple(getattr(Claim, name) for name in MONEY_COLUMN_NAMES)


def verify(
    session: Session, *, store: BlobStore | None = None, actor: Actor | None = None
) -> Verdict:
    """Recompute the chain, compare claim timelines with it, reconcile the claims' money
    columns and the payments with the money facts and, given the document store, hash
    every stored document again. ``actor``: the user who asked (their permission is
    checked); None when the system checks itself (backups, checkpoints)."""
    if actor is not None:
        require(actor, "audit.verify")
    verdict = verify_chain(_links(session))
    if not verdict.ok:
        return verdict
    altered: tuple[int | None, str] | None = _altered_timeline_entry(session)
    if altered is None:
        altered = _unreconciled_money(session)
    if altered is None and store is not None:
        altered = _altered_document(session, store)
    if altered is not None:
        seq, reason = altered
        return Verdict(False, verdict.entries, verdict.head_seq, verdict.head_hash, seq, reason)
    return verdict


def links_up_to(session: Session, seq: int) -> Iterator[Link]:
    for link in _links(session):
        if link.seq > seq:
            return
        yield link


def record_sensitive_reads(
    session: Session,
    *,
    actor_id: int | None,
    role: str,
    reads: Iterable[tuple[str, object, str]],
    purpose: str,
    now: datetime,
) -> None:
    """Log reads of sensitive fields in clear: (table, record id, field) each."""
    session.add_all(
        SensitiveAccess(
            at=now,
            user_id=actor_id,
            role=role,
            table_name=table_name,
            record_id=str(record_id),
            field=field,
            purpose=purpose[:256],
        )
        for table_name, record_id, field in reads
    )
