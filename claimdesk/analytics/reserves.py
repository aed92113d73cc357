"""Case reserve KPIs: reserve development by month and the adequacy flags.

- **Development**: for each local month of the period, at the month's end (or the period's
  end, or now, whichever comes first), the outstanding reserve of every claim (its last
  reserve step by then), what was paid by then, and incurred = paid + outstanding. Claims
  of the product filter; every claim counts, whenever it was reported (a reserve is a
  balance, not a cohort figure).
- **Adequacy flags**, as of now, over every claim with a reserve history (product filter
  applied; the period does not apply: a flag is about the claim's state today). The
  thresholds are data, in ``claimdesk/claims/reserves.toml`` ``[adequacy]``:
  incurred above 125% of the initial reserve, outstanding reserve above 80% of the policy's
  remaining sum insured, and an open claim whose reserve was not set or changed for 90 days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from claimdesk.analytics.schemas import (
    FlaggedClaim,
    ReserveFlagCounts,
    ReserveMonth,
    ReserveReport,
)
from claimdesk.claims.models import Claim, ClaimReserve, Payment
from claimdesk.claims.reserve_rules import (
    AdequacyFlag,
    ReserveFacts,
    adequacy_flags,
    reserve_table,
)
from claimdesk.core.errors import ValidationFailed
from claimdesk.policies.models import Policy, Product
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor

ZERO = Decimal("0.00")
MAX_MONTHS = 120
FLAGGED_LIMIT = 200  # flagged claims listed (the counts cover all)


# ---------------------------------------------------------------- pure


def month_ends(
    period_from: date, period_to: date, *, timezone: str, now: datetime
) -> list[tuple[str, datetime]]:
    """('YYYY-MM', the instant the month's figures are taken) for each local month of the
    period: the end of the month, of the period or now, whichever comes first."""
    zone = ZoneInfo(timezone)
    period_end = datetime.combine(period_to + timedelta(days=1), time(), zone).astimezone(UTC)
    result: list[tuple[str, datetime]] = []
    year, month = period_from.year, period_from.month
    while date(year, month, 1) <= period_to:
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = datetime.combine(date(next_year, next_month, 1), time(), zone).astimezone(UTC)
        result.append((f"{year:04d}-{month:02d}", min(end, period_end, now)))
        year, month = next_year, next_month
    return result


def development(
    steps: Iterable[tuple[int, datetime, Decimal]],
    payments: Iterable[tuple[int, datetime, Decimal]],
    ends: Sequence[tuple[str, datetime]],
    *,
    now: datetime | None = None,
) -> list[ReserveMonth]:
    """Reserve, paid and incurred at each month end. ``steps``: (claim, at, reserve after
    the step); ``payments``: (claim, paid at, amount). A step or payment exactly at a month
    end belongs to the next month (ends are exclusive), except at ``now``: what happened
    until now is counted."""
    by_claim: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for claim_id, at, amount in steps:
        by_claim[claim_id].append((at, amount))
    for history in by_claim.values():
        history.sort(key=lambda step: step[0])  # stable: steps at one instant keep their order
    paid_times = sorted((at, amount) for _, at, amount in payments)
    months: list[ReserveMonth] = []
    for label, end in ends:
        cutoff = end + timedelta(microseconds=1) if now is not None and end >= now else end
        reserve, open_claims = ZERO, 0
        for history in by_claim.values():
            before = [amount for at, amount in history if at < cutoff]
            if before:
                reserve += before[-1]
                open_claims += before[-1] > 0
        paid = sum((amount for at, amount in paid_times if at < cutoff), ZERO)
        months.append(
            ReserveMonth(
                month=label,
                at=end,
                reserve_amount=reserve,
                paid_amount=paid,
                incurred_amount=paid + reserve,
                claims_with_reserve=open_claims,
            )
        )
    return months


# ---------------------------------------------------------------- queries


def _product_filter(product: str | None) -> Sequence[ColumnElement[bool]]:
    if product is None:
        return ()
    return (
        Claim.policy_id.in_(
            select(Policy.id)
            .join(Product, Product.id == Policy.product_id)
            .where(Product.code == product)
        ),
    )


def _flags(session: Session, product: str | None, now: datetime) -> list[FlaggedClaim]:
    adequacy = reserve_table().adequacy
    steps = session.execute(
        select(
            ClaimReserve.claim_id,
            func.min(ClaimReserve.id),
            func.max(ClaimReserve.at),
        )
        .join(Claim, Claim.id == ClaimReserve.claim_id)
        .where(*_product_filter(product))
        .group_by(ClaimReserve.claim_id)
    ).all()
    if not steps:
        return []
    first_ids = [first for _, first, _ in steps]
    initial = dict(
        session.execute(
            select(ClaimReserve.claim_id, ClaimReserve.amount).where(ClaimReserve.id.in_(first_ids))
        ).all()
    )
    last_change = {claim_id: last for claim_id, _, last in steps}
    claims = session.execute(
        select(
            Claim.id,
            Claim.number,
            Claim.status,
            Claim.policy_id,
            Claim.reserve_amount,
            Claim.paid_amount,
        ).where(Claim.id.in_(list(last_change)))
    ).all()
    policy_ids = {row.policy_id for row in claims}
    approved = dict(
        session.execute(
            select(Claim.policy_id, func.coalesce(func.sum(Claim.approved_amount), 0))
            .where(Claim.policy_id.in_(policy_ids))
            .group_by(Claim.policy_id)
        ).all()
    )
    sums = dict(
        session.execute(
            select(Policy.id, Policy.sum_insured).where(Policy.id.in_(policy_ids))
        ).all()
    )
    flagged: list[FlaggedClaim] = []
    for row in claims:
        remaining = max(sums[row.policy_id] - Decimal(approved.get(row.policy_id, 0)), ZERO)
        facts = ReserveFacts(
            status=row.status,
            reserve=row.reserve_amount,
            paid=row.paid_amount,
            initial=initial.get(row.id),
            remaining_sum_insured=remaining,
            last_change_at=last_change[row.id],
        )
        flags = adequacy_flags(facts, adequacy, now=now)
        if flags:
            flagged.append(
                FlaggedClaim(
                    claim_id=row.id,
                    claim_number=row.number or "",
                    status=row.status,
                    reserve_amount=row.reserve_amount,
                    paid_amount=row.paid_amount,
                    incurred_amount=row.paid_amount + row.reserve_amount,
                    initial_reserve_amount=facts.initial,
                    remaining_sum_insured=remaining,
                    reserve_changed_at=facts.last_change_at,
                    flags=[str(flag) for flag in flags],
                )
            )
    flagged.sort(key=lambda claim: claim.claim_id, reverse=True)
    return flagged


def reserve_report(
    session: Session,
    *,
    actor: Actor,
    period_from: date,
    period_to: date,
    product: str | None = None,
    now: datetime,
    timezone: str,
) -> ReserveReport:
    """Reserve development by month over the period and today's adequacy flags."""
    require(actor, "analytics.view")
    if period_to < period_from:
        raise ValidationFailed(
            f"The period ends ({period_to}) before it starts ({period_from}); "
            "swap 'from' and 'to'. / 结束日期早于开始日期。",
            details=[{"field": "to"}],
        )
    ends = month_ends(period_from, period_to, timezone=timezone, now=now)
    if len(ends) > MAX_MONTHS:
        raise ValidationFailed(
            f"Ask for at most {MAX_MONTHS} months at a time. / 一次最多查询 {MAX_MONTHS} 个月。",
            details=[{"field": "from"}],
        )
    last = max((end for _, end in ends), default=now) + timedelta(microseconds=1)
    steps = session.execute(
        select(ClaimReserve.claim_id, ClaimReserve.at, ClaimReserve.amount)
        .join(Claim, Claim.id == ClaimReserve.claim_id)
        .where(ClaimReserve.at < last, *_product_filter(product))
        .order_by(ClaimReserve.claim_id, ClaimReserve.at, ClaimReserve.id)
    ).all()
    payments = session.execute(
        select(Payment.claim_id, Payment.paid_at, Payment.amount)
        .join(Claim, Claim.id == Payment.claim_id)
        .where(Payment.paid_at < last, *_product_filter(product))
    ).all()
    months = development(
        ((c, at, amount) for c, at, amount in steps),
        ((c, at, amount) for c, at, amount in payments),
        ends,
        now=now,
    )
    flagged = _flags(session, product, now)
    adequacy = reserve_table().adequacy
    counts = ReserveFlagCounts(
        **{
            str(flag): sum(1 for claim in flagged if str(flag) in claim.flags)
            for flag in AdequacyFlag
        }
    )
    return ReserveReport(
        period_from=period_from,
        period_to=period_to,
        product=product,
        incurred_over_initial_ratio=adequacy.incurred_over_initial_ratio,
        reserve_over_remaining_ratio=adequacy.reserve_over_remaining_ratio,
        unchanged_days=adequacy.unchanged_days,
        months=months,
        flag_counts=counts,
        flagged_claims=flagged[:FLAGGED_LIMIT],
    )
