"""Fraud scoring: claims scored per second (single and batch) and what a score adds to STP.

Setup (not timed), through the services: accident policies for a few customers with a
verified account, and N small ``accidental_medical`` claims reported by the customers (each
report is scored and routed as in production; most go straight through). Measured:

1. baseline: loading each claim with ``claims.service.get_claim`` (what any view of a
   claim costs), one session per claim;
2. single: ``fraud.service.assess_claim`` per claim, one session per claim (the work the
   event handler does on every report and change: facts from the database + the rules);
3. batch: the facts and rules for all claims in one session (``gather_facts`` + ``assess``);
4. straight-through latency: for fresh claims, ``report_claim`` with scoring, then
   ``route_claim``; the share of that time spent scoring. Since issue 15 a straight-through
   claim is paid only once its papers are read, so routing stops there (the figure is report
   + routing, no longer report -> paid).

Time is ``time.perf_counter`` wall time; nothing is asserted about it.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from decimal import Decimal
from time import perf_counter

from bench.common import BENCH_NOW, Target, fmt_rate, rate
from claimdesk.claims import service as claims
from claimdesk.claims.schemas import ClaimIn
from claimdesk.core.db import unit_of_work
from claimdesk.customers.schemas import BankAccountIn, CustomerIn
from claimdesk.customers.service import create_customer
from claimdesk.fraud import rules
from claimdesk.fraud import service as fraud
from claimdesk.fraud.evidence import StoredDocuments
from claimdesk.policies.schemas import PolicyIn
from claimdesk.policies.service import create_policy
from claimdesk.security.enums import Role
from claimdesk.security.service import SYSTEM, Actor

TITLE = "Fraud scoring"
_serial = itertools.count(1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fraud scoring")
    group.add_argument("--scoring-claims", type=int, default=300, help="default 300")
    group.add_argument("--stp-claims", type=int, default=50, help="default 50")


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def _customer_policy(container) -> tuple[Actor, int, int]:
    n = next(_serial)
    name = f"风控客户{n}"
    with unit_of_work(container.sessions) as session:
        customer = create_customer(
            session,
            data=CustomerIn(
                name=name,
                id_number=f"FRAUD{n:08d}",
                bank_accounts=[
                    BankAccountIn(
                        bank_name="ICBC", account_number=f"6222{n:012d}", holder_name=name
                    )
                ],
            ),
            now=BENCH_NOW,
        )
        policy = create_policy(
            session,
            data=PolicyIn(
                product_code="ACC-PLUS",
                holder_id=customer.id,
                start_date=BENCH_NOW.date().replace(month=1, day=1),
                end_date=BENCH_NOW.date().replace(month=12, day=31),
                sum_insured=Decimal("900000000"),
            ),
            now=BENCH_NOW,
        )
        return (
            Actor(user_id=None, role=Role.CUSTOMER, customer_id=customer.id),
            policy.id,
            customer.bank_accounts[0].id,
        )


def _report(container, actor: Actor, policy_id: int, account_id: int, i: int) -> int:
    with unit_of_work(container.sessions) as session:
        claim, _ = claims.report_claim(
            session,
            actor=actor,
            data=ClaimIn(
                policy_id=policy_id,
                claim_type="accidental_medical",
                incident_date=BENCH_NOW.date().replace(day=1),
                description=f"Sprain {i}",
                claimed_amount=Decimal("300.00") + i % 500,
                bank_account_id=account_id,
            ),
            now=BENCH_NOW,
            settings=container.settings,
        )
        return claim.id


def run(target: Target, args: argparse.Namespace) -> Result:
    container = target.container
    settings = container.settings
    evidence = StoredDocuments()
    holders = [_customer_policy(container) for _ in range(20)]
    ids = [_report(container, *holders[i % len(holders)], i) for i in range(args.scoring_claims)]

    started = perf_counter()
    for claim_id in ids:
        with container.sessions() as session:
            claims.get_claim(session, actor=SYSTEM, claim_id=claim_id)
    baseline = perf_counter() - started

    started = perf_counter()
    for claim_id in ids:
        with unit_of_work(container.sessions) as session:
            fraud.assess_claim(
                session,
                claim_id=claim_id,
                now=BENCH_NOW,
                settings=settings,
                evidence=evidence,
                trigger="bench",
            )
    single = perf_counter() - started

    cfg = rules.config()
    started = perf_counter()
    with container.sessions() as session:
        for claim_id in ids:
            claim = claims.get_claim(session, actor=SYSTEM, claim_id=claim_id)
            rules.assess(
                fraud.gather_facts(session, claim, settings=settings, evidence=evidence, cfg=cfg),
                cfg,
            )
    batch = perf_counter() - started

    # Straight through, measured by hand: report (scored by the handler), then route.
    huey = container.runner.huey
    immediate, huey.immediate = huey.immediate, False  # route explicitly, not after commit
    score_time = stp_time = 0.0
    try:
        for i in range(args.stp_claims):
            actor, policy_id, account_id = _customer_policy(container)
            t0 = perf_counter()
            claim_id = _report(container, actor, policy_id, account_id, i)
            t1 = perf_counter()
            with unit_of_work(container.sessions) as session:
                fraud.assess_claim(
                    session,
                    claim_id=claim_id,
                    now=BENCH_NOW,
                    settings=settings,
                    evidence=evidence,
                    trigger="bench",
                )
            t2 = perf_counter()
            with unit_of_work(container.sessions) as session:
                fraud.route_claim(
                    session,
                    claim_id=claim_id,
                    now=BENCH_NOW,
                    settings=settings,
                    evidence=evidence,
                )
            t3 = perf_counter()
            score_time += t2 - t1
            stp_time += (t1 - t0) + (t3 - t2)
    finally:
        huey.immediate = immediate

    n, m = len(ids), args.stp_claims
    single_ms, stp_ms = 1000 * score_time / m, 1000 * stp_time / m
    summary = {
        "database": target.label,
        "claims": str(n),
        "load only claims/s (baseline)": fmt_rate(rate(n, baseline)),
        "scored claims/s, single": fmt_rate(rate(n, single)),
        "scored claims/s, batch": fmt_rate(rate(n, batch)),
        "single / baseline": f"{single / baseline:.2f}× the time",
        "score ms / STP claim ms": f"{single_ms:.1f} / {stp_ms:.1f} ({single_ms / stp_ms:.0%})",
    }
    markdown = "\n".join(
        [
            f"#### {target.label}",
            "",
            "| measurement | claims | seconds | claims/s |",
            "|---|---:|---:|---:|",
            f"| baseline: load the claim (`get_claim`) | {n} | {baseline:.3f} | "
            f"{fmt_rate(rate(n, baseline))} |",
            f"| single: `assess_claim`, a session each | {n} | {single:.3f} | "
            f"{fmt_rate(rate(n, single))} |",
            f"| batch: facts + rules in one session | {n} | {batch:.3f} | "
            f"{fmt_rate(rate(n, batch))} |",
            "",
            f"Straight-through claims ({m}): report + route to paid takes {stp_ms:.1f} ms a "
            f"claim; one more score of the same claim takes {single_ms:.1f} ms "
            f"({single_ms / stp_ms:.0%} of it).",
        ]
    )
    return Result(summary, markdown)
