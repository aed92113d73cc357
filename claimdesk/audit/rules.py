"""How a ledger entry is hashed and how a chain is checked (pure functions)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
    first_broken_seq: int | None = None
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
