"""The ``claimdesk`` command."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated

import typer

from claimdesk.bootstrap import build, install, upgrade_database
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import ClaimDeskError
from claimdesk.fraud.cli import app as fraud_app
from claimdesk.security.enums import Role
from claimdesk.security.service import create_user

app = typer.Typer(help="ClaimDesk: insurance claims and customer service.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="Tamper-evident audit ledger.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(fraud_app, name="fraud")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    jobs: Annotated[
        bool,
        typer.Option(
            "--jobs/--no-jobs",
            help="Also run the background jobs in a child process (the embedded default); "
            "--no-jobs when `claimdesk worker` runs elsewhere.",
        ),
    ] = True,
) -> None:
    """Run the API and web UI; creates and migrates the database first."""
    import uvicorn

    upgrade_database(build())
    job_runner = subprocess.Popen([sys.executable, "-m", "claimdesk", "worker"]) if jobs else None
    try:
        uvicorn.run(
            "claimdesk.api.app:create_app", factory=True, host=host, port=port, workers=workers
        )
    finally:
        if job_runner is not None:
            job_runner.terminate()
            job_runner.wait(timeout=30)


@app.command()
def worker(
    workers: Annotated[int, typer.Option(help="Worker threads.")] = 2,
) -> None:
    """Run background jobs (document reading, scoring, SLA sweeps, notifications)."""
    from huey.consumer import Consumer

    from claimdesk.jobs.tasks import huey

    upgrade_database(install(build()))
    Consumer(huey, workers=workers, worker_type="thread").run()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    container = build()
    upgrade_database(container)
    typer.echo(f"Database is up to date: {container.engine.url.render_as_string()}")


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[Role, typer.Option(help="Role of the new user.")],
    password: Annotated[str, typer.Option(help="At least 8 characters.")],
    customer_id: Annotated[int | None, typer.Option(help="For customer users.")] = None,
    full_name: Annotated[str, typer.Option(help="Name shown to colleagues.")] = "",
) -> None:
    """Create a user who can sign in."""
    container = build()
    upgrade_database(container)
    try:
        with unit_of_work(container.sessions) as session:
            user = create_user(
                session,
                username=username,
                password=password,
                role=role,
                customer_id=customer_id,
                full_name=full_name,
                now=container.clock.now(),
            )
            typer.echo(f"Created user {user.username} (id {user.id}, role {user.role}).")
    except ClaimDeskError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def demo() -> None:
    """Load the bilingual demo data set (users, customers, policies, claims); once only."""
    from rich.console import Console

    from claimdesk.demo import load_demo, users_table

    container = build()
    upgrade_database(container)
    try:
        summary = load_demo(container)
    except ClaimDeskError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    if summary.already_loaded:
        typer.echo(
            f"The demo data is already loaded (user '{summary.existing_user}' exists); "
            "nothing was added."
        )
    else:
        claims = sum(summary.claims_by_status.values())
        typer.echo(
            f"Loaded the demo data into {container.engine.url.render_as_string()}: "
            f"{summary.users} users, {summary.customers} customers, {summary.policies} "
            f"policies, {claims} claims in {len(summary.claims_by_status)} states."
        )
    Console().print(users_table(summary.names))


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the ledger's hash chain; exit 1 and name the first broken entry if any."""
    from claimdesk.audit.service import verify

    container = build()
    with container.sessions() as session:
        verdict = verify(session)
    if verdict.ok:
        typer.echo(f"Ledger intact: {verdict.entries} entries, head {verdict.head_hash}.")
        return
    typer.echo(
        f"Ledger BROKEN at entry {verdict.first_broken_seq}: {verdict.reason} "
        f"({verdict.entries} entries verified before it).",
        err=True,
    )
    raise typer.Exit(1)
