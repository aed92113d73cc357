"""Money facts: the statements a request's ledger entries cost, and how reconciling the
claims' money columns and payments with the facts grows with the number of claims.

Measured, in this order:

1. append: the ledger entries of one request (1, 4 and 16 entries: a report writes 2, an
   approval with a waiver 4) appended in one transaction by
   :func:`claimdesk.audit.service.append_many`, statements counted; baseline: one entry;
2. reconcile: :func:`claimdesk.audit.rules.reconcile_money` over N, 2N and 4N synthetic
   settled claims (two money facts and one payment each, rows matching), in memory: the
   work ``audit verify`` adds after its three queries. Baseline: building the same rows.

Time is ``time.perf_counter`` wall time; nothing is asserted about it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import timedelta
from time import perf_counter
from typing import Any

from bench.common import BENCH_NOW, SqlMeter, Target, fmt_rate, rate
from claimdesk.audit import service
from claimdesk.audit.rules import MONEY_SUBJECT, reconcile_money

TITLE = "Money facts in the ledger"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Money facts")
    group.add_argument(
        "--money-claims", type=int, default=50_000, metavar="N", help="claims reconciled (50000)"
    )


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def _entry(i: int) -> dict[str, Any]:
    return {
        "at": BENCH_NOW + timedelta(seconds=i),
        "actor_id": None,
        "actor_role": "system",
        "action": "bench.money",
        "subject_type": "bench_money",  # not a claim: verify does not reconcile it
        "subject_id": str(i),
        "data": {"amount": "100.00", "currency": "CNY", "account": f"claim:{i}"},
    }


def _rows(count: int) -> tuple[list[Any], list[Any], list[Any]]:
    entries, claims, payments = [], [], []
    for claim_id in range(1, count + 1):
        state = {
            "claimed_amount": "900.00",
            "assessed_amount": "900.00",
            "approved_amount": "900.00",
            "paid_amount": "0.00",
        }
        payment = {
            "reference": f"PAY{claim_id:08d}-01",
            "amount": "900.00",
            "currency": "CNY",
            "bank_account_id": claim_id,
            "paid_by_id": 3,
        }
        entries.append((2 * claim_id, claim_id, {"state": state}))
        paid = {**state, "paid_amount": "900.00"}
        entries.append((2 * claim_id + 1, claim_id, {"state": paid, "payment": payment}))
        claims.append((claim_id, f"CLM{claim_id:08d}", paid))
        payments.append((claim_id, payment))
    return entries, claims, payments


def run(target: Target, args: argparse.Namespace) -> Result:
    engine = target.container.engine
    meter = SqlMeter(engine)
    statements: dict[int, int] = {}
    try:
        for size in (1, 4, 16):
            before, _ = meter.snapshot()
            with engine.begin() as connection:
                service.append_many(connection, [_entry(i) for i in range(size)])
            after, _ = meter.snapshot()
            statements[size] = after - before
    finally:
        meter.close()

    timings: dict[int, tuple[float, float]] = {}
    for factor in (1, 2, 4):
        count = args.money_claims * factor
        started = perf_counter()
        rows = _rows(count)
        built = perf_counter() - started
        started = perf_counter()
        assert reconcile_money(*rows) is None
        timings[count] = (built, perf_counter() - started)

    first = min(timings)
    per_claim = {n: t[1] / n for n, t in timings.items()}
    summary = {
        "statements for 1 / 4 / 16 entries": " / ".join(str(statements[s]) for s in (1, 4, 16)),
        **{
            f"reconcile {n:,} claims (claims/s)": fmt_rate(rate(n, t[1]))
            for n, t in timings.items()
        },
    }
    lines = [
        f"Ledger entries of one request, appended in one transaction ({MONEY_SUBJECT} facts "
        "are ordinary entries):",
        "",
        "| entries | statements | vs. one entry |",
        "| ---: | ---: | ---: |",
        *(
            f"| {size} | {statements[size]} | {statements[size] / statements[1]:.1f}× |"
            for size in (1, 4, 16)
        ),
        "",
        "Reconciling settled claims (two money facts and a payment each) in memory:",
        "",
        "| claims | build the rows (baseline) s | reconcile s | reconcile / baseline | "
        "time per claim vs. the smallest |",
        "| ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {n:,} | {b:.3f} | {r:.3f} | {r / b:.2f} | {per_claim[n] / per_claim[first]:.2f} |"
            for n, (b, r) in timings.items()
        ),
    ]
    return Result(summary, "\n".join(lines))
