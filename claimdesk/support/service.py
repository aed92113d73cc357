"""Tickets and teams: intake, first-contact ownership, assignment, messages, lifecycle, views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from claimdesk.claims import service as claims
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import ClaimEventOut
from claimdesk.core import messages
from claimdesk.core.clock import local_date
from claimdesk.core.db import temporary_number
from claimdesk.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from claimdesk.core.events import publish
from claimdesk.customers import loyalty
from claimdesk.customers.models import Customer
from claimdesk.documents.storage import BlobStore
from claimdesk.policies.models import Policy
from claimdesk.security.enums import Role
from claimdesk.security.models import User
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support import clocks, machine, sla
from claimdesk.support.enums import (
    COMPLAINT,
    AssignmentRule,
    Priority,
    SlaMetric,
    TicketAction,
    TicketChannel,
    TicketStatus,
)
from claimdesk.support.events import TicketCreated, TicketReplied, TicketResolved, TicketUpdated
from claimdesk.support.models import (
    Complaint,
    SlaClock,
    Team,
    TeamMember,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
)
from claimdesk.support.schemas import (
    AttachmentOut,
    ClaimProgressOut,
    ComplaintIn,
    ComplaintOut,
    ComplaintUpdateIn,
    MessageIn,
    MessageOut,
    TeamIn,
    TeamOut,
    TicketEventOut,
    TicketIn,
    TicketOut,
    TicketTransitionIn,
)

CUSTOMER_CHANNELS = frozenset(
    {
        TicketChannel.WEB,
        TicketChannel.APP,
        TicketChannel.API,
        TicketChannel.ASSISTANT,
        TicketChannel.EMAIL,
    }
)


# ---------------------------------------------------------------- teams and assignment


def _staff_user(session: Session, user_id: int, what: str) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active or Role(user.role) not in machine.SUPPORT_ROLES:
        raise ValidationFailed(
            f"User {user_id} cannot be {what}: not an active agent, adjuster or supervisor.",
            details=[{"field": what}],
        )
    return user


def create_team(session: Session, *, actor: Actor, data: TeamIn, now: datetime) -> Team:
    require(actor, "support.teams.manage")
    config = sla.load_config()
    unknown = sorted(set(data.kinds) - set(config.kinds))
    if unknown:
        raise ValidationFailed(
            f"Unknown kinds {', '.join(unknown)}; kinds: {', '.join(config.kinds)}.",
            details=[{"field": "kinds"}],
        )
    for field, user_id in (("lead_id", data.lead_id), ("supervisor_id", data.supervisor_id)):
        if user_id is not None:
            _staff_user(session, user_id, field)
    for user_id in data.member_ids:
        _staff_user(session, user_id, "member_ids")
    team = Team(
        code=data.code,
        name=data.name,
        kinds=list(dict.fromkeys(data.kinds)),
        assignment_rule=data.assignment_rule,
        lead_id=data.lead_id,
        supervisor_id=data.supervisor_id,
        created_at=now,
        members=[TeamMember(user_id=uid) for uid in dict.fromkeys(data.member_ids)],
    )
    session.add(team)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"A team with the code '{data.code}' exists already.") from exc
    return team


def list_teams(session: Session, *, actor: Actor | None = None) -> list[Team]:
    """The teams and their members. ``actor``: a user asking (their permission is checked);
    None when the system routes a ticket."""
    if actor is not None:
        require(actor, "support.work")
    return list(session.scalars(select(Team).options(selectinload(Team.members)).order_by(Team.id)))


def team_view(team: Team) -> TeamOut:
    return TeamOut(
        id=team.id,
        code=team.code,
        name=team.name,
        kinds=team.kinds,
        assignment_rule=team.assignment_rule,
        lead_id=team.lead_id,
        supervisor_id=team.supervisor_id,
        member_ids=[m.user_id for m in team.members if m.active],
    )


def team_for_kind(session: Session, kind: str) -> Team | None:
    """The first team (by id) that handles this kind."""
    return next((team for team in list_teams(session) if kind in team.kinds), None)


def pick_owner(session: Session, team: Team) -> int | None:
    """The next owner by the team's rule: round-robin, or the member with the fewest open
    tickets (ties to the lower user id). None when the team has no active member."""
    members = sorted(m.user_id for m in team.members if m.active)
    if not members:
        return None
    if team.assignment_rule == AssignmentRule.LEAST_LOAD:
        loads = dict(
            session.execute(
                select(Ticket.owner_id, func.count(Ticket.id))
                .where(
                    Ticket.owner_id.in_(members),
                    Ticket.status.in_([str(s) for s in machine.OPEN_STATUSES]),
                )
                .group_by(Ticket.owner_id)
            ).all()
        )
        owner = min(members, key=lambda uid: (loads.get(uid, 0), uid))
    else:
        later = [
            uid for uid in members if team.last_assigned_id is None or uid > team.last_assigned_id
        ]
        owner = (later or members)[0]
    team.last_assigned_id = owner
    return owner


# ---------------------------------------------------------------- queries


def _ticket_query() -> Select[Ticket]:
    return select(Ticket).options(
        selectinload(Ticket.messages),
        selectinload(Ticket.events),
        selectinload(Ticket.clocks),
        selectinload(Ticket.complaint),
        selectinload(Ticket.attachments),
    )


def _visible_to(actor: Actor) -> ColumnElement[bool]:
    """Row-level rule: customers see their own tickets; agents the tickets they own or
    opened, their teams' tickets and those no team handles; other staff every ticket."""
    if actor.is_customer:
        return Ticket.customer_id == actor.customer_id
    if actor.role == Role.AGENT:
        my_teams = select(TeamMember.team_id).where(
            TeamMember.user_id == actor.user_id, TeamMember.active
        )
        led_teams = select(Team.id).where(Team.lead_id == actor.user_id)
        return or_(
            Ticket.owner_id == actor.user_id,
            Ticket.created_by_id == actor.user_id,
            Ticket.team_id.is_(None),
            Ticket.team_id.in_(my_teams.union(led_teams)),
        )
    return true()


def get_ticket(
    session: Session, *, actor: Actor, ticket_id: int, for_update: bool = False
) -> Ticket:
    if not actor.is_customer:
        require(actor, "support.work")
    query = _ticket_query().where(Ticket.id == ticket_id, _visible_to(actor))
    if for_update:
        query = query.with_for_update(of=Ticket)
    ticket = session.scalars(query).one_or_none()
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} does not exist.")
    return ticket


def list_tickets(
    session: Session,
    *,
    actor: Actor,
    status: TicketStatus | None = None,
    kind: str | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
    claim_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    customer_id: int | None = None,
) -> list[Ticket]:
    if not actor.is_customer:
        require(actor, "support.work")
    query = _ticket_query().where(_visible_to(actor))
    for column, value in (
        (Ticket.status, status),
        (Ticket.kind, kind),
        (Ticket.owner_id, owner_id),
        (Ticket.team_id, team_id),
        (Ticket.claim_id, claim_id),
        (Ticket.customer_id, customer_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return list(session.scalars(query.order_by(Ticket.id.desc()).limit(limit).offset(offset)))


# ---------------------------------------------------------------- intake


def _record(
    ticket: Ticket,
    actor: Actor,
    now: datetime,
    *,
    kind: str,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    ticket.events.append(
        TicketEvent.by(
            actor,
            now,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data=data,
        )
    )


def _intake_channel(actor: Actor, requested: TicketChannel | None) -> TicketChannel:
    if actor.is_customer:
        channel = requested or TicketChannel.WEB
        if channel not in CUSTOMER_CHANNELS:
            raise ValidationFailed(
                f"Customers open tickets through web, app, api or the assistant, not '{channel}'.",
                details=[{"field": "channel"}],
            )
        return channel
    if requested is None:
        raise ValidationFailed(
            "Staff intake must say the channel the customer used: phone, counter, email, web, "
            "app, api or assistant.",
            details=[{"field": "channel"}],
        )
    return requested


def _linked_claim(session: Session, actor: Actor, claim_id: int, customer_id: int) -> Claim:
    try:
        claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    except NotFound as exc:
        raise ValidationFailed(
            f"Claim {claim_id} does not exist.", details=[{"field": "claim_id"}]
        ) from exc
    if customer_id not in (claim.customer_id, claim.policy.holder_id):
        raise ValidationFailed(
            f"Claim {claim.number} is not a claim of customer {customer_id}.",
            details=[{"field": "claim_id"}],
        )
    return claim


def _linked_policy(session: Session, policy_id: int, customer_id: int) -> Policy:
    policy = session.get(Policy, policy_id)
    if policy is None or not policy.covers_person(customer_id):
        raise ValidationFailed(
            f"Policy {policy_id} does not exist or does not cover customer {customer_id}.",
            details=[{"field": "policy_id"}],
        )
    return policy


def create_ticket(session: Session, *, actor: Actor, data: TicketIn, now: datetime) -> Ticket:
    """Open a ticket. A member of staff taking the contact owns it (first-contact ownership);
    a self-service ticket goes to the team for its kind by the team's assignment rule."""
    config = sla.load_config()
    sla.check_kind(config, data.kind)
    channel = _intake_channel(actor, data.channel)
    if actor.is_customer:
        customer_id = actor.customer_id
        if data.customer_id not in (None, customer_id) or data.customer_tier is not None:
            raise PermissionDenied("Customers open tickets for themselves only.")
    else:
        require(actor, "support.work")
        customer_id = data.customer_id
        if customer_id is None:
            raise ValidationFailed(
                "Say whose ticket it is in 'customer_id'.", details=[{"field": "customer_id"}]
            )
    assert customer_id is not None
    if session.get(Customer, customer_id) is None:
        raise ValidationFailed(
            f"Customer {customer_id} does not exist.", details=[{"field": "customer_id"}]
        )
    if data.complaint is not None and data.kind != COMPLAINT:
        raise ValidationFailed(
            "Complaint details belong to tickets of kind 'complaint'.",
            details=[{"field": "complaint"}],
        )
    claim = _linked_claim(session, actor, data.claim_id, customer_id) if data.claim_id else None
    policy = _linked_policy(session, data.policy_id, customer_id) if data.policy_id else None
    if claim is not None and policy is not None and claim.policy_id != policy.id:
        raise ValidationFailed(
            "The claim is on another policy than the one given.", details=[{"field": "policy_id"}]
        )
    policy = policy or (claim.policy if claim else None)

    # Loyalty tiers get their service level (sla.toml `customer_tier`) and least priority.
    tier = loyalty.tier_of(session, customer_id)
    return _open(
        session,
        actor=actor,
        data=data,
        channel=channel,
        customer_id=customer_id,
        claim=claim,
        policy=policy,
        priority=max(data.priority, Priority(tier.priority), key=list(Priority).index),
        customer_tier=data.customer_tier or tier.service_tier,
        now=now,
    )


def open_unverified_ticket(
    session: Session, *, data: TicketIn, sender_address: str, now: datetime
) -> Ticket:
    """A ticket for an e-mail from an address no customer has (or whose sender the mail
    server could not authenticate): worked like any other, linked to nobody's data."""
    config = sla.load_config()
    sla.check_kind(config, data.kind)
    ticket = _open(
        session,
        actor=Actor(user_id=None, role=Role.CUSTOMER),
        data=data,
        channel=TicketChannel.EMAIL,
        customer_id=None,
        claim=None,
        policy=None,
        priority=data.priority,
        customer_tier="standard",
        now=now,
    )
    ticket.verified = False
    ticket.sender_address = sender_address
    return ticket


def _open(
    session: Session,
    *,
    actor: Actor,
    data: TicketIn,
    channel: TicketChannel,
    customer_id: int | None,
    claim: Claim | None,
    policy: Policy | None,
    priority: Priority,
    customer_tier: str,
    now: datetime,
) -> Ticket:
    config = sla.load_config()
    team = team_for_kind(session, data.kind)
    first_contact = actor.user_id is not None and actor.role in machine.SUPPORT_ROLES
    owner_id = actor.user_id if first_contact else (pick_owner(session, team) if team else None)
    ticket = Ticket(
        number=temporary_number(),
        kind=data.kind,
        channel=channel,
        subject=data.subject,
        customer_id=customer_id,
        claim_id=claim.id if claim else None,
        policy_id=policy.id if policy else None,
        product_code=policy.product.code if policy else None,
        priority=priority,
        customer_tier=customer_tier,
        owner_id=owner_id,
        team_id=team.id if team else None,
        created_by_id=actor.user_id,
        created_at=now,
    )
    ticket.enter(TicketStatus.NEW, now)
    if data.kind == COMPLAINT:
        ticket.complaint = Complaint(
            **(data.complaint or ComplaintIn(category="general")).model_dump()
        )
    ticket.messages.append(
        TicketMessage(
            author_id=actor.user_id, author_role=actor.role, body=data.body, internal=False, at=now
        )
    )
    _record(
        ticket, actor, now, kind="created", to_status=TicketStatus.NEW, data={"channel": channel}
    )
    if owner_id is not None:
        _record(
            ticket,
            actor,
            now,
            kind="assigned",
            data={
                "owner_id": owner_id,
                "rule": "first_contact"
                if first_contact
                else team.assignment_rule
                if team
                else None,
            },
        )
    session.add(ticket)
    session.flush()
    ticket.number = f"TKT{local_date(now, config.timezone):%Y%m%d}{ticket.id:07d}"
    for target in config.targets_for(
        data.kind,
        channel=channel,
        priority=priority,
        customer_tier=ticket.customer_tier,
        product=ticket.product_code,
    ):
        clocks.start_clock(
            session, target=target, config=config, now=now, team_id=ticket.team_id, ticket=ticket
        )
    session.flush()
    publish(session, TicketCreated(ticket_id=ticket.id, at=now))
    return ticket


# ---------------------------------------------------------------- commands


def _flush(session: Session, ticket: Ticket) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleVersion(
            f"Ticket {ticket.number} was changed by someone else; reload it."
        ) from exc


def _apply(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    action: TicketAction,
    now: datetime,
    reason: str | None,
) -> None:
    source = TicketStatus(ticket.status)
    step = machine.check_transition(source, action, actor.role, reason)
    config = sla.load_config()
    running = [c for c in ticket.clocks if c.stopped_at is None]
    if action == TicketAction.WAIT_ON_CUSTOMER:
        clocks.pause(session, running, config=config, now=now)
    elif action == TicketAction.RESUME:
        clocks.resume(session, running, config=config, now=now)
    elif action == TicketAction.RESOLVE:
        clocks.stop(session, running, config=config, now=now)
    elif action == TicketAction.REOPEN:
        for clock in ticket.clocks:
            if clock.metric == SlaMetric.RESOLUTION:
                clocks.restart(session, clock, config=config, now=now)
    ticket.enter(step.target, now)
    _record(
        ticket, actor, now, kind=action, from_status=source, to_status=step.target, reason=reason
    )
    if action == TicketAction.RESOLVE:
        publish(session, TicketResolved(ticket_id=ticket.id, actor=actor, at=now))


def transition_ticket(
    session: Session, *, actor: Actor, ticket_id: int, command: TicketTransitionIn, now: datetime
) -> Ticket:
    ticket = get_ticket(session, actor=actor, ticket_id=ticket_id, for_update=True)
    if command.expected_version is not None and command.expected_version != ticket.version:
        raise StaleVersion(
            f"Ticket {ticket.number} changed since version {command.expected_version} "
            f"(now {ticket.version}); reload it and try again."
        )
    _apply(session, ticket, actor, command.action, now, command.reason)
    _flush(session, ticket)
    publish(session, TicketUpdated(ticket_id=ticket.id, change=command.action, at=now))
    return ticket


def add_message(
    session: Session, *, actor: Actor, ticket_id: int, data: MessageIn, now: datetime
) -> TicketMessage:
    """Add a message. A staff reply the customer sees is the first response (and opens a new
    ticket); a customer's message on a ticket waiting on them resumes its clocks."""
    ticket = get_ticket(session, actor=actor, ticket_id=ticket_id, for_update=True)
    if data.internal and actor.is_customer:
        raise PermissionDenied("Internal notes are for staff only.")
    return _write_message(session, ticket, actor, data, now)


def add_email_message(
    session: Session, *, ticket_id: int, customer_id: int | None, body: str, now: datetime
) -> TicketMessage:
    """A message its sender wrote by e-mail onto their ticket (the mail gateway found the
    ticket and checked the sender: the customer, or the same unverified address)."""
    ticket = session.scalars(
        _ticket_query().where(Ticket.id == ticket_id).with_for_update(of=Ticket)
    ).one()
    author = Actor(user_id=None, role=Role.CUSTOMER, customer_id=customer_id)
    return _write_message(session, ticket, author, MessageIn(body=body), now)


def _write_message(
    session: Session, ticket: Ticket, actor: Actor, data: MessageIn, now: datetime
) -> TicketMessage:
    if ticket.status == TicketStatus.CLOSED:
        raise Conflict(f"Ticket {ticket.number} is closed; reopen it to write again.")
    message = TicketMessage(
        author_id=actor.user_id,
        author_role=actor.role,
        body=data.body,
        internal=data.internal,
        at=now,
    )
    ticket.messages.append(message)
    if actor.is_customer:
        if ticket.status == TicketStatus.WAITING_ON_CUSTOMER:
            _apply(session, ticket, actor, TicketAction.RESUME, now, None)
    elif not data.internal:
        if ticket.status == TicketStatus.NEW:
            _apply(session, ticket, actor, TicketAction.START, now, None)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            first = [c for c in ticket.clocks if c.metric == SlaMetric.FIRST_RESPONSE]
            clocks.stop(session, first, config=sla.load_config(), now=now)
    _flush(session, ticket)
    if not data.internal:
        publish(session, TicketUpdated(ticket_id=ticket.id, change="message", at=now))
    if not actor.is_customer and not data.internal:
        publish(
            session, TicketReplied(ticket_id=ticket.id, message_id=message.id, actor=actor, at=now)
        )
    return message


def assign_ticket(
    session: Session,
    *,
    actor: Actor,
    ticket_id: int,
    owner_id: int,
    reason: str | None,
    now: datetime,
) -> Ticket:
    """Hand a ticket to another owner: its owner, the team lead or a supervisor may.
    Without a reason in words (the inbox's assign button), the history says where it
    was assigned, in the reader's language."""
    require(actor, "support.work")
    ticket = get_ticket(session, actor=actor, ticket_id=ticket_id, for_update=True)
    team = session.get(Team, ticket.team_id) if ticket.team_id else None
    allowed = actor.role in (Role.SUPERVISOR, Role.ADMIN) or actor.user_id in (
        ticket.owner_id,
        team.lead_id if team else None,
    )
    if not allowed:
        raise PermissionDenied(
            "Only the ticket's owner, its team lead or a supervisor may reassign it."
        )
    _staff_user(session, owner_id, "owner_id")
    if owner_id == ticket.owner_id:
        raise Conflict(f"User {owner_id} owns ticket {ticket.number} already.")
    previous = ticket.owner_id
    ticket.owner_id = owner_id
    _record(
        ticket,
        actor,
        now,
        kind="reassigned",
        reason=reason or None,
        data={"from_owner_id": previous, "to_owner_id": owner_id}
        | ({} if reason else {messages.MESSAGE: messages.message("history.assigned_in_inbox")}),
    )
    _flush(session, ticket)
    publish(session, TicketUpdated(ticket_id=ticket.id, change="reassigned", at=now))
    return ticket


def update_complaint(
    session: Session, *, actor: Actor, ticket_id: int, data: ComplaintUpdateIn, now: datetime
) -> Ticket:
    if actor.is_customer:
        raise PermissionDenied("Complaint handling details are recorded by staff.")
    ticket = get_ticket(session, actor=actor, ticket_id=ticket_id, for_update=True)
    if ticket.complaint is None:
        raise Conflict(f"Ticket {ticket.number} is not a complaint.")
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(ticket.complaint, field, value)
    _record(ticket, actor, now, kind="complaint_updated", data=changes)
    _flush(session, ticket)
    publish(session, TicketUpdated(ticket_id=ticket.id, change="complaint_updated", at=now))
    return ticket


# ---------------------------------------------------------------- views


def claim_progress(
    session: Session, *, actor: Actor, claim_id: int, now: datetime
) -> ClaimProgressOut:
    claim = claims.get_claim(session, actor=actor, claim_id=claim_id)
    acknowledgement = session.scalars(
        select(SlaClock).where(
            SlaClock.claim_id == claim_id, SlaClock.metric == SlaMetric.ACKNOWLEDGEMENT
        )
    ).one_or_none()
    return ClaimProgressOut(
        id=claim.id,
        number=claim.number or "",
        status=claim.status,
        acknowledgement=clocks.clock_view(acknowledgement, now) if acknowledgement else None,
        timeline=[
            ClaimEventOut.model_validate(e)
            for e in claims.timeline(session, actor=actor, claim_id=claim_id)
        ],
    )


def ticket_view(session: Session, ticket: Ticket, *, actor: Actor, now: datetime) -> TicketOut:
    staff = not actor.is_customer
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        kind=ticket.kind,
        channel=ticket.channel,
        subject=ticket.subject,
        customer_id=ticket.customer_id,
        verified=ticket.verified,
        sender_address=ticket.sender_address if staff else None,
        attachments=[AttachmentOut.model_validate(a) for a in ticket.attachments],
        claim_id=ticket.claim_id,
        policy_id=ticket.policy_id,
        status=ticket.status,
        priority=ticket.priority,
        customer_tier=ticket.customer_tier,
        owner_id=ticket.owner_id,
        team_id=ticket.team_id,
        version=ticket.version,
        created_at=ticket.created_at,
        first_response_at=ticket.first_response_at,
        state_times={
            state.value: at
            for state in TicketStatus
            if (at := getattr(ticket, f"{state.value}_at")) is not None
        },
        sla=[clocks.clock_view(c, now) for c in ticket.clocks],
        messages=[MessageOut.model_validate(m) for m in ticket.messages if staff or not m.internal],
        events=[TicketEventOut.model_validate(e) for e in ticket.events] if staff else None,
        complaint=ComplaintOut.model_validate(ticket.complaint)
        if staff and ticket.complaint
        else None,
        claim=claim_progress(session, actor=actor, claim_id=ticket.claim_id, now=now)
        if ticket.claim_id
        else None,
        allowed_actions=[
            str(a) for a in machine.allowed_actions(TicketStatus(ticket.status), actor.role)
        ],
    )


def attachment_content(
    session: Session, *, actor: Actor, ticket_id: int, attachment_id: int, store: BlobStore
) -> tuple[TicketAttachment, bytes]:
    """A file that came with a ticket (visible to whoever may see the ticket)."""
    ticket = get_ticket(session, actor=actor, ticket_id=ticket_id)
    attachment = next((a for a in ticket.attachments if a.id == attachment_id), None)
    if attachment is None or attachment.sha256 is None:
        raise NotFound(f"Ticket {ticket.number} has no stored file {attachment_id}.")
    return attachment, store.get(attachment.sha256)
