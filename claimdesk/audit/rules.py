"""How a ledger entry is hashed and how a chain is checked (pure functions)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """Stable JSON: sorted keys, no spaces, UTF-8 kept, datetimes as UTC ISO strings."""

    def default(obj: Any) -> str:
        if isinstance(obj, datetime):
            return obj.astimezone(UTC).isoformat()
        return str(obj)

    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default
    )


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_role: str,
    action: str,
    subject_type: str,
    subject_id: str,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    body = canonical(
        {
            "seq": seq,
            "at": at,
            "actor_id": actor_id,
            "actor_role": actor_role,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "data": data,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    seq: int
    at: datetime
    actor_id: int | None
    actor_role: str
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_broken_seq: int | None = None  # None with ok false: a row the ledger never saw
    reason: str | None = None


def verify_chain(links: Iterable[Link]) -> Verdict:
    """Walk the chain in order; report the first entry whose content or link does not hold."""
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for link in links:
        if link.seq != expected_seq:
            return Verdict(
                False,
                count,
                expected_seq - 1,
                expected_prev,
                expected_seq,
                f"entry {expected_seq} is missing (next is {link.seq})",
            )
        if link.prev_hash != expected_prev:
            return Verdict(
                False,
                count,
                link.seq - 1,
                expected_prev,
                link.seq,
                "its link to the previous entry is broken",
            )
        recomputed = entry_hash(
            seq=link.seq,
            at=link.at,
            actor_id=link.actor_id,
            actor_role=link.actor_role,
            action=link.action,
            subject_type=link.subject_type,
            subject_id=link.subject_id,
            data=link.data,
            prev_hash=link.prev_hash,
        )
        if recomputed != link.hash:
            return Verdict(
                False,
                count,
                link.seq - 1,
                expected_prev,
                link.seq,
                "its content was changed after it was written",
            )
        expected_prev, expected_seq, count = link.hash, link.seq + 1, count + 1
    return Verdict(True, count, expected_seq - 1, expected_prev)


# ---------------------------------------------------------------- money facts

MONEY_SUBJECT = "claim_money"


class MoneyFact(StrEnum):
    """Money facts, each a ledger entry ``money.<fact>``."""

    CLAIMED = "claimed"
    ASSESSED = "assessed"
    APPROVED = "approved"
    PAID = "paid"
    RECOVERED = "recovered"
    WAIVED = "waived"  # documents waived for an approval or payment of this amount
    RESERVE_SET = "reserve_set"
    RESERVE_CHANGED = "reserve_changed"
    RESERVE_RELEASED = "reserve_released"
    ADVANCE_PAID = "advance_paid"
    IMPORTED = "imported"  # a claim's money as loaded in bulk (claimdesk generate)


# The claim columns each money fact records (after the fact) and verify reconciles.
MONEY_COLUMN_NAMES = (
    "claimed_amount",
    "assessed_amount",
    "approved_amount",
    "paid_amount",
    "reserve_amount",
)
# Money columns added after money facts were first kept, with the value the migration gave
# existing rows: a money fact written before such a column existed reads it as that value.
LATER_MONEY_COLUMNS = {"reserve_amount": "0.00"}


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def money_state(row: Any) -> dict[str, str | None]:
    """A claim's (or a claim row's) money columns as the ledger keeps them."""
    return {name: _amount(getattr(row, name)) for name in MONEY_COLUMN_NAMES}


class PaymentRow(Protocol):
    id: int
    reference: str
    amount: Decimal
    currency: str
    bank_account_id: int
    paid_by_id: int | None


def payment_snapshot(payment: PaymentRow) -> dict[str, Any]:
    return {
        "reference": payment.reference,
        "amount": _amount(payment.amount),
        "currency": payment.currency,
        "bank_account_id": payment.bank_account_id,
        "paid_by_id": payment.paid_by_id,
    }


def _differences(recorded: dict[str, Any], actual: dict[str, Any]) -> str:
    return ", ".join(
        f"{key} is {actual.get(key)} but the ledger says {recorded.get(key)}"
        for key in sorted(set(recorded) | set(actual))
        if recorded.get(key) != actual.get(key)
    )


def reconcile_money(
    entries: Iterable[tuple[int, int, dict[str, Any]]],
    claims: Iterable[tuple[int, str | None, dict[str, str | None]]],
    payments: Iterable[tuple[int, dict[str, Any]]],
) -> tuple[int | None, str] | None:
    """The first claim or payment row that disagrees with the money facts, as (the ledger
    entry it contradicts, or None for a row the ledger never saw; what is wrong).

    ``entries`` are (seq, claim id, data) in ledger order: the last one of a claim holds its
    money columns now. A claim with no money fact (loaded before money facts were kept)
    must have decided nothing. Payments are matched by their unique reference."""
    latest: dict[int, tuple[int, dict[str, Any]]] = {}
    paid: dict[str, tuple[int, int, dict[str, Any]]] = {}
    for seq, claim_id, data in entries:
        latest[claim_id] = (seq, {**LATER_MONEY_COLUMNS, **data["state"]})
        if "payment" in data:
            paid[data["payment"]["reference"]] = (seq, claim_id, data["payment"])
    seen: set[int] = set()
    for claim_id, number, state in claims:
        seen.add(claim_id)
        name = f"claim {number or claim_id} (id {claim_id})"
        if claim_id not in latest:
            decided = {
                k: v for k, v in state.items() if k != "claimed_amount" and v not in (None, "0.00")
            }
            if decided:
                return None, f"{name} has money columns the ledger never recorded: " + ", ".join(
                    f"{k} {v}" for k, v in sorted(decided.items())
                )
            continue
        seq, recorded = latest[claim_id]
        if recorded != state:
            return seq, f"{name} was changed outside the application: " + _differences(
                recorded, state
            )
    for claim_id, (seq, _) in latest.items():
        if claim_id not in seen:
            return seq, f"claim id {claim_id} has money facts in the ledger but was deleted"
    for claim_id, snapshot in payments:
        found = paid.pop(snapshot["reference"], None)
        if found is None:
            return None, (
                f"payment {snapshot['reference']} of claim id {claim_id} "
                f"({snapshot['amount']} {snapshot['currency']}) is not in the ledger"
            )
        seq, recorded_claim, recorded = found
        if recorded != snapshot or recorded_claim != claim_id:
            return seq, f"payment {snapshot['reference']} was changed outside the application: " + (
                _differences(recorded, snapshot) or f"moved from claim id {recorded_claim}"
            )
    for reference, (seq, claim_id, _) in paid.items():
        return seq, f"payment {reference} of claim id {claim_id} was deleted"
    return None


@dataclass(frozen=True)
class UnusualReader:
    """A user who read far more sensitive records than their peers."""

    user_id: int | None
    records: int
    peer_median: float


def unusual_readers(
    records_by_user: dict[int | None, int], *, factor: float, minimum: int
) -> list[UnusualReader]:
    """Users who read more than ``factor`` times the median of all readers and at least
    ``minimum`` records (a small team's one extra read is not a finding), most first."""
    if not records_by_user:
        return []
    counts = sorted(records_by_user.values())
    middle = len(counts) // 2
    median = counts[middle] if len(counts) % 2 else (counts[middle - 1] + counts[middle]) / 2
    found = [
        UnusualReader(user, n, float(median))
        for user, n in records_by_user.items()
        if n >= minimum and n > median * factor
    ]
    return sorted(found, key=lambda r: (-r.records, r.user_id or 0))
