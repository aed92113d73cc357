"""The ticket lifecycle as one explicit transition table (like claims/machine.py).

``new`` -> ``open`` when an agent starts work (a staff reply does it too); ``open`` <->
``waiting_on_customer`` pauses and resumes the SLA clocks (a customer reply resumes);
``resolve`` stops them; a resolved or closed ticket can be reopened.
"""

from __future__ import annotations

from dataclasses import dataclass

from claimdesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from claimdesk.security.enums import Role
from claimdesk.security.permissions import PERMISSIONS
from claimdesk.support.enums import TicketAction, TicketStatus

S = TicketStatus
A = TicketAction

SUPPORT_ROLES = PERMISSIONS["support.work"]
_ACTIVE = frozenset({S.NEW, S.OPEN, S.WAITING_ON_CUSTOMER, S.REOPENED})
OPEN_STATUSES = _ACTIVE  # statuses that count towards an agent's load


@dataclass(frozen=True)
class Transition:
    action: TicketAction
    sources: frozenset[TicketStatus]
    target: TicketStatus
    roles: frozenset[Role]
    reason_required: bool = False


TRANSITIONS: dict[TicketAction, Transition] = {
    t.action: t
    for t in (
        Transition(A.START, frozenset({S.NEW}), S.OPEN, SUPPORT_ROLES),
        Transition(
            A.WAIT_ON_CUSTOMER,
            frozenset({S.NEW, S.OPEN, S.REOPENED}),
            S.WAITING_ON_CUSTOMER,
            SUPPORT_ROLES,
            reason_required=True,
        ),
        Transition(
            A.RESUME, frozenset({S.WAITING_ON_CUSTOMER}), S.OPEN, SUPPORT_ROLES | {Role.CUSTOMER}
        ),
        Transition(A.RESOLVE, _ACTIVE, S.RESOLVED, SUPPORT_ROLES, reason_required=True),
        Transition(A.CLOSE, frozenset({S.RESOLVED}), S.CLOSED, SUPPORT_ROLES | {Role.CUSTOMER}),
        Transition(
            A.REOPEN,
            frozenset({S.RESOLVED, S.CLOSED}),
            S.REOPENED,
            SUPPORT_ROLES | {Role.CUSTOMER},
            reason_required=True,
        ),
    )
}


def allowed_actions(status: TicketStatus, role: Role) -> list[TicketAction]:
    return [t.action for t in TRANSITIONS.values() if status in t.sources and role in t.roles]


def check_transition(
    status: TicketStatus, action: TicketAction, role: Role, reason: str | None
) -> Transition:
    """The transition, or an error: wrong state 409, wrong role 403, missing reason 422."""
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        allowed = ", ".join(sorted(t.action for t in TRANSITIONS.values() if status in t.sources))
        raise InvalidTransition(
            f"A ticket that is '{status}' cannot be '{action}'; from '{status}' the possible "
            f"actions are: {allowed or 'none'}.",
            details=[{"status": str(status), "action": str(action)}],
        )
    if role not in transition.roles:
        raise PermissionDenied(
            f"The role '{role}' may not '{action}' a ticket; "
            f"roles that may: {', '.join(sorted(transition.roles))}."
        )
    if transition.reason_required and not (reason and reason.strip()):
        raise ValidationFailed(f"'{action}' needs a reason; give one in the 'reason' field.")
    return transition
