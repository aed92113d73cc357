"""``claimdesk generate`` (bulk data for scale tests and benchmarks) and ``claimdesk
simulate capacity`` (SLA breaches of an arrival stream against a staffing plan)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from claimdesk.bootstrap import Container, build, upgrade_database
from claimdesk.config import get_settings

console = Console(stderr=True)
simulate_app = typer.Typer(help="What-if simulations.", no_args_is_help=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="SQLAlchemy URL; default CLAIMDESK_DATABASE_URL or the SQLite file."
    ),
]


def generate_command(
    claims: Annotated[int, typer.Option(min=1, help="How many claims to add.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = (
        20261125
    ),
    database_url: DatabaseOption = None,
) -> None:
    """Add N realistic claims with customers, policies, timelines, documents and tickets."""
    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    container = build(settings)
    try:
        _generate(container, claims=claims, seed=seed)
    finally:
        container.engine.dispose()


def _generate(container: Container, *, claims: int, seed: int) -> None:
    from claimdesk.scale.generator import generate

    upgrade_database(container)
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]claims"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("claims", total=claims)
        summary = generate(
            container.engine,
            claims=claims,
            seed=seed,
            progress=lambda done: progress.advance(task, done),
        )
    seconds = time.perf_counter() - started
    rows = sum(summary.rows.values())
    typer.echo(
        f"Added {claims:,} claims ({rows:,} rows) to "
        f"{container.engine.url.render_as_string()} in {seconds:.0f} s "
        f"({claims / seconds:,.0f} claims/s)."
    )
    for table, count in summary.rows.items():
        typer.echo(f"  {table:<20} {count:>12,}")


@simulate_app.command("capacity")
def simulate_capacity(
    arrivals: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="CSV: at, kind[, channel, priority, customer_tier]."
        ),
    ] = None,
    catastrophe_week: Annotated[
        date | None,
        typer.Option(
            formats=["%Y-%m-%d"], help="Instead of a CSV: a catastrophe week from this day."
        ),
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="Staffing plan TOML (default: the shipped one)."
        ),
    ] = None,
    chart: Annotated[Path | None, typer.Option(help="Write an SVG chart here.")] = None,
) -> None:
    """Replay claims and tickets against a staffing plan: which SLAs breach, and when."""
    from claimdesk.core.errors import ClaimDeskError
    from claimdesk.scale import capacity
    from claimdesk.support.sla import load_config

    config = load_config()
    try:
        if arrivals is not None:
            stream = capacity.read_arrivals(arrivals)
        elif catastrophe_week is not None:
            stream = capacity.catastrophe_week(catastrophe_week, timezone=config.timezone)
        else:
            raise typer.BadParameter("give --arrivals FILE or --catastrophe-week YYYY-MM-DD")
        staffing = capacity.load_plan(plan, timezone=config.timezone)
        result = capacity.simulate(stream, staffing, config)
    except ClaimDeskError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    first = result.first_breach_by_kind()
    typer.echo(f"{len(result.outcomes):,} arrivals, {len(result.breaches()):,} SLA breaches.")
    for kind, (items, breached) in result.counts_by_kind().items():
        when = f", first due {first[kind]:%Y-%m-%d %H:%M} UTC" if kind in first else ""
        typer.echo(f"  {kind:<20} {items:>6,} items {breached:>6,} breached{when}")
    if chart is not None:
        capacity.chart(result, chart)
        typer.echo(f"Chart: {chart}")
