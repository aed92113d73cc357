"""Audit ledger: appending and verifying N hash-chained entries vs. plain sha256 over the
same bytes.

Measured, in this order, each once:

1. baseline: ``hashlib.sha256`` over the N canonical entry bodies (the bytes the ledger
   hashes), in memory;
2. append: :func:`claimdesk.audit.service.append` N times, 500 entries a transaction,
   committed (each append reads the head, hashes and inserts; on PostgreSQL it also takes
   the ledger's advisory lock);
3. verify: :func:`claimdesk.audit.service.verify` over the whole ledger (reads every entry,
   recomputes its hash and link; the synthetic entries name no claim timeline rows, so
   this is the chain check alone).

Time is ``time.perf_counter`` wall time; nothing is asserted about it.
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from time import perf_counter

from sqlalchemy import func, select

from bench.common import BENCH_NOW, Target, fmt_rate, rate
from claimdesk.audit import service
from claimdesk.audit.models import AuditEntry
from claimdesk.audit.rules import canonical

TITLE = "Audit ledger"
BATCH = 500


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Audit ledger")
    group.add_argument(
        "--ledger-entries", type=int, default=20_000, metavar="N", help="entries (20000)"
    )


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def _entry(i: int) -> dict:
    return {
        "at": BENCH_NOW + timedelta(seconds=i),
        "actor_id": 1 + i % 7,
        "actor_role": "adjuster",
        "action": "bench.assess",
        "subject_type": "bench_event",  # not a claim timeline row: verify checks the chain only
        "subject_id": str(1_000_000 + i),
        "data": {
            "claim_id": 10_000 + i // 5,
            "kind": "assess",
            "from_status": "under_review",
            "to_status": "assessed",
            "reason": "Invoices match the discharge summary / 发票与出院小结一致",
            "data": {"assessed_amount": "4321.50", "lines": 3},
        },
    }


def run(target: Target, args: argparse.Namespace) -> Result:
    count = args.ledger_entries
    entries = [_entry(i) for i in range(count)]
    engine = target.container.engine
    with engine.connect() as connection:
        start_seq = connection.execute(select(func.max(AuditEntry.seq))).scalar() or 0
    bodies = [
        canonical({"seq": start_seq + i + 1, **e, "prev_hash": "0" * 64}).encode()
        for i, e in enumerate(entries)
    ]

    started = perf_counter()
    for body in bodies:
        hashlib.sha256(body).hexdigest()
    baseline = perf_counter() - started

    started = perf_counter()
    for first in range(0, count, BATCH):
        with engine.begin() as connection:
            for entry in entries[first : first + BATCH]:
                service.append(connection, **entry)
    appended = perf_counter() - started

    started = perf_counter()
    with target.container.sessions() as session:
        verdict = service.verify(session)
    verified = perf_counter() - started
    assert verdict.ok, verdict.reason

    sha_rate = rate(count, baseline)
    append_rate, verify_rate = rate(count, appended), rate(verdict.entries, verified)
    summary = {
        "ledger append (entries/s)": fmt_rate(append_rate),
        "ledger verify (entries/s)": fmt_rate(verify_rate),
        "sha256 same bytes (entries/s)": fmt_rate(sha_rate),
    }
    markdown = "\n".join(
        [
            f"N = {count:,} entries appended ({BATCH} a transaction), ledger of "
            f"{verdict.entries:,} entries verified.",
            "",
            "| measure | entries/s | vs. sha256 alone |",
            "| --- | ---: | ---: |",
            f"| sha256 over the same canonical bytes | {fmt_rate(sha_rate)} | 1 |",
            f"| append (read head, hash, insert) | {fmt_rate(append_rate)} | "
            f"1/{sha_rate / append_rate:,.0f} |",
            f"| verify (read, rehash, relink) | {fmt_rate(verify_rate)} | "
            f"1/{sha_rate / verify_rate:,.0f} |",
        ]
    )
    return Result(summary, markdown)
