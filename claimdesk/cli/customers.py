"""``claimdesk customers segment|accrue-points``."""

from __future__ import annotations

from typing import Annotated

import typer

from claimdesk.cli.context import container_of
from claimdesk.core.db import unit_of_work
from claimdesk.customers import loyalty, segments
from claimdesk.security.service import SYSTEM

app = typer.Typer(help="Customers: behaviour segments and loyalty points.", no_args_is_help=True)


@app.command("segment")
def segment(
    ctx: typer.Context,
    count: Annotated[
        int, typer.Option("--segments", min=1, max=12, help="How many segments.")
    ] = segments.DEFAULT_SEGMENTS,
) -> None:
    """(Re)compute the behaviour segments of all customers and print them explained."""
    container = container_of(ctx)
    with unit_of_work(container.sessions) as session:
        run = segments.recompute(session, actor=SYSTEM, now=container.clock.now(), segments=count)
    typer.echo(f"{run.customers} customers, {run.method}:")
    for found in run.segments:
        typer.echo(f"- {found['name_en']} / {found['name_zh']} ({found['size']} customers)")
        typer.echo(f"  {found['explanation_en']}")


@app.command("accrue-points")
def accrue_points(ctx: typer.Context) -> None:
    """Earn the tenure and renewal points that are due (also runs daily in the worker)."""
    container = container_of(ctx)
    with unit_of_work(container.sessions) as session:
        made = loyalty.accrue(
            session, now=container.clock.now(), timezone=container.settings.display_timezone
        )
    typer.echo(f"{made} loyalty entries earned.")
