"""KPI dashboard: the KPI report over N claims vs. a plain ``COUNT(*)`` of the same table.

Setup (not timed): S realistic claims (default 50,000) with their customers, policies,
timelines, payments and tickets from the bulk generator (``claimdesk generate``,
:mod:`claimdesk.scale.generator`), three years of history up to the bench's "now"; then
the claims and tickets are copied in SQL (``INSERT ... SELECT`` with shifted ids) until
there are N claims (default 1,000,000). The copies keep the generated dates, amounts,
channels and outcomes, so every KPI has the same work per row as on N generated claims;
the generator itself writes about 250 claims a second on this machine, too slow to make
a million for each run.

Measured, each once, in this order (wall time, ``time.perf_counter``):

1. baseline: ``SELECT count(*) FROM claims``;
2. live, last 30 days: :func:`claimdesk.analytics.service.kpis` for the dashboard's default
   period, the facts read from the database with the period pushed into the SQL;
3. live, all time: the same over the whole history (every claim, ticket, clock, survey);
4. snapshot: :func:`claimdesk.analytics.facts.write_snapshot`, every fact table to Parquet;
5. snapshot, all time: the KPI report read by DuckDB from the Parquet files;
6. snapshot, by month: the month-by-month breakdown (chart series) from the Parquet files.

The ratio column divides by the baseline. Nothing is asserted about the times.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import Engine, Table, delete, func, insert, select

from bench.common import BENCH_NOW, Target
from claimdesk.analytics import service
from claimdesk.analytics.facts import write_snapshot
from claimdesk.claims.models import Claim
from claimdesk.core.clock import local_date
from claimdesk.scale.generator import generate
from claimdesk.security.service import SYSTEM
from claimdesk.support.models import Ticket

TITLE = "KPI dashboard"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("KPI dashboard")
    group.add_argument(
        "--kpi-claims", type=int, default=1_000_000, metavar="N", help="claims (1000000)"
    )
    group.add_argument(
        "--kpi-seed-claims", type=int, default=50_000, metavar="S", help="generated (50000)"
    )


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def _copy(connection, table: Table, offsets: dict[str, int], unique: str, copy: int) -> None:
    """One more copy of every original row of ``table``: ids shifted, unique text suffixed."""
    columns = []
    for column in table.columns:
        if column.name in offsets:
            columns.append((column + offsets[column.name] * copy).label(column.name))
        elif column.name == unique:
            columns.append((column + f"-{copy}").label(column.name))
        else:
            columns.append(column)
    originals = select(*columns).where(table.c.id <= offsets["id"])
    connection.execute(insert(table).from_select([c.name for c in table.columns], originals))


def _replicate(engine: Engine, claims: int) -> None:
    """Copy the generated claims and their tickets until there are ``claims`` claims."""
    with engine.begin() as connection:
        seed = connection.scalar(select(func.max(Claim.id)))
        tickets = connection.scalar(select(func.max(Ticket.id))) or 0
        copies = -(-claims // seed) - 1
        for copy in range(1, copies + 1):
            _copy(connection, Claim.__table__, {"id": seed}, "number", copy)
            if tickets:
                ticket_offsets = {"id": tickets, "claim_id": seed}
                _copy(connection, Ticket.__table__, ticket_offsets, "number", copy)
        connection.execute(delete(Ticket).where(Ticket.claim_id > claims))
        connection.execute(delete(Claim).where(Claim.id > claims))


def _timed(action):
    started = perf_counter()
    value = action()
    return value, perf_counter() - started


def run(target: Target, args: argparse.Namespace) -> Result:
    container = target.container
    started = perf_counter()
    seed = min(args.kpi_seed_claims, args.kpi_claims)
    generate(container.engine, claims=seed, now=BENCH_NOW)
    print(f"  generated {seed} claims in {perf_counter() - started:.0f} s")
    started = perf_counter()
    _replicate(container.engine, args.kpi_claims)
    print(f"  copied up to {args.kpi_claims} claims in {perf_counter() - started:.0f} s")
    timezone = container.settings.display_timezone
    today = local_date(BENCH_NOW, timezone)
    everything = {"period_from": today - timedelta(days=3 * 366), "period_to": today}
    recent = {"period_from": today - timedelta(days=29), "period_to": today}
    common = {"actor": SYSTEM, "now": BENCH_NOW, "timezone": timezone}
    rows: list[tuple[str, float, str]] = []
    with container.sessions() as session, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        count, seconds = _timed(lambda: session.scalar(select(func.count()).select_from(Claim)))
        rows.append(("baseline: SELECT count(*) FROM claims", seconds, f"{count} claims"))
        report, seconds = _timed(lambda: service.kpis(session, **common, **recent))
        rows.append(("live, last 30 days", seconds, f"{report.totals.claims_reported} claims"))
        report, seconds = _timed(lambda: service.kpis(session, **common, **everything))
        rows.append(("live, all time", seconds, f"{report.totals.claims_reported} claims"))
        counts, seconds = _timed(
            lambda: write_snapshot(session, folder, timezone=timezone, now=BENCH_NOW)
        )
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        rows.append(("snapshot to Parquet", seconds, f"{sum(counts.values())} rows, {size:.0f} MB"))
        report, seconds = _timed(
            lambda: service.kpis(None, **common, **everything, snapshot=folder)
        )
        rows.append(("snapshot, all time", seconds, f"{report.totals.claims_reported} claims"))
        months, seconds = _timed(
            lambda: service.breakdown(None, by="month", **common, **everything, snapshot=folder)
        )
        rows.append(("snapshot, by month", seconds, f"{len(months.rows)} months"))
    baseline = rows[0][1]
    lines = [
        f"**{target.label}**, {args.kpi_claims:,} claims",
        "",
        "| step | seconds | × baseline | what |",
        "|---|---|---|---|",
        *(f"| {name} | {sec:.3f} | {sec / baseline:.0f} | {what} |" for name, sec, what in rows),
    ]
    summary = {
        "database": target.label,
        "claims": f"{args.kpi_claims:,}",
        "count(*) s": f"{rows[0][1]:.3f}",
        "live 30 days s": f"{rows[1][1]:.2f}",
        "live all time s": f"{rows[2][1]:.2f}",
        "snapshot all time s": f"{rows[4][1]:.2f}",
    }
    return Result(summary, "\n".join(lines))
