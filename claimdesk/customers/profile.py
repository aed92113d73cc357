"""Customer 360: profile, policies, claims, tickets, surveys, notifications, loyalty, lifecycle
stage (with the rule that set it), behaviour segment and the next best service, in one read.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claimdesk.claims.enums import SELF_SERVICE_CHANNELS, ClaimStatus
from claimdesk.claims.models import Claim
from claimdesk.core.clock import local_date
from claimdesk.customers import loyalty, rules, segments
from claimdesk.customers.models import Customer
from claimdesk.customers.schemas import (
    ClaimBrief,
    Customer360Out,
    LabelOut,
    LoyaltyEntryOut,
    LoyaltyOut,
    NotificationBrief,
    PolicyBrief,
    SurveyBrief,
    TicketBrief,
    TierOut,
)
from claimdesk.customers.service import customer_view, get_customer
from claimdesk.policies.models import Policy
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support import sla
from claimdesk.support.enums import COMPLAINT, TicketStatus
from claimdesk.support.models import OutboxMessage, Survey, Ticket

RECENT_LIMIT = 50
_SETTLED_TICKETS = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def facts_for(
    session: Session, *, customer_id: int, today: date, policies: list[Policy], timezone: str
) -> rules.CustomerFacts:
    """What the lifecycle and next-best-service rules need, read from the database."""
    in_force = [p for p in policies if p.in_force_on(today)]
    window_end = today + timedelta(days=rules.RENEWAL_WINDOW_DAYS)
    renewals_due = tuple(
        (p.number, p.end_date)
        for p in sorted(in_force, key=lambda p: p.end_date)
        if p.end_date <= window_end
        and not any(q.product_id == p.product_id and q.start_date > p.start_date for q in policies)
    )
    since = today - timedelta(days=rules.RECENT_DAYS)
    since_at = datetime.combine(since, time(0), tzinfo=ZoneInfo(timezone))
    lowest = session.scalar(
        select(func.min(Survey.score)).where(
            Survey.customer_id == customer_id, Survey.responded_at >= since_at
        )
    )
    open_complaints = session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.customer_id == customer_id,
            Ticket.kind == COMPLAINT,
            Ticket.status.not_in(_SETTLED_TICKETS),
        )
    )
    claims = session.execute(
        select(Claim.channel, Claim.status, Claim.denied_at).where(Claim.customer_id == customer_id)
    ).all()
    tickets = session.scalars(select(Ticket.channel).where(Ticket.customer_id == customer_id)).all()
    online = set(SELF_SERVICE_CHANNELS) | {"assistant"}
    return rules.CustomerFacts(
        today=today,
        first_policy_start=min((p.start_date for p in policies), default=None),
        policies_in_force=len(in_force),
        last_policy_end=max((p.end_date for p in policies), default=None),
        renewals_due=renewals_due,
        lowest_recent_score=lowest,
        open_complaints=open_complaints or 0,
        recent_denials=sum(
            1 for c in claims if c.denied_at and local_date(c.denied_at, timezone) >= since
        ),
        claims_awaiting_documents=sum(
            1 for c in claims if c.status == ClaimStatus.AWAITING_DOCUMENTS
        ),
        uses_self_service=any(c.channel in online for c in claims)
        or any(channel in online for channel in tickets),
    )


def _label(labelled: rules.Labelled) -> LabelOut:
    return LabelOut(
        code=labelled.code,
        rule=labelled.rule,
        reason_en=labelled.reason_en,
        reason_zh=labelled.reason_zh,
    )


def _tier(tier: rules.Tier) -> TierOut:
    return TierOut(
        code=tier.code,
        name_zh=tier.name_zh,
        name_en=tier.name_en,
        benefits_zh=list(tier.benefits_zh),
        benefits_en=list(tier.benefits_en),
    )


def loyalty_view(session: Session, *, customer_id: int) -> LoyaltyOut:
    standing = loyalty.standing(session, customer_id=customer_id)
    tiers = rules.load_loyalty().tiers
    higher = [t for t in tiers if t.min_points > standing.earned_total]
    return LoyaltyOut(
        balance=standing.balance,
        earned_total=standing.earned_total,
        tier=_tier(standing.tier),
        next_tier=_tier(higher[0]) if higher else None,
        points_to_next_tier=higher[0].min_points - standing.earned_total if higher else None,
        entries=[LoyaltyEntryOut.model_validate(e) for e in standing.entries],
    )


def customer_loyalty(session: Session, *, actor: Actor, customer_id: int) -> LoyaltyOut:
    """The customer's points, tier and latest movements (customers: their own only)."""
    _readable(session, actor, customer_id)
    return loyalty_view(session, customer_id=customer_id)


def _readable(session: Session, actor: Actor, customer_id: int) -> Customer:
    if not actor.is_customer:
        require(actor, "customers.view_360")
    return get_customer(session, actor=actor, customer_id=customer_id)


def customer_360(
    session: Session,
    *,
    actor: Actor,
    customer_id: int,
    now: datetime,
    timezone: str,
    purpose: str,
) -> Customer360Out:
    """Everything about one customer. A customer may read only their own (others: 404);
    staff need ``customers.view_360``. The profile is masked as in GET /customers/{id}."""
    customer = _readable(session, actor, customer_id)
    today = local_date(now, timezone)
    policies = list(
        session.scalars(
            select(Policy).where(Policy.holder_id == customer_id).order_by(Policy.start_date)
        )
    )
    facts = facts_for(
        session, customer_id=customer_id, today=today, policies=policies, timezone=timezone
    )
    stage = rules.lifecycle_stage(facts, low_score=sla.load_config().low_score)
    claims = session.scalars(
        select(Claim)
        .where(Claim.customer_id == customer_id)
        .order_by(Claim.id.desc())
        .limit(RECENT_LIMIT)
    ).all()
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.customer_id == customer_id)
        .order_by(Ticket.id.desc())
        .limit(RECENT_LIMIT)
    ).all()
    surveys = session.scalars(
        select(Survey)
        .where(Survey.customer_id == customer_id)
        .order_by(Survey.id.desc())
        .limit(RECENT_LIMIT)
    ).all()
    notifications = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.customer_id == customer_id)
        .order_by(OutboxMessage.id.desc())
        .limit(RECENT_LIMIT)
    ).all()
    # Internal labels (lifecycle stage, segment, next best service with its staff
    # instruction) are for staff: a customer sees only the customer-facing fields.
    internal = not actor.is_customer
    return Customer360Out(
        profile=customer_view(session, customer, actor=actor, purpose=purpose, now=now),
        lifecycle_stage=_label(stage) if internal else None,
        segment=segments.segment_of(session, customer_id) if internal else None,
        next_best_service=_label(rules.next_best_service(facts, stage)) if internal else None,
        loyalty=loyalty_view(session, customer_id=customer_id),
        policies=[
            PolicyBrief(
                id=p.id,
                number=p.number,
                product_code=p.product.code,
                start_date=p.start_date,
                end_date=p.end_date,
                status=p.status,
                in_force=p.in_force_on(today),
            )
            for p in reversed(policies)
        ],
        claims=[ClaimBrief.model_validate(c) for c in claims],
        tickets=[TicketBrief.model_validate(t) for t in tickets],
        surveys=[SurveyBrief.model_validate(v) for v in surveys],
        notifications=[NotificationBrief.model_validate(n) for n in notifications],
    )
