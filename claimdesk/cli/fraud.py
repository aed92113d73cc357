"""``claimdesk fraud train|score|evaluate``: the tabular fraud model on CSV files;
``claimdesk fraud train --from-database``: a product's model on ClaimDesk's own records."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from claimdesk.bootstrap import Container
from claimdesk.cli.context import container_of

app = typer.Typer(help="Fraud model: train, score and evaluate on claims CSV files.")
console = Console(stderr=True)

DataOption = Annotated[
    Path, typer.Option("--data", exists=True, dir_okay=False, help="Claims CSV with a header row.")
]
LabelOption = Annotated[str, typer.Option(help="Label column: 0/1 or Y/N (1/Y = fraud).")]
ExcludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        help="Column to leave out (repeat); unique-per-row columns are left out anyway.",
    ),
]
SelectOption = Annotated[
    bool, typer.Option(help="Drop columns that do not help on the later training rows.")
]
TimeOption = Annotated[
    str | None, typer.Option("--time-column", help="Column giving the period (e.g. Year).")
]


@contextmanager
def _progress(title: str) -> Iterator[Callable[[str], None]]:
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} fits"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(title, total=None)

        def step(message: str) -> None:
            progress.update(task, advance=1, description=f"{title}: {message}")

        yield step


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[red]Error:[/red] {exc}")
    return typer.Exit(2)


@app.command("train")
def train_command(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option("--data", exists=True, dir_okay=False, help="Claims CSV with a header row."),
    ] = None,
    label: Annotated[
        str | None, typer.Option(help="Label column: 0/1 or Y/N (1/Y = fraud).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Model file to write (joblib).")] = None,
    exclude: ExcludeOption = None,
    time_column: TimeOption = None,
    select: SelectOption = True,
    from_database: Annotated[
        bool,
        typer.Option(
            "--from-database",
            help="Train the product's model on ClaimDesk's own claims and their "
            "investigation outcomes, register it and activate it if it beats the active one.",
        ),
    ] = False,
    product: Annotated[
        str | None, typer.Option("--product", help="Product code (with --from-database).")
    ] = None,
    force_activate: Annotated[
        bool, typer.Option("--force-activate", help="Activate the new version even if not better.")
    ] = False,
) -> None:
    """Train a fraud model: on a labelled claims CSV (--data, --label, --out), or on the
    database's claims of one product (--from-database --product CODE)."""
    if from_database:
        if product is None:
            raise _fail(ValueError("--from-database needs --product CODE"))
        _train_from_database(container_of(ctx), product, force_activate)
        return
    if data is None or label is None or out is None:
        raise _fail(ValueError("give --data, --label and --out, or --from-database --product"))
    from claimdesk.fraud.tabular import DataError, file_sha256, read_csv, train

    try:
        frame = read_csv(data)
        with _progress("training") as step:
            model = train(
                frame,
                label=label,
                sha256=file_sha256(data),
                exclude=exclude or [],
                time_column=time_column,
                select=select,
                progress=step,
            )
    except DataError as exc:
        raise _fail(exc) from exc
    model.save(out)
    info = model.describe()
    typer.echo(
        f"Trained on {info['training_rows']} rows ({info['positive_rate']:.1%} positive), "
        f"{len(info['columns'])} columns; left out: "
        f"{', '.join(model.identifiers + info['dropped_by_selection']) or 'none'}. "
        f"Wrote {out}."
    )


def _train_from_database(container: Container, product: str, force_activate: bool) -> None:
    from claimdesk.bootstrap import upgrade_database
    from claimdesk.core.db import unit_of_work
    from claimdesk.core.errors import ClaimDeskError
    from claimdesk.fraud import registry
    from claimdesk.fraud.learned import TrainingError

    upgrade_database(container)
    try:
        with unit_of_work(container.sessions) as session:
            with _progress(f"training {product}"):
                report = registry.train_from_database(
                    session,
                    product_code=product,
                    settings=container.settings,
                    now=container.clock.now(),
                    force_activate=force_activate,
                )
            row = report.model
            summary = {
                "model": row.name,
                "active": report.activated,
                "note": report.note,
                "training_from": row.training_from.isoformat(),
                "training_to": row.training_to.isoformat(),
                "labelled_claims": row.training_rows,
                "file": str(container.settings.data_dir / row.path),
                "metrics": row.metrics,
            }
    except TrainingError as exc:
        raise _fail(exc) from exc
    except ClaimDeskError as exc:
        raise _fail(ValueError(exc.message)) from exc
    typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    state = "activated" if report.activated else "registered, not activated"
    typer.echo(f"{summary['model']}: {state} ({report.note}).")


@app.command("score")
def score_command(
    model: Annotated[Path, typer.Option("--model", exists=True, dir_okay=False)],
    data: DataOption,
    out: Annotated[Path, typer.Option("--out", help="Scores CSV to write.")],
) -> None:
    """Score every row: risk_score (higher = riskier) and the top factors, in input order."""
    from claimdesk.fraud.tabular import DataError, TrainedModel, read_csv, score_frame

    try:
        trained = TrainedModel.load(model)
        frame = read_csv(data)
        with _progress("scoring"):
            scores = score_frame(trained, frame)
    except DataError as exc:
        raise _fail(exc) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out, index=False)
    typer.echo(f"Scored {len(scores)} rows into {out}.")


@app.command("evaluate")
def evaluate_command(
    data: DataOption,
    label: LabelOption,
    report: Annotated[Path, typer.Option("--report", help="Folder for report.md/.html, roc.png.")],
    exclude: ExcludeOption = None,
    time_column: TimeOption = None,
    test_from: Annotated[
        str | None, typer.Option(help="First period of the test set (default: the last one).")
    ] = None,
    capacity: Annotated[
        float, typer.Option(min=0.001, max=1.0, help="Share of claims reviewers can look at.")
    ] = 0.05,
    select: SelectOption = True,
) -> None:
    """ROC-AUC, average precision and precision/recall at capacity, by time and at random."""
    from claimdesk.fraud.evaluation import evaluate, write_report
    from claimdesk.fraud.tabular import DataError, file_sha256, read_csv

    try:
        frame = read_csv(data)
        with _progress("evaluating") as step:
            results = evaluate(
                frame,
                label=label,
                exclude=exclude or [],
                time_column=time_column,
                test_from=test_from,
                capacity=capacity,
                select=select,
                progress=step,
            )
    except DataError as exc:
        raise _fail(exc) from exc
    paths = write_report(
        results, report, source=str(data), sha256=file_sha256(data), capacity=capacity
    )
    typer.echo(json.dumps([r.row() for r in results], indent=2))
    typer.echo(f"Report: {paths['markdown']}, {paths['html']}, {paths['png']}")


@app.command("import-history")
def import_history(
    ctx: typer.Context,
    product: Annotated[str, typer.Option("--product", help="Product code, e.g. MOTOR-COMP.")],
    data: DataOption,
    label: Annotated[
        str, typer.Option("--label", help="Label column: 1/Y = fraud found, 0/N = none.")
    ],
    rejected: Annotated[
        Path | None,
        typer.Option(help="Where to write the rejected rows (default DATA.rejected.csv)."),
    ] = None,
) -> None:
    """Load labelled past claims as ClaimDesk records through the services: the holder, the
    policy with its insured object, the claim with its attributes, taken to its end with the
    investigation outcome the label gives (fraud_confirmed: referred, denied, closed;
    cleared: investigated, assessed, withdrawn as settled in the legacy system).

    The feed's columns map onto the product as for `claimdesk claims import`
    (claimdesk/claims/feed_mappings/<PRODUCT>.toml). Idempotent: a re-run finds every
    claim already present. Rows that cannot be taken go to the rejected-rows file with
    their row number and reason.
    """
    import csv

    from sqlalchemy.orm import Session

    from claimdesk.bootstrap import upgrade_database
    from claimdesk.claims import imports
    from claimdesk.claims.enums import Channel
    from claimdesk.cli.claims import import_feed, print_counts, read_feed, scorer
    from claimdesk.core.errors import ClaimDeskError
    from claimdesk.fraud import history
    from claimdesk.security.service import SYSTEM

    container = container_of(ctx)
    upgrade_database(container)
    try:
        mapping = imports.mapping_for(product)
    except ClaimDeskError as exc:
        raise _fail(exc) from exc
    rows = read_feed(data, mapping)
    if rows and label not in rows[0]:
        raise _fail(ValueError(f"{data}: the feed has no label column {label}"))
    settings = container.settings
    score = scorer(settings)
    quiet = history.history_bus(container.bus)

    def import_one(session: Session, number: int, row: dict[str, str]) -> imports.RowResult:
        session.info["bus"] = quiet
        try:
            outcome = history.outcome_of(row.get(label, ""), label)
        except imports.RowRejected as exc:
            return imports.RowResult(number, imports.RowStatus.REJECTED, reason=exc.reason)
        result, _claim = imports.import_row(
            session,
            actor=SYSTEM,
            mapping=mapping,
            row_number=number,
            row=row,
            channel=Channel.API,
            settings=settings,
            after_intake=history.closer(outcome, settings, first=score),
        )
        return result

    results, seconds = import_feed(
        container, rows, title=f"{product} history", import_one=import_one
    )
    print_counts(f"{product} history: {len(rows):,} rows in {seconds:.1f} s", results)
    bad = [r for r in results if r.status == imports.RowStatus.REJECTED]
    if bad:
        out = rejected or data.with_suffix(".rejected.csv")
        columns = list(rows[0])
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "reason", *columns])
            for result in bad:
                row = rows[result.row - 1]
                writer.writerow([result.row, result.reason, *(row.get(c, "") for c in columns)])
        typer.echo(f"Rejected rows with their row number and reason: {out}")
