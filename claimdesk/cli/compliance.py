"""``claimdesk staff ...`` (certificates, training) and ``claimdesk compliance report``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from claimdesk.bootstrap import upgrade_database
from claimdesk.cli.context import container_of
from claimdesk.compliance import service
from claimdesk.compliance.schemas import QualificationIn, TrainingIn
from claimdesk.core.clock import local_date
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import ClaimDeskError
from claimdesk.security.service import SYSTEM

staff_app = typer.Typer(help="Staff certificates and training records.", no_args_is_help=True)
compliance_app = typer.Typer(help="Compliance: internal-audit reports.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(2)


@staff_app.command("certify")
def certify(
    ctx: typer.Context,
    username: str,
    kind: Annotated[str, typer.Option(help="claims_adjuster, medical_claims, motor_assessor...")],
    expires: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Omit if it never expires.")
    ] = None,
    issued: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Default: today.")
    ] = None,
    number: Annotated[str, typer.Option(help="Certificate number.")] = "",
    issuer: Annotated[str, typer.Option(help="Issuing body.")] = "",
) -> None:
    """Record a certificate a member of staff holds."""
    container = container_of(ctx)
    upgrade_database(container)
    now = container.clock.now()
    try:
        data = QualificationIn(
            kind=kind,
            number=number,
            issuer=issuer,
            issued_on=issued.date()
            if issued
            else local_date(now, container.settings.display_timezone),
            expires_on=expires.date() if expires else None,
        )
        with unit_of_work(container.sessions) as session:
            user = service.staff_user(session, username=username)
            service.add_qualification(session, user=user, data=data, now=now, by=None)
    except ValidationError as exc:
        raise _fail(exc.errors()[0]["msg"]) from exc
    except ClaimDeskError as exc:
        raise _fail(exc.message) from exc
    until = f"until {data.expires_on}" if data.expires_on else "without expiry"
    typer.echo(f"Recorded {kind} for {username}, valid from {data.issued_on} {until}.")


@staff_app.command("train")
def train(
    ctx: typer.Context,
    username: str,
    course: Annotated[str, typer.Option(help="Course title.")],
    hours: Annotated[Decimal, typer.Option(help="Hours, e.g. 4.5.")],
    completed: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Date completed.")],
    provider: Annotated[str, typer.Option(help="Who gave the course.")] = "",
    topic: Annotated[str, typer.Option(help="e.g. compliance, claims, service.")] = "",
) -> None:
    """Record a completed training course."""
    container = container_of(ctx)
    upgrade_database(container)
    try:
        data = TrainingIn(
            course=course,
            provider=provider,
            topic=topic,
            hours=hours,
            completed_on=completed.date(),
        )
        with unit_of_work(container.sessions) as session:
            user = service.staff_user(session, username=username)
            service.add_training(session, user=user, data=data, now=container.clock.now(), by=None)
    except ValidationError as exc:
        raise _fail(exc.errors()[0]["msg"]) from exc
    except ClaimDeskError as exc:
        raise _fail(exc.message) from exc
    typer.echo(f"Recorded {data.hours} h of '{course}' for {username} on {data.completed_on}.")


@staff_app.command("expiring")
def expiring(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(help="Warn this many days ahead.")] = 60,
) -> None:
    """List certificates that are expired or expire within DAYS (renewed ones are left out)."""
    container = container_of(ctx)
    today = local_date(container.clock.now(), container.settings.display_timezone)
    with container.sessions() as session:
        rows = service.expiring_qualifications(session, actor=SYSTEM, within_days=days, today=today)
    if not rows:
        typer.echo(f"No certificate expires within {days} days.")
    for row in rows:
        typer.echo(
            f"{row.username:<20} {row.kind:<20} {row.expires_on}  {row.state:<9} "
            f"{row.kind_zh} / {row.kind_en}"
        )


@compliance_app.command("report")
def report(
    ctx: typer.Context,
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day.")],
    out: Annotated[Path, typer.Option(help="HTML file to write.")],
    sample: Annotated[int, typer.Option(help="Claims to sample for the execution checks.")] = 20,
    seed: Annotated[
        int | None, typer.Option(help="Sample seed; default: derived from the period.")
    ] = None,
) -> None:
    """Write the internal-audit report ("four checks") for a period as an HTML document."""
    from claimdesk.compliance.audit_report import build_report, render_html

    container = container_of(ctx)
    upgrade_database(container)
    with container.sessions() as session:
        try:
            result = build_report(
                session,
                actor=SYSTEM,
                start=start.date(),
                end=end.date(),
                sample_size=sample,
                seed=seed,
                settings=container.settings,
                now=container.clock.now(),
            )
        except ClaimDeskError as exc:
            raise _fail(exc.message) from exc
    out.write_text(render_html(result), encoding="utf-8")
    typer.echo(
        f"Wrote {out}: {result.process.claims} claims in the period, "
        f"{len(result.execution.sampled)} sampled (seed {result.execution.seed}), "
        f"{result.findings} findings."
    )
