"""Work-queue and search queries on a million claims (PostgreSQL).

Runs against a database loaded once by ``claimdesk generate --claims 1000000`` and given
with ``--scale-database-url`` (it is only read; without the option this benchmark is
skipped). Each query runs 100 times with random parameters (seeded), through the services
where they exist, in a read-only transaction rolled back after each call. The baseline is
``SELECT 1`` on the same connection: the round trip every query pays. Time is wall time
with ``time.perf_counter``; nothing is asserted about it.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from time import perf_counter

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench._http import ms, percentile
from bench.common import Target
from claimdesk.bootstrap import build
from claimdesk.claims import service as claims
from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.models import Claim
from claimdesk.config import Settings
from claimdesk.customers import profile
from claimdesk.security.enums import Role
from claimdesk.security.models import User
from claimdesk.security.service import Actor
from claimdesk.support.models import Ticket

TITLE = "Work-queue and search queries at 1M claims"
SAMPLES = 100
TARGET_P95 = 0.050
OPEN = (
    ClaimStatus.REPORTED,
    ClaimStatus.AWAITING_DOCUMENTS,
    ClaimStatus.UNDER_REVIEW,
    ClaimStatus.INVESTIGATING,
    ClaimStatus.ASSESSED,
    ClaimStatus.COVERAGE_VERIFIED,
)


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("1M-claim queries")
    group.add_argument(
        "--scale-database-url",
        metavar="URL",
        help="a database filled by `claimdesk generate` (read only); without it: skipped",
    )


@dataclass(frozen=True)
class Data:
    supervisor: Actor
    adjusters: list[int]
    claim_ids: tuple[int, int]
    numbers: list[str]
    customers: list[int]


def _data(session: Session, rng: random.Random) -> Data:
    supervisor = session.scalars(select(User).where(User.role == Role.SUPERVISOR)).first()
    adjusters = list(session.scalars(select(User.id).where(User.role == Role.ADJUSTER)))
    low, high = session.execute(select(func.min(Claim.id), func.max(Claim.id))).one()
    ids = [rng.randint(low, high) for _ in range(SAMPLES)]
    numbers = list(session.scalars(select(Claim.number).where(Claim.id.in_(ids))))
    customers = list(session.scalars(select(Claim.customer_id).where(Claim.id.in_(ids))))
    return Data(
        Actor(user_id=supervisor.id, role=Role.SUPERVISOR),
        adjusters,
        (low, high),
        numbers,
        customers,
    )


def _queries(
    data: Data, rng: random.Random, settings: Settings, now: datetime
) -> dict[str, Callable[[Session], object]]:
    def status_page(session: Session) -> object:
        status, page = rng.choice(OPEN), rng.randrange(5)
        return claims.list_claims(
            session, actor=data.supervisor, status=status, limit=50, offset=page * 50
        )

    def handler_queue(session: Session) -> object:
        return session.scalars(
            select(Claim)
            .where(Claim.assessor_id == rng.choice(data.adjusters), Claim.status.in_(OPEN))
            .order_by(Claim.id.desc())
            .limit(50)
        ).all()

    def by_number(session: Session) -> object:
        return session.scalars(select(Claim).where(Claim.number == rng.choice(data.numbers))).one()

    def by_id(session: Session) -> object:
        claim_id = rng.randint(*data.claim_ids)
        claim = claims.get_claim(session, actor=data.supervisor, claim_id=claim_id)
        return claims.claim_view(claim, actor=data.supervisor, now=now, settings=settings)

    def by_customer(session: Session) -> object:
        return session.scalars(
            select(Claim)
            .where(Claim.customer_id == rng.choice(data.customers))
            .order_by(Claim.id.desc())
            .limit(20)
        ).all()

    def customer_360(session: Session) -> object:
        return profile.customer_360(
            session,
            actor=data.supervisor,
            customer_id=rng.choice(data.customers),
            now=now,
            timezone=settings.display_timezone,
            purpose="bench",
        )

    def ticket_queue(session: Session) -> object:
        return session.scalars(
            select(Ticket).where(Ticket.status == "open").order_by(Ticket.created_at).limit(50)
        ).all()

    return {
        "claims of a status, 50 a page (`list_claims`, pages 1-5)": status_page,
        "a handler's open claims (assessor + open states, newest 50)": handler_queue,
        "claim by number": by_number,
        "claim by id with its view (`get_claim` + `claim_view`)": by_id,
        "a customer's claims (newest 20)": by_customer,
        "customer 360 (`customer_360`: profile, policies, claims, tickets...)": customer_360,
        "ticket queue (open, oldest 50)": ticket_queue,
    }


def _time(sessions: Callable[[], Session], query: Callable[[Session], object]) -> list[float]:
    took = []
    for _ in range(SAMPLES):
        with sessions() as session:
            started = perf_counter()
            query(session)
            took.append(perf_counter() - started)
            session.rollback()
    return took


def run(target: Target, args: argparse.Namespace) -> Result:
    if not args.scale_database_url:
        print("  skipped: no --scale-database-url")
        return Result({"database": "-", "result": "skipped (no --scale-database-url)"}, "Skipped.")
    settings = Settings(environment="test", database_url=args.scale_database_url)
    container = build(settings)
    rng = random.Random(20261125)
    now = datetime.now(UTC)
    with container.sessions() as session:
        claim_count = session.scalar(select(func.count()).select_from(Claim))
        data = _data(session, rng)
    baseline = _time(container.sessions, lambda session: session.execute(text("SELECT 1")))
    rows = []
    worst = 0.0
    for name, query in _queries(data, rng, settings, now).items():
        query(container.sessions())  # warm: plans, caches
        took = _time(container.sessions, query)
        p95 = percentile(took, 0.95)
        worst = max(worst, p95)
        rows.append(
            f"| {name} | {ms(percentile(took, 0.5))} | {ms(p95)} | {ms(max(took))} | "
            f"{percentile(took, 0.5) / percentile(baseline, 0.5):.0f}× |"
        )
        print(f"  {name}: p95 {ms(p95)}")
    container.engine.dispose()
    label = f"{container.engine.dialect.name} `{settings.resolved_database_url.split('@')[-1]}`"
    markdown = "\n".join(
        [
            f"On {label} holding {claim_count:,} claims; {SAMPLES} calls each; baseline "
            f"`SELECT 1` p50 {ms(percentile(baseline, 0.5))}.",
            "",
            "| query | p50 | p95 | max | p50 / `SELECT 1` |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"Slowest p95: **{ms(worst)}** (target < {ms(TARGET_P95)}).",
        ]
    )
    return Result(
        {"database": label, "claims": f"{claim_count:,}", "slowest p95": ms(worst)}, markdown
    )
