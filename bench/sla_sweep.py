"""SLA sweep: the periodic job over N open tickets vs. a plain SELECT of the same clock rows.

Setup (not timed): one customer, a team with a lead and a supervisor, and N open web
consultations (default 100,000), each with its 20-minute first-response clock on office
hours, written with SQLAlchemy Core executemany. Their start times are spread evenly over
the 30 minutes before the sweep, so at the sweep about half are on track, a sixth at risk
(the owner is warned) and a third breached (escalated to the lead, the oldest also to the
supervisor): the work a sweep meets after a half-hour outage.

Measured, in this order, each once:

1. baseline: ``SELECT`` of every running clock row (Core, all columns, fetched);
2. sweep 1: :func:`claimdesk.support.clocks.sweep` at that moment, in one transaction,
   committed: it reads only the clocks whose ``next_check_at`` has come (indexed), records
   the state changes and escalations as events and moves each clock's next check;
3. sweep 2: the same moment again (idempotence: nothing left to do);
4. sweep 3: five minutes later (the steady state of a once-a-minute job, five runs' worth).

Time is ``time.perf_counter`` wall time; nothing is asserted about it.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import perf_counter

from sqlalchemy import func, insert, select

from bench.common import BENCH_NOW, SqlMeter, Target, fmt_rate, rate
from claimdesk.core.db import unit_of_work
from claimdesk.customers.schemas import CustomerIn
from claimdesk.customers.service import create_customer
from claimdesk.security.enums import Role
from claimdesk.security.service import create_user
from claimdesk.support import clocks, sla
from claimdesk.support.enums import CONSULTATION, SlaMetric, SlaState, TicketStatus
from claimdesk.support.models import SlaClock, SlaEvent, Team, Ticket

TITLE = "SLA sweep"
SPREAD = timedelta(minutes=30)
_serial = itertools.count(1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("SLA sweep")
    group.add_argument(
        "--sla-tickets", type=int, default=100_000, metavar="N", help="open tickets (100000)"
    )
    group.add_argument("--sla-chunk", type=int, default=5000, help="rows an insert (5000)")


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def _setup(target: Target, count: int, chunk: int) -> None:
    container = target.container
    n = next(_serial)
    with unit_of_work(container.sessions) as session:
        customer = create_customer(
            session,
            data=CustomerIn(name=f"基准客户{n}", id_number=f"SLA{n:08d}", phone="13800000000"),
            now=BENCH_NOW,
        )
        users = [
            create_user(
                session,
                hasher=container.hasher,
                username=f"bench-sla-{role.value}-{n}-{i}",
                password="bench-password-1",
                role=role,
                now=BENCH_NOW,
            )
            for i, role in enumerate((Role.AGENT, Role.SUPERVISOR, Role.AGENT, Role.AGENT))
        ]
        team = Team(
            code=f"bench-{n}",
            name="Bench",
            kinds=[CONSULTATION],
            lead_id=users[0].id,
            supervisor_id=users[1].id,
            created_at=BENCH_NOW,
        )
        session.add(team)
        session.flush()
        customer_id, team_id, agents = customer.id, team.id, [users[2].id, users[3].id]
        first_id = (session.scalar(select(func.max(Ticket.id))) or 0) + 1

    config = sla.load_config()
    [spec] = config.targets_for(CONSULTATION, channel="web", customer_tier="standard")
    hours = config.calendars[spec.calendar]
    engine = container.engine
    for start in range(0, count, chunk):
        tickets, clock_rows = [], []
        for i in range(start, min(start + chunk, count)):
            created = BENCH_NOW - SPREAD * (i / count)
            ticket_id = first_id + i
            tickets.append(
                {
                    "id": ticket_id,
                    "number": f"BENCH{n}-{i:07d}",
                    "kind": CONSULTATION,
                    "channel": "web",
                    "subject": "基准咨询",
                    "customer_id": customer_id,
                    "status": TicketStatus.NEW,
                    "priority": "normal",
                    "customer_tier": "standard",
                    "owner_id": agents[i % 2],
                    "team_id": team_id,
                    "version": 1,
                    "created_at": created,
                    "new_at": created,
                }
            )
            plan = sla.schedule(
                hours,
                running_since=created,
                target_seconds=spec.seconds,
                elapsed_seconds=0,
                warn_at=config.warn_at,
                supervisor_after=config.supervisor_after,
            )
            clock_rows.append(
                {
                    "ticket_id": ticket_id,
                    "team_id": team_id,
                    "kind": CONSULTATION,
                    "metric": SlaMetric.FIRST_RESPONSE,
                    "calendar": spec.calendar,
                    "target_seconds": spec.seconds,
                    "elapsed_seconds": 0,
                    "started_at": created,
                    "running_since": created,
                    "warn_at": plan.warn_at,
                    "due_at": plan.due_at,
                    "supervisor_at": plan.supervisor_at,
                    "next_check_at": plan.warn_at,
                    "state": SlaState.ON_TRACK,
                    "escalation_level": 0,
                }
            )
        with engine.begin() as connection:
            connection.execute(insert(Ticket), tickets)
            connection.execute(insert(SlaClock), clock_rows)


def _baseline(target: Target) -> tuple[float, int]:
    started = perf_counter()
    with target.container.engine.connect() as connection:
        rows = connection.execute(
            select(SlaClock.__table__).where(SlaClock.stopped_at.is_(None))
        ).fetchall()
    return perf_counter() - started, len(rows)


@dataclass
class Sweep:
    label: str
    seconds: float
    result: clocks.SweepResult
    statements: int


def _sweep(target: Target, label: str, now: datetime, sql: SqlMeter) -> Sweep:
    before, _ = sql.snapshot()
    started = perf_counter()
    with unit_of_work(target.container.sessions) as session:
        result = clocks.sweep(session, now=now)
    seconds = perf_counter() - started
    return Sweep(label, seconds, result, sql.snapshot()[0] - before)


def run(target: Target, args: argparse.Namespace) -> Result:
    count = args.sla_tickets
    print(f"  setup: {count} open tickets with clocks ...")
    started = perf_counter()
    _setup(target, count, args.sla_chunk)
    setup_seconds = perf_counter() - started
    sql = SqlMeter(target.container.engine)
    try:
        print("  baseline SELECT ...")
        baseline_seconds, rows = _baseline(target)
        print("  sweeps ...")
        sweeps = [
            _sweep(target, "sweep 1: after a 30-minute outage", BENCH_NOW, sql),
            _sweep(target, "sweep 2: same moment again", BENCH_NOW, sql),
            _sweep(target, "sweep 3: five minutes later", BENCH_NOW + timedelta(minutes=5), sql),
        ]
    finally:
        sql.close()
    with target.container.sessions() as session:
        events = session.scalar(select(func.count()).select_from(SlaEvent))
    first = sweeps[0]
    ratio = first.seconds / baseline_seconds if baseline_seconds else float("nan")
    summary = {
        "database": target.label,
        "open tickets": f"{count:,}",
        "clocks acted on (sweep 1)": f"{first.result.checked:,}",
        "sweep 1 s": f"{first.seconds:.2f}",
        "plain SELECT s": f"{baseline_seconds:.3f}",
        "ratio sweep / SELECT": f"{ratio:.1f}",
        "idempotent re-run s": f"{sweeps[1].seconds:.3f}",
    }
    lines = [
        f"#### {target.label}",
        "",
        f"`{target.url}` — {count:,} open tickets (setup {setup_seconds:.1f} s, not timed); "
        f"baseline SELECT returned {rows:,} clock rows.",
        "",
        "| measurement | seconds | clocks checked | warned | breached | escalations "
        "| SQL statements | clocks/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| baseline: plain SELECT of the running clocks | {baseline_seconds:.3f} | {rows:,} "
        f"| | | | 1 | {fmt_rate(rate(rows, baseline_seconds))} |",
        *(
            f"| {s.label} | {s.seconds:.3f} | {s.result.checked:,} | {s.result.warned:,} "
            f"| {s.result.breached:,} | {s.result.escalated:,} | {s.statements:,} "
            f"| {fmt_rate(rate(s.result.checked, s.seconds)) if s.result.checked else '-'} |"
            for s in sweeps
        ),
        "",
        f"**Ratio sweep 1 / plain SELECT: {ratio:.1f}** (the sweep reads only the "
        f"{first.result.checked:,} clocks due for a check, but writes an event for each change "
        f"and updates each clock). SLA events written in all: {events:,}.",
    ]
    return Result(summary, "\n".join(lines))
