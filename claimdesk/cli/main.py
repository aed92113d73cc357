"""The ``claimdesk`` command."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from claimdesk.bootstrap import Container, upgrade_database
from claimdesk.cli.analytics import app as analytics_app
from claimdesk.cli.assistant import app as assistant_app
from claimdesk.cli.catastrophe import app as catastrophe_app
from claimdesk.cli.claims import app as claims_app
from claimdesk.cli.compliance import compliance_app, staff_app
from claimdesk.cli.context import container_of
from claimdesk.cli.customers import app as customers_app
from claimdesk.cli.fraud import app as fraud_app
from claimdesk.cli.jobs import app as jobs_app
from claimdesk.cli.scale import generate_command, simulate_app
from claimdesk.cli.security import app as security_app
from claimdesk.core.db import patiently, unit_of_work
from claimdesk.core.errors import ClaimDeskError
from claimdesk.security.enums import Role
from claimdesk.security.service import create_user, find_user, set_role

app = typer.Typer(help="ClaimDesk: insurance claims and customer service.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="Tamper-evident audit ledger.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(fraud_app, name="fraud")
app.add_typer(analytics_app, name="analytics")
app.add_typer(customers_app, name="customers")
app.add_typer(staff_app, name="staff")
app.add_typer(compliance_app, name="compliance")
app.add_typer(assistant_app, name="assistant")
app.add_typer(security_app, name="security")
app.add_typer(jobs_app, name="jobs")
app.add_typer(catastrophe_app, name="catastrophe")
app.add_typer(claims_app, name="claims")
app.command("generate")(generate_command)
app.add_typer(simulate_app, name="simulate")


@app.command()
def serve(
    ctx: typer.Context,
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
    """Run the API and web UI; creates and migrates the database first. SIGTERM or SIGINT
    stops the server, then its job runner (finishing the jobs it has started), and waits."""
    import uvicorn

    upgrade_database(container_of(ctx))
    # uvicorn re-raises the stopping signal once it is done; as SystemExit (not the default
    # action, which ends the process at once) it lets the job runner be stopped below.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    job_runner = None
    try:
        if jobs:
            job_runner = subprocess.Popen([sys.executable, "-m", "claimdesk", "worker"])
        uvicorn.run(
            "claimdesk.api.app:create_app", factory=True, host=host, port=port, workers=workers
        )
    finally:
        if job_runner is not None:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM: still reap it
            _stop_job_runner(job_runner)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _stop_job_runner(child: subprocess.Popen[bytes], *, grace_seconds: float = 30) -> None:
    """Stop a job runner: SIGINT lets it finish the jobs it runs (huey's graceful stop),
    SIGTERM after ``grace_seconds``, SIGKILL if even that is ignored; reaped either way."""
    for stop, wait in ((signal.SIGINT, grace_seconds), (signal.SIGTERM, 10.0)):
        if child.poll() is not None:
            return
        child.send_signal(stop)
        try:
            child.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
    child.kill()
    child.wait()


@app.command()
def worker(
    ctx: typer.Context,
    workers: Annotated[int, typer.Option(help="Worker threads.")] = 2,
) -> None:
    """Run background jobs (document reading, scoring, SLA sweeps, notifications)."""
    run_worker(container_of(ctx), workers=workers)


def run_worker(container: Container, *, workers: int) -> None:
    """Work off the container's task queue until stopped (with the inbound mail gateway
    when its port is set)."""
    from huey.consumer import Consumer

    from claimdesk.core.logs import limit_library_logs

    limit_library_logs()
    patiently(lambda: upgrade_database(container))  # a database restarting: wait, don't die
    gateway = None
    if container.settings.inbound_smtp_port is not None:
        from claimdesk.messaging.gateway import listener

        gateway = listener(container)
        gateway.start()
    # An idle worker polls the embedded (SQLite) queue at least every second, not huey's
    # default 10 s: a reported claim is routed within a second. Redis queues block instead.
    try:
        Consumer(container.runner.huey, workers=workers, worker_type="thread", max_delay=1.0).run()
    finally:
        if gateway is not None:
            gateway.stop()


@app.command("mail-gateway")
def mail_gateway(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Interface (default CLAIMDESK_INBOUND_SMTP_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default CLAIMDESK_INBOUND_SMTP_PORT).")
    ] = None,
) -> None:
    """Receive e-mail to the support address over SMTP: each message becomes a ticket (or a
    message on the ticket it replies to). `claimdesk worker` runs it too when
    CLAIMDESK_INBOUND_SMTP_PORT is set."""
    import signal
    import threading

    from claimdesk.messaging.gateway import listener

    container = container_of(ctx)
    patiently(lambda: upgrade_database(container))
    try:
        gateway = listener(container, host=host, port=port)
    except ValueError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    gateway.start()
    typer.echo(f"Mail gateway listening on {gateway.hostname}:{gateway.port}")
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        gateway.stop()


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or migrate the database to the newest schema."""
    container = container_of(ctx)
    upgrade_database(container)
    typer.echo(f"Database is up to date: {container.engine.url.render_as_string()}")


@user_app.command("create")
def user_create(
    ctx: typer.Context,
    username: str,
    role: Annotated[Role, typer.Option(help="Role of the new user.")],
    password: Annotated[
        str, typer.Option(help="At least 10 characters, not the username, not a common one.")
    ],
    customer_id: Annotated[int | None, typer.Option(help="For customer users.")] = None,
    full_name: Annotated[str, typer.Option(help="Name shown to colleagues.")] = "",
) -> None:
    """Create a user who can sign in."""
    container = container_of(ctx)
    upgrade_database(container)
    try:
        with unit_of_work(container.sessions) as session:
            user = create_user(
                session,
                hasher=container.hasher,
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


@user_app.command("set-role")
def user_set_role(
    ctx: typer.Context,
    username: str,
    role: Annotated[Role, typer.Option(help="The new role.")],
) -> None:
    """Change a user's role (recorded in the audit ledger)."""
    container = container_of(ctx)
    try:
        with unit_of_work(container.sessions) as session:
            user = find_user(session, username=username)
            old = user.role
            set_role(session, user_id=user.id, role=role)
        typer.echo(f"{username}: role {old} -> {role.value}.")
    except ClaimDeskError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def demo(ctx: typer.Context) -> None:
    """Load the bilingual demo data set (users, customers, policies, claims); once only."""
    from rich.console import Console

    from claimdesk.demo import load_demo, users_table

    container = container_of(ctx)
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
def audit_verify(
    ctx: typer.Context,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="Also prove nothing up to this signed checkpoint changed."),
    ] = None,
) -> None:
    """Recompute the ledger's hash chain and every stored document's sha256; exit 1 and
    name the first broken entry if any."""
    from claimdesk.audit import checkpoint as checkpoints
    from claimdesk.audit.service import verify
    from claimdesk.security.crypto import keyring

    container = container_of(ctx)
    with container.sessions() as session:
        verdict = verify(session, store=container.blobs)
        signed = None
        if checkpoint is not None:
            signed = checkpoints.check(
                session,
                checkpoints.Checkpoint.from_json(checkpoint.read_text()),
                trusted_public_key=checkpoints.public_key_text(keyring()),
            )
    if signed is not None:
        typer.echo(f"Checkpoint {'holds' if signed.ok else 'FAILS'}: {signed.reason}.")
    if verdict.ok:
        typer.echo(f"Ledger intact: {verdict.entries} entries, head {verdict.head_hash}.")
        if signed is None or signed.ok:
            return
        raise typer.Exit(1)
    where = f" at entry {verdict.first_broken_seq}" if verdict.first_broken_seq else ""
    typer.echo(
        f"Ledger BROKEN{where}: {verdict.reason} ({verdict.entries} entries verified).",
        err=True,
    )
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="File to write the signed checkpoint to.")],
) -> None:
    """Sign the ledger's head (hash, entry count, time) with the Ed25519 audit key."""
    from claimdesk.audit import checkpoint as checkpoints
    from claimdesk.security.crypto import keyring

    container = container_of(ctx)
    with container.sessions() as session:
        try:
            signed = checkpoints.make(session, keyring=keyring(), now=container.clock.now())
        except ValueError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from exc
    out.write_text(signed.to_json())
    typer.echo(f"Checkpoint of {signed.entries} entries (head {signed.head_hash}) in {out}.")


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="New folder for the backup.")],
) -> None:
    """Back up the database and the document store (consistent while the server runs),
    encrypted with CLAIMDESK_BACKUP_KEY."""
    from claimdesk.audit.backup import BackupError, backup
    from claimdesk.security.crypto import backup_key

    container = container_of(ctx)
    try:
        manifest = backup(
            container.engine,
            container.settings.data_dir,
            path,
            now=container.clock.now(),
            key=backup_key(container.settings),
        )
    except BackupError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"Backed up {sum(manifest.row_counts.values())} rows, {manifest.ledger_entries} ledger "
        f"entries and {len(manifest.files)} files to {path} (checksums in manifest.json)."
    )


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Folder written by `claimdesk backup`.")],
    force: Annotated[
        bool, typer.Option(help="Replace the data of a database that is not empty.")
    ] = False,
) -> None:
    """Restore a backup with CLAIMDESK_BACKUP_KEY (a wrong key is refused before anything is
    replaced), then verify it (ledger, document hashes, row counts)."""
    from claimdesk.audit.backup import BackupError, restore
    from claimdesk.security.crypto import backup_key

    container = container_of(ctx)
    upgrade_database(container)
    try:
        report = restore(
            container.engine,
            container.settings.data_dir,
            path,
            key=backup_key(container.settings),
            force=force,
        )
    except BackupError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not report.ok:
        typer.echo("Restored, but verification FAILED: " + "; ".join(report.problems), err=True)
        raise typer.Exit(1)
    typer.echo(
        f"Restored and verified: ledger of {report.ledger_entries} entries intact, "
        "documents and row counts match the backup."
    )


@audit_app.command("public-key")
def audit_public_key(ctx: typer.Context) -> None:
    """Print the public key that checks checkpoint signatures (Ed25519, base64)."""
    from claimdesk.audit.checkpoint import public_key_text
    from claimdesk.security.crypto import keyring

    container_of(ctx)
    typer.echo(public_key_text(keyring()))
