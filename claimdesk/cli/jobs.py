"""``claimdesk jobs failed|retry``: the dead-lettered background jobs."""

from __future__ import annotations

from typing import Annotated

import typer

from claimdesk.bootstrap import upgrade_database
from claimdesk.cli.context import container_of
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import ClaimDeskError

app = typer.Typer(help="Background jobs: the failed ones, and retrying them.", no_args_is_help=True)


@app.command("failed")
def list_failed(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 100,
) -> None:
    """List jobs whose attempts are used up (oldest first), with their last error."""
    from claimdesk.jobs.service import failed

    container = container_of(ctx)
    upgrade_database(container)
    with container.sessions() as session:
        jobs = failed(session, limit=limit)
    if not jobs:
        typer.echo("No failed jobs.")
        return
    for job in jobs:
        typer.echo(
            f"{job.id}\t{job.task}{tuple(job.args)!r}\tattempts {job.attempts}\t"
            f"failed {job.updated_at:%Y-%m-%d %H:%M:%S} UTC\t{job.last_error or ''}"
        )
    typer.echo(f"{len(jobs)} failed job(s); `claimdesk jobs retry [ID...]` queues them again.")


@app.command("retry")
def retry_failed(
    ctx: typer.Context,
    job_ids: Annotated[
        list[int] | None, typer.Argument(help="Job ids; none: every failed job.")
    ] = None,
) -> None:
    """Queue failed jobs again with a fresh set of attempts."""
    from claimdesk.jobs.service import retry

    container = container_of(ctx)
    upgrade_database(container)
    try:
        with unit_of_work(container.sessions) as session:
            queued = retry(session, job_ids=job_ids or None, now=container.clock.now())
    except ClaimDeskError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    for job_id in queued:
        container.jobs.send(job_id)
    typer.echo(f"Queued {len(queued)} job(s) again: {', '.join(map(str, queued)) or '-'}.")
