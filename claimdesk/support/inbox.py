"""Reads and small writes of the staff ticket inbox: the customer panel beside a ticket
(policies, claims, earlier tickets), the people a ticket can be assigned to, and the
filters a member of staff saves under a name (their own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claimdesk.claims import service as claims
from claimdesk.claims.models import Claim
from claimdesk.core.errors import Conflict, NotFound, ValidationFailed
from claimdesk.customers.models import Customer
from claimdesk.policies import service as policies
from claimdesk.security.enums import Role
from claimdesk.security.models import User
from claimdesk.security.permissions import PERMISSIONS, require
from claimdesk.security.service import Actor
from claimdesk.support import clocks
from claimdesk.support.enums import Priority, SlaState, TicketStatus
from claimdesk.support.models import Ticket, TicketFilter
from claimdesk.support.service import list_tickets

PANEL_LIMIT = 20
MAX_FILTERS = 20
# What a saved filter may hold, and the values each criterion takes ("" = any).
OWNER_CHOICES = ("me", "none")
SLA_CHOICES = tuple(str(s) for s in (SlaState.ON_TRACK, SlaState.AT_RISK, SlaState.BREACHED))


@dataclass(frozen=True)
class CustomerPanel:
    customer: Customer
    policies: list[Any]
    claims: list[Claim]
    tickets: list[Ticket]  # the customer's other tickets, newest first


def customer_panel(
    session: Session, *, actor: Actor, customer_id: int, ticket_id: int | None = None
) -> CustomerPanel:
    """The customer beside a ticket: their policies, claims and earlier tickets."""
    require(actor, "support.work")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    found_claims = [
        claim
        for claim in session.scalars(
            select(Claim)
            .where(Claim.customer_id == customer_id)
            .order_by(Claim.id.desc())
            .limit(PANEL_LIMIT)
        )
        if claims.can_see(actor, claim)
    ]
    tickets = [
        t
        for t in list_tickets(session, actor=actor, customer_id=customer_id, limit=PANEL_LIMIT + 1)
        if t.id != ticket_id
    ][:PANEL_LIMIT]
    return CustomerPanel(
        customer=customer,
        policies=policies.list_policies(
            session, actor=actor, customer_id=customer_id, limit=PANEL_LIMIT
        ),
        claims=found_claims,
        tickets=tickets,
    )


def assignable_staff(session: Session) -> list[User]:
    """Active staff whose role works tickets (the people a ticket can be handed to)."""
    roles = [str(r) for r in PERMISSIONS["support.work"] if r != Role.CUSTOMER]
    return list(
        session.scalars(
            select(User).where(User.active, User.role.in_(roles)).order_by(User.username)
        )
    )


# ---------------------------------------------------------------- saved filters


def clean_criteria(raw: dict[str, str]) -> dict[str, str]:
    """A filter's criteria, each checked against what it may be; unknown keys dropped."""
    allowed = {
        "status": {str(s) for s in TicketStatus},
        "priority": {str(p) for p in Priority},
        "owner": set(OWNER_CHOICES),
        "sla": set(SLA_CHOICES),
    }
    criteria: dict[str, str] = {}
    for key, values in allowed.items():
        value = (raw.get(key) or "").strip()
        if not value:
            continue
        if value not in values:
            raise ValidationFailed(
                f"The filter's {key} is not one a ticket can have. 筛选条件无效。",
                details=[{"field": key}],
            )
        criteria[key] = value
    kind = (raw.get("kind") or "").strip()
    if kind:
        if len(kind) > 32:
            raise ValidationFailed("A ticket kind has at most 32 characters. 工单类型过长。")
        criteria["kind"] = kind
    return criteria


def matches(ticket: Ticket, criteria: dict[str, str], *, actor: Actor, now: datetime) -> bool:
    """Whether the ticket passes the filter (the SLA state is the worst running clock's)."""
    if criteria.get("status") and ticket.status != criteria["status"]:
        return False
    if criteria.get("priority") and ticket.priority != criteria["priority"]:
        return False
    if criteria.get("kind") and ticket.kind != criteria["kind"]:
        return False
    owner = criteria.get("owner")
    if owner == "me" and ticket.owner_id != actor.user_id:
        return False
    if owner == "none" and ticket.owner_id is not None:
        return False
    if criteria.get("sla"):
        states = {str(clocks.live_state(c, now)) for c in ticket.clocks if c.stopped_at is None}
        if criteria["sla"] not in states:
            return False
    return True


def saved_filters(session: Session, *, actor: Actor) -> list[TicketFilter]:
    require(actor, "support.work")
    return list(
        session.scalars(
            select(TicketFilter)
            .where(TicketFilter.user_id == actor.user_id)
            .order_by(TicketFilter.name)
        )
    )


def save_filter(
    session: Session, *, actor: Actor, name: str, criteria: dict[str, str], now: datetime
) -> TicketFilter:
    """Keep the filter under the name for this person (a name they used already: 409)."""
    require(actor, "support.work")
    name = " ".join(name.split())
    if not name or len(name) > 64:
        raise ValidationFailed(
            "A saved filter needs a name of 1 to 64 characters. 筛选名称须为 1 至 64 个字符。",
            details=[{"field": "name"}],
        )
    if len(saved_filters(session, actor=actor)) >= MAX_FILTERS:
        raise Conflict(
            f"At most {MAX_FILTERS} saved filters; delete one first. "
            f"最多保存 {MAX_FILTERS} 个筛选，请先删除一个。"
        )
    kept = TicketFilter(
        user_id=actor.user_id, name=name, criteria=clean_criteria(criteria), created_at=now
    )
    session.add(kept)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("You have a saved filter of that name already. 已有同名的筛选。") from None
    return kept


def get_filter(session: Session, *, actor: Actor, filter_id: int) -> TicketFilter:
    """One of this person's saved filters (someone else's does not exist for them)."""
    require(actor, "support.work")
    kept = session.get(TicketFilter, filter_id)
    if kept is None or kept.user_id != actor.user_id:
        raise NotFound(f"Saved filter {filter_id} does not exist.")
    return kept


def delete_filter(session: Session, *, actor: Actor, filter_id: int) -> None:
    session.delete(get_filter(session, actor=actor, filter_id=filter_id))
    session.flush()
