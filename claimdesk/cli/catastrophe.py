"""``claimdesk catastrophe ...``: declare an event, load its claims from a CSV file, show
its prioritised queue."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from claimdesk.bootstrap import upgrade_database
from claimdesk.catastrophe import service
from claimdesk.catastrophe.enums import Outcome, Peril
from claimdesk.catastrophe.schemas import EventIn, RowResult
from claimdesk.claims.enums import Channel
from claimdesk.cli.context import container_of
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import ClaimDeskError
from claimdesk.security.enums import Role
from claimdesk.security.service import SYSTEM, Actor, find_user

app = typer.Typer(help="Catastrophe mode: events, bulk intake, queues.", no_args_is_help=True)
console = Console(stderr=True)

BATCH = 100  # rows a transaction: a crash loses at most one batch, which a re-run takes
COLUMNS = (
    "external_ref",
    "policy_number",
    "claim_type",
    "incident_date",
    "incident_location",
    "description",
    "claimed_amount",
    "currency",
    "loss_lines",
    "channel",
    "bank_account_id",
)


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(2)


def _loss_lines(cell: str) -> list[dict[str, str]]:
    """``description=amount; description=amount`` as loss lines (what is not of that form
    is passed on as is, for the row to be rejected with the reason)."""
    lines = []
    for part in filter(None, (p.strip() for p in cell.split(";"))):
        description, sep, amount = part.rpartition("=")
        lines.append(
            {"description": description.strip(), "amount": amount.strip()}
            if sep
            else {"description": part}
        )
    return lines


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The CSV's rows as (line number, fields); empty cells are left out."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        unknown = set(reader.fieldnames or ()) - set(COLUMNS)
        if unknown:
            raise typer.BadParameter(
                f"unknown columns {', '.join(sorted(unknown))}; columns: {', '.join(COLUMNS)}"
            )
        for row in reader:
            fields: dict[str, Any] = {k: v.strip() for k, v in row.items() if k and v and v.strip()}
            if "loss_lines" in fields:
                fields["loss_lines"] = _loss_lines(fields["loss_lines"])
            yield reader.line_num, fields


def _write_rejected(path: Path, rows: dict[int, dict[str, Any]], rejected: list[RowResult]) -> None:
    """The rejected rows with their line and reason: the reason in English (the file's
    columns are a contract; the API's ``text`` says it in the reader's language)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "reason", *COLUMNS])
        for result in rejected:
            row = rows[result.line]
            lines = row.get("loss_lines")
            if isinstance(lines, list):
                row = {
                    **row,
                    "loss_lines": "; ".join(
                        f"{x.get('description', '')}={x.get('amount', '')}" for x in lines
                    ),
                }
            writer.writerow([result.line, result.reason, *(row.get(c, "") for c in COLUMNS)])


@app.command("declare")
def declare(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="e.g. TY-2026-HAIKUI")],
    name_zh: Annotated[str, typer.Option(help="Chinese name, e.g. 台风海葵.")],
    name_en: Annotated[str, typer.Option(help="English name, e.g. Typhoon Haikui.")],
    peril: Annotated[Peril, typer.Option(help="What happened.")],
    region: Annotated[str, typer.Option(help="Where, e.g. 浙江 Zhejiang.")],
    started: Annotated[
        datetime,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M%z"], help="e.g. 2026-09-03T06:00+08:00"
        ),
    ],
) -> None:
    """Declare a catastrophe event (its claims can then be loaded in bulk)."""
    container = container_of(ctx)
    upgrade_database(container)
    try:
        data = EventIn(
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            peril=peril,
            region=region,
            started_at=started,
        )
        with unit_of_work(container.sessions) as session:
            event = service.declare_event(
                session, actor=SYSTEM, data=data, now=container.clock.now()
            )
            typer.echo(f"Declared {event.code} (id {event.id}): {event.name_zh} / {event.name_en}.")
    except ValidationError as exc:
        raise _fail(exc.errors()[0]["msg"]) from exc
    except ClaimDeskError as exc:
        raise _fail(exc.message) from exc


@app.command("intake")
def intake(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The event's code.")],
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV, UTF-8, header row.")
    ],
    user: Annotated[str, typer.Option(help="Staff user recorded as the clerk who reported them.")],
    channel: Annotated[
        Channel, typer.Option(help="Channel of rows that name none.")
    ] = Channel.PHONE,
    rejected: Annotated[
        Path | None,
        typer.Option(help="Where to write the rejected rows (default FILE.rejected.csv)."),
    ] = None,
) -> None:
    """Report every row of the CSV as a claim of the event, through the normal intake.

    Columns: external_ref, policy_number, claim_type, incident_date (YYYY-MM-DD),
    description, claimed_amount or loss_lines ("text=amount; text=amount"), and optionally
    incident_location, currency, channel, bank_account_id. Running it again on the same
    file creates nothing twice: each row answers created, already present or rejected.
    """
    container = container_of(ctx)
    upgrade_database(container)
    rows = dict(read_rows(file))
    results: list[RowResult] = []
    started = time.perf_counter()
    try:
        with unit_of_work(container.sessions) as session:
            account = find_user(session, username=user)
            actor = Actor(
                user_id=account.id, role=Role(account.role), customer_id=account.customer_id
            )
            event = service.event_by_code(session, actor=actor, code=code)
        with Progress(
            TextColumn(f"[bold]{event.code}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("rows", total=len(rows))
            for batch in _batches(list(rows.items()), BATCH):
                with unit_of_work(container.sessions) as session:
                    results += service.intake(
                        session,
                        actor=actor,
                        event_id=event.id,
                        rows=batch,
                        channel=channel,
                        now=container.clock.now(),
                        settings=container.settings,
                    )
                progress.advance(task, len(batch))
    except ClaimDeskError as exc:
        raise _fail(exc.message) from exc
    seconds = time.perf_counter() - started
    report = service.intake_report(event, results)
    rate = len(rows) / max(seconds, 1e-9)
    table = Table(title=f"{event.code}: {len(rows):,} rows in {seconds:.1f} s ({rate:,.0f} rows/s)")
    table.add_column("outcome")
    table.add_column("rows", justify="right")
    table.add_row("created", f"{report.created:,}")
    table.add_row("already present", f"{report.already_present:,}")
    table.add_row("rejected", f"{report.rejected:,}")
    Console().print(table)
    bad = [r for r in results if r.outcome == Outcome.REJECTED]
    if bad:
        out = rejected or file.with_suffix(".rejected.csv")
        _write_rejected(out, rows, bad)
        for result in bad[:10]:
            typer.echo(f"  line {result.line}: {result.reason}")
        typer.echo(f"Rejected rows with their line and reason: {out}")


@app.command("queue")
def queue(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The event's code.")],
    lane: Annotated[str | None, typer.Option(help="Only this lane.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    include_done: Annotated[bool, typer.Option("--all", help="Also finished claims.")] = False,
) -> None:
    """The event's claims in working order: priority, then the earliest report."""
    container = container_of(ctx)
    upgrade_database(container)
    try:
        with unit_of_work(container.sessions) as session:
            event = service.event_by_code(session, actor=SYSTEM, code=code)
            items = service.queue(
                session,
                actor=SYSTEM,
                event_id=event.id,
                lane=lane,
                include_done=include_done,
                limit=limit,
            )
    except ClaimDeskError as exc:
        raise _fail(exc.message) from exc
    table = Table(title=f"{event.code} {event.name_zh} / {event.name_en}")
    for column in ("priority", "lane", "claim", "status", "amount", "why"):
        table.add_column(column, overflow="fold")
    for item in items:
        table.add_row(
            str(item.priority),
            item.lane,
            item.claim_number,
            item.status,
            f"{item.currency} {item.claimed_amount:,.2f}",
            "; ".join(item.reasons_en),
        )
    Console(width=160).print(table)
