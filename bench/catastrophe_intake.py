"""Catastrophe bulk intake: one event's claims taken in bulk, against a raw insert of the
same rows (the baseline, as for batch adjudication).

Setup (not timed), through the services: motor policies (``MOTOR-COMP``) with verified
accounts, an agent, and a hailstorm declared as an event. The rows are vehicle-damage
claims of the storm's first two days, amounts 2,000-60,000; one in five repeats a common
round amount and wording, as call-centre rows do after a storm.

Measured, in this order:

1. bulk intake: :func:`claimdesk.catastrophe.service.intake` over the rows, 100 a
   transaction as ``claimdesk catastrophe intake`` commits them; every row through the
   normal intake (guards, risk score, SLA clock, notification, audit ledger), its triage,
   and the routing job written to the job ledger (run later by a worker, not here);
2. the same rows sent again: every one answers "already present", nothing is created;
3. raw insert: the claim and loss-line rows the intake produced, copied with SQLAlchemy
   Core ``insert()`` executemany in one transaction (the baseline of the ratio).

Time is ``time.perf_counter`` wall time; nothing is asserted about it.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from time import perf_counter
from typing import Any

from bench._http import insured_customers, staff_user
from bench._raw import raw_insert, read_rows
from bench.common import Target, fmt_rate, rate
from claimdesk.catastrophe import service
from claimdesk.catastrophe.enums import Outcome
from claimdesk.catastrophe.schemas import EventIn
from claimdesk.claims.enums import Channel
from claimdesk.core.db import unit_of_work
from claimdesk.policies.models import Policy
from claimdesk.security.enums import Role
from claimdesk.security.service import SYSTEM

TITLE = "Catastrophe bulk intake"
POLICIES = 200
BATCH = 100


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("catastrophe intake")
    group.add_argument(
        "--catastrophe-rows", type=int, default=1000, metavar="N", help="rows (1000)"
    )


def _rows(policy_numbers: list[str], count: int, storm: date) -> list[dict[str, Any]]:
    rng = random.Random(20260903)
    rows = []
    for n in range(count):
        common = n % 5 == 0
        amount = 5000 if common else rng.randrange(2000, 60000)
        rows.append(
            {
                "external_ref": f"HAIL-{n:06d}",
                "policy_number": policy_numbers[n % len(policy_numbers)],
                "claim_type": "vehicle_damage",
                "incident_date": str(storm + timedelta(days=n % 2)),
                "incident_location": "杭州市西湖区 / Xihu, Hangzhou",
                "description": "冰雹砸坏车顶和前挡风玻璃 / Hail dented the roof, cracked windscreen"
                if common
                else f"冰雹损坏车辆 / Hail damage to the vehicle, report {n}",
                "claimed_amount": f"{amount}.00",
            }
        )
    return rows


def _take(target: Target, agent: Any, event_id: int, rows: list[dict[str, Any]]) -> list:
    container = target.container
    results = []
    for start in range(0, len(rows), BATCH):
        numbered = list(enumerate(rows[start : start + BATCH], start=start + 1))
        with unit_of_work(container.sessions) as session:
            results += service.intake(
                session,
                actor=agent,
                event_id=event_id,
                rows=numbered,
                channel=Channel.PHONE,
                now=container.clock.now(),
                settings=container.settings,
            )
    return results


def run(target: Target, args: argparse.Namespace) -> Result:
    container = target.container
    insured = insured_customers(container, POLICIES, "MOTOR-COMP")
    _, agent = staff_user(container, Role.AGENT)
    storm = container.clock.now().date() - timedelta(days=3)
    with unit_of_work(container.sessions) as session:
        numbers = [session.get(Policy, i.policy_id).number for i in insured]
        event = service.declare_event(
            session,
            actor=SYSTEM,
            data=EventIn(
                code=f"HAIL-BENCH-{datetime.now(UTC):%H%M%S}",
                name_zh="冰雹基准",
                name_en="Hailstorm benchmark",
                peril="hail",
                region="浙江 / Zhejiang",
                started_at=datetime.combine(storm, datetime.min.time(), tzinfo=UTC),
            ),
            now=container.clock.now(),
        )
        event_id = event.id
    rows = _rows(numbers, args.catastrophe_rows, storm)

    started = perf_counter()
    first = _take(target, agent, event_id, rows)
    intake_seconds = perf_counter() - started
    created = [r.claim_id for r in first if r.outcome == Outcome.CREATED]
    if len(created) != len(rows):
        rejected = [r.reason for r in first if r.outcome == Outcome.REJECTED][:3]
        raise SystemExit(f"only {len(created)} of {len(rows)} rows were taken: {rejected}")

    started = perf_counter()
    again = _take(target, agent, event_id, rows)
    resend_seconds = perf_counter() - started
    if any(r.outcome != Outcome.ALREADY_PRESENT for r in again):
        raise SystemExit("a re-sent row did not answer 'already present'")

    produced = read_rows(container.engine, created)
    raw_seconds = raw_insert(container.engine, produced, tag="RAW-CAT", everything=False)

    intake_rate = rate(len(rows), intake_seconds)
    resend_rate = rate(len(rows), resend_seconds)
    raw_rate = rate(len(rows), raw_seconds)
    ratio = intake_rate / raw_rate
    print(
        f"  bulk intake {fmt_rate(intake_rate)} rows/s, re-send "
        f"{fmt_rate(resend_rate)}/s, raw insert {fmt_rate(raw_rate)}/s: "
        f"ratio {ratio:.4f}"
    )
    markdown = "\n".join(
        [
            f"On {target.label}: {len(rows):,} rows on {POLICIES} policies, {BATCH} a transaction.",
            "",
            "| measurement | rows | seconds | rows/s |",
            "|---|---:|---:|---:|",
            f"| raw insert: claim + loss line rows (Core executemany, one transaction) "
            f"| {len(rows):,} | {raw_seconds:.3f} | {fmt_rate(raw_rate)} |",
            f"| **bulk intake** (intake, score, triage, ledger, routing job queued) "
            f"| {len(rows):,} | {intake_seconds:.2f} | **{fmt_rate(intake_rate)}** |",
            f"| the same rows sent again (all already present) "
            f"| {len(rows):,} | {resend_seconds:.2f} | {fmt_rate(resend_rate)} |",
            "",
            f"**Ratio bulk intake / raw insert: {ratio:.4f}** (1 : {1 / ratio:,.0f}).",
        ]
    )
    return Result(
        {
            "database": target.label,
            "rows": f"{len(rows):,}",
            "bulk intake rows/s": fmt_rate(intake_rate),
            "re-send rows/s": fmt_rate(resend_rate),
            "raw insert rows/s": fmt_rate(raw_rate),
            "ratio": f"{ratio:.4f}",
        },
        markdown,
    )
