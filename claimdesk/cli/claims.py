"""``claimdesk claims ...``: bulk import of claims from a partner or legacy feed."""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from claimdesk.bootstrap import Container, upgrade_database
from claimdesk.claims import imports
from claimdesk.claims.enums import Channel
from claimdesk.claims.models import Claim
from claimdesk.cli.context import container_of
from claimdesk.config import Settings
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import ClaimDeskError
from claimdesk.fraud import service as fraud
from claimdesk.fraud.evidence import StoredDocuments
from claimdesk.security.enums import Role
from claimdesk.security.service import SYSTEM, Actor, find_user

app = typer.Typer(help="Claims: bulk import from partner and legacy feeds.", no_args_is_help=True)
console = Console(stderr=True)

BATCH = 100  # rows a transaction: a crash loses at most one batch, which a re-run takes
RESULT_COLUMNS = ("row", "claim_id", "claim_number", "status", "reason")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(2)


def read_feed(path: Path, mapping: imports.FeedMapping) -> list[dict[str, str]]:
    """The feed's data rows (header not counted); refuses a feed without the key columns."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or ())
        needed = {mapping.claim_ref, mapping.policy_ref}
        needed |= {*vars(mapping.reported).values(), *vars(mapping.incident).values()}
        missing = sorted(needed - header)
        if missing:
            raise _fail(f"{path}: the feed has no column {', '.join(missing)}")
        return [{k: (v or "") for k, v in row.items() if k} for row in reader]


def _batches(rows: list[dict[str, str]], size: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    iterator = iter(enumerate(rows, start=1))
    while batch := list(islice(iterator, size)):
        yield batch


def import_feed(
    container: Container,
    rows: list[dict[str, str]],
    *,
    title: str,
    import_one: Callable[[Session, int, dict[str, str]], imports.RowResult],
) -> tuple[list[imports.RowResult], float]:
    """Each data row (numbered from 1) through ``import_one``, ``BATCH`` rows a transaction,
    with a progress bar; the results and the seconds it took."""
    results: list[imports.RowResult] = []
    started = time.perf_counter()
    with Progress(
        TextColumn(f"[bold]{title}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("rows", total=len(rows))
        for batch in _batches(rows, BATCH):
            with unit_of_work(container.sessions) as session:
                results.extend(import_one(session, number, row) for number, row in batch)
            progress.advance(task, len(batch))
    return results, time.perf_counter() - started


def print_counts(title: str, results: list[imports.RowResult]) -> None:
    """A table of the rows by status, then the first rejected ones with their reasons."""
    counts = Counter(r.status for r in results)
    table = Table(title=title)
    table.add_column("status")
    table.add_column("rows", justify="right")
    for status in imports.RowStatus:
        table.add_row(status.value, f"{counts.get(status, 0):,}")
    Console().print(table)
    for result in [r for r in results if r.status == imports.RowStatus.REJECTED][:10]:
        typer.echo(f"  row {result.row}: {result.reason}")


def write_results(path: Path, results: list[imports.RowResult]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(RESULT_COLUMNS)
        for r in results:
            writer.writerow(
                [
                    r.row,
                    "" if r.claim_id is None else r.claim_id,
                    r.claim_number or "",
                    r.status.value,
                    r.reason,
                ]
            )


def scorer(settings: Settings) -> Callable[[Session, Claim, datetime], None]:
    """The score a report gets from the job after its commit, given at once: an import is
    not waited on by a person (the job then finds the same score and adds nothing)."""

    def score(session: Session, claim: Claim, now: datetime) -> None:
        fraud.assess_claim(
            session,
            claim_id=claim.id,
            now=now,
            settings=settings,
            evidence=StoredDocuments(),
            trigger="reported",
        )

    return score


def _actor(session: Session, user: str | None) -> Actor:
    if user is None:
        return SYSTEM
    account = find_user(session, username=user)
    return Actor(user_id=account.id, role=Role(account.role), customer_id=account.customer_id)


@app.command("import")
def import_claims(
    ctx: typer.Context,
    product: Annotated[str, typer.Option("--product", help="Product code, e.g. MOTOR-COMP.")],
    data: Annotated[
        Path,
        typer.Option("--data", exists=True, dir_okay=False, help="The feed: CSV, header row."),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            dir_okay=False,
            help="RESULTS.csv: row, claim_id, claim_number, status, reason.",
        ),
    ],
    user: Annotated[
        str | None, typer.Option(help="Staff user recorded as the one who reported them.")
    ] = None,
    channel: Annotated[Channel, typer.Option(help="Channel recorded on the claims.")] = Channel.API,
) -> None:
    """Load claims from a partner or legacy feed through the normal intake and scoring.

    Each row becomes a claim on the policy it names; a policy (with its holder) the feed
    mentions for the first time is created. The feed's columns map onto the product by
    claimdesk/claims/feed_mappings/<PRODUCT>.toml (see docs/fraud-model.md). Running it
    again creates nothing twice: each row answers created, already_present or rejected,
    one line per data row in RESULTS.csv.
    """
    container = container_of(ctx)
    upgrade_database(container)
    try:
        mapping = imports.mapping_for(product)
    except ClaimDeskError as exc:
        raise _fail(exc.message) from exc
    rows = read_feed(data, mapping)
    settings = container.settings
    try:
        with unit_of_work(container.sessions) as session:
            actor = _actor(session, user)
        after_intake = scorer(settings)

        def import_one(session: Session, number: int, row: dict[str, str]) -> imports.RowResult:
            result, _claim = imports.import_row(
                session,
                actor=actor,
                mapping=mapping,
                row_number=number,
                row=row,
                channel=channel,
                settings=settings,
                after_intake=after_intake,
            )
            return result

        results, seconds = import_feed(container, rows, title=product, import_one=import_one)
    except ClaimDeskError as exc:
        raise _fail(exc.message) from exc
    write_results(out, results)
    print_counts(f"{product}: {len(rows):,} rows from {data.name} in {seconds:.1f} s", results)
    typer.echo(f"Results, one line per row: {out}")
