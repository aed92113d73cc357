"""``claimdesk analytics export|snapshot``: KPI exports and Parquet snapshots of the facts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, TypedDict

import typer

from claimdesk.analytics import service
from claimdesk.analytics.facts import write_snapshot
from claimdesk.analytics.schemas import Breakdown, ExportFormat
from claimdesk.cli.context import container_of
from claimdesk.core.clock import local_date
from claimdesk.core.db import unit_of_work
from claimdesk.security.service import SYSTEM, Actor

app = typer.Typer(help="KPIs: exports and snapshots.", no_args_is_help=True)


class _Scope(TypedDict):
    """The arguments ``service.kpis`` and ``service.breakdown`` share."""

    actor: Actor
    period_from: date
    period_to: date
    product: str | None
    channel: str | None
    handler: int | None
    now: datetime
    timezone: str
    snapshot: Path | None


@app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or parquet.")] = "csv",
    first: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day (default today).")] = None,
    by: Annotated[
        Breakdown | None, typer.Option(help="One row per product, channel, handler, month...")
    ] = None,
    product: Annotated[str | None, typer.Option(help="Only this product code.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this intake channel.")] = None,
    handler: Annotated[int | None, typer.Option(help="Only this handler (user id).")] = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="Read a snapshot folder instead of the database.")
    ] = None,
) -> None:
    """Write the KPIs of a period (default the last 30 days) as CSV or Parquet."""
    container = container_of(ctx)
    now = container.clock.now()
    period_to = (
        date.fromisoformat(last) if last else local_date(now, container.settings.display_timezone)
    )
    period_from = date.fromisoformat(first) if first else period_to - timedelta(days=29)
    scope: _Scope = {
        "actor": SYSTEM,
        "period_from": period_from,
        "period_to": period_to,
        "product": product,
        "channel": channel,
        "handler": handler,
        "now": now,
        "timezone": container.settings.display_timezone,
        "snapshot": snapshot,
    }
    with unit_of_work(container.sessions) as session:
        report = (
            service.breakdown(session, by=by, **scope) if by else service.kpis(session, **scope)
        )
    out.write_bytes(service.export_bytes(report, fmt))
    typer.echo(f"KPIs {period_from} to {period_to} written to {out} ({fmt}).")


@app.command("snapshot")
def snapshot(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder (default: the one the API reads, in the data dir)."),
    ] = None,
) -> None:
    """Write the fact tables to Parquet for fast dashboards over millions of claims."""
    container = container_of(ctx)
    out = out or service.snapshot_folder(container.settings.data_dir)
    with unit_of_work(container.sessions) as session:
        counts = write_snapshot(
            session,
            out,
            timezone=container.settings.display_timezone,
            now=container.clock.now(),
        )
    typer.echo(", ".join(f"{name}: {n} rows" for name, n in counts.items()) + f" in {out}")
