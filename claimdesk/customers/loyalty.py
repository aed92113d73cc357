"""The loyalty ledger: earning (idempotent by key), spending (never below zero), tiers.

Every movement is one ``LoyaltyEntry`` and one entry in the audit ledger, written in the
same transaction. The account row is read with a row lock (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite serialises writers), and the database's CHECK constraints refuse a
negative balance even if a rule were bypassed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from claimdesk.audit.service import append
from claimdesk.core.clock import local_date
from claimdesk.core.errors import NotFound
from claimdesk.customers import rules
from claimdesk.customers.models import Customer, LoyaltyAccount, LoyaltyEntry
from claimdesk.policies.models import Policy
from claimdesk.security.permissions import require
from claimdesk.security.service import SYSTEM, Actor

EARN = "earn"
SPEND = "spend"


def _account(session: Session, customer_id: int, now: datetime) -> LoyaltyAccount:
    """The customer's account, locked for this transaction; opened on first use.

    Opening is an insert that does nothing if a concurrent transaction opened it first, so
    no savepoint is needed (a savepoint would end the caller's transaction early for
    after-commit hooks on SQLite)."""
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(LoyaltyAccount)
        .values(
            customer_id=customer_id,
            balance=0,
            earned_total=0,
            tier=rules.load_loyalty().tiers[0].code,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["customer_id"])
    )
    query = select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer_id)
    return session.scalars(query.with_for_update().execution_options(populate_existing=True)).one()


def _move(
    session: Session,
    account: LoyaltyAccount,
    *,
    kind: str,
    reason: str,
    points: int,
    key: str,
    actor: Actor,
    now: datetime,
    note: str | None,
) -> LoyaltyEntry:
    config = rules.load_loyalty()
    account.balance += points
    if kind == EARN:
        account.earned_total += points
        account.tier = config.tier_for(account.earned_total).code
    account.updated_at = now
    entry = LoyaltyEntry(
        customer_id=account.customer_id,
        key=key,
        kind=kind,
        reason=reason,
        points=points,
        balance_after=account.balance,
        note=note,
        actor_id=actor.user_id,
        actor_role=actor.role,
        at=now,
    )
    session.add(entry)
    session.flush()
    append(
        session.connection(),
        at=now,
        actor_id=actor.user_id,
        actor_role=actor.role,
        action=f"loyalty.{kind}",
        subject_type="loyalty_entry",
        subject_id=str(entry.id),
        data={
            "customer_id": entry.customer_id,
            "key": key,
            "reason": reason,
            "points": points,
            "balance_after": entry.balance_after,
            "tier": account.tier,
        },
    )
    return entry


def _by_key(session: Session, key: str) -> LoyaltyEntry | None:
    return session.scalars(select(LoyaltyEntry).where(LoyaltyEntry.key == key)).one_or_none()


def earn(
    session: Session,
    *,
    customer_id: int,
    reason: str,
    key: str,
    now: datetime,
    actor: Actor = SYSTEM,
    note: str | None = None,
) -> LoyaltyEntry:
    """Credit the points ``loyalty.toml`` gives for ``reason``, once per ``key``: a repeated
    event returns the first entry and changes nothing."""
    points = rules.load_loyalty().points_for(reason)
    account = _account(session, customer_id, now)
    # Under the account lock, so concurrent earners of one customer see each other's entry.
    existing = _by_key(session, key)
    if existing is not None:
        return existing
    return _move(
        session,
        account,
        kind=EARN,
        reason=reason,
        points=points,
        key=key,
        actor=actor,
        now=now,
        note=note,
    )


def spend(
    session: Session, *, actor: Actor, customer_id: int, benefit: str, key: str, now: datetime
) -> LoyaltyEntry:
    """Redeem points for a benefit; the same ``key`` again returns the first redemption."""
    require(actor, "loyalty.redeem")
    if actor.is_customer and actor.customer_id != customer_id:
        raise NotFound(f"Customer {customer_id} does not exist.")
    chosen = rules.benefit(rules.load_loyalty(), benefit)
    scoped_key = f"spend:{customer_id}:{key}"
    account = _account(session, customer_id, now)
    existing = _by_key(session, scoped_key)
    if existing is not None:
        return existing
    rules.check_spend(account.balance, chosen)
    return _move(
        session,
        account,
        kind=SPEND,
        reason=f"benefit:{chosen.code}",
        points=-chosen.points,
        key=scoped_key,
        actor=actor,
        now=now,
        note=None,  # the benefit is the reason's code, named in the reader's language
    )


@dataclass(frozen=True)
class Standing:
    balance: int
    earned_total: int
    tier: rules.Tier
    entries: list[LoyaltyEntry]


def standing(session: Session, *, customer_id: int, limit: int = 20) -> Standing:
    """Balance, tier and the latest movements (no lock: for reading)."""
    config = rules.load_loyalty()
    account = session.get(LoyaltyAccount, customer_id)
    entries = session.scalars(
        select(LoyaltyEntry)
        .where(LoyaltyEntry.customer_id == customer_id)
        .order_by(LoyaltyEntry.id.desc())
        .limit(limit)
    ).all()
    if account is None:
        return Standing(0, 0, config.tiers[0], list(entries))
    return Standing(account.balance, account.earned_total, config.tier(account.tier), list(entries))


def tier_of(session: Session, customer_id: int) -> rules.Tier:
    """The customer's tier (the lowest when they have no account yet)."""
    config = rules.load_loyalty()
    tier = session.scalar(
        select(LoyaltyAccount.tier).where(LoyaltyAccount.customer_id == customer_id)
    )
    return config.tier(tier) if tier else config.tiers[0]


RENEWAL_GAP = timedelta(days=30)


def accrue(session: Session, *, now: datetime, timezone: str) -> int:
    """Earn tenure and renewal points that are due (a daily job; safe to run again).

    Tenure: each full year since the customer's first policy started, while they hold one
    in force. Renewal: a policy of the same product starting within 30 days of the end of
    the holder's previous one. Returns the number of new entries.
    """
    today = local_date(now, timezone)
    policies = session.execute(
        select(Policy.id, Policy.holder_id, Policy.product_id, Policy.start_date, Policy.end_date)
        .where(Policy.start_date <= today)
        .order_by(Policy.holder_id, Policy.start_date, Policy.id)
    ).all()
    made = 0
    by_holder: dict[int, list[Row[int, int, int, date, date]]] = {}
    for row in policies:
        by_holder.setdefault(row.holder_id, []).append(row)
    for holder_id, held in by_holder.items():
        keys: list[tuple[str, str]] = []
        if any(p.end_date >= today for p in held):
            years = rules.full_years(held[0].start_date, today)
            keys += [("tenure_year", f"tenure:{holder_id}:{n}") for n in range(1, years + 1)]
        for earlier, later in ((a, b) for a in held for b in held if a.id != b.id):
            if (
                earlier.product_id == later.product_id
                and earlier.end_date < later.start_date <= earlier.end_date + RENEWAL_GAP
            ):
                keys.append(("renewal", f"renewal:{later.id}"))
        for reason, key in keys:
            if _by_key(session, key) is None:
                earn(session, customer_id=holder_id, reason=reason, key=key, now=now)
                made += 1
    return made
