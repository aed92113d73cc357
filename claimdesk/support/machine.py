"""The ticket lifecycle as one explicit transition table (like claims/machine.py).

``new`` -> ``open`` when an agent starts work (a staff reply does it too); ``open`` <->
``waiting_on_customer`` pauses and resumes the SLA clocks (a customer reply resumes);
``resolve`` stops them; a resolved or closed ticket can be reopened.
"""

from __future__ import annotations

from claimdesk.core.machine import StateMachine, Transition
from claimdesk.security.enums import Role
from claimdesk.security.permissions import PERMISSIONS
from claimdesk.support.enums import TicketAction, TicketStatus

S = TicketStatus
A = TicketAction

SUPPORT_ROLES = PERMISSIONS["support.work"]
_ACTIVE = frozenset({S.NEW, S.OPEN, S.WAITING_ON_CUSTOMER, S.REOPENED})
OPEN_STATUSES = _ACTIVE  # statuses that count towards an agent's load


TRANSITIONS: dict[TicketAction, Transition[TicketStatus, TicketAction]] = {
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


MACHINE: StateMachine[TicketStatus, TicketAction] = StateMachine("ticket", TRANSITIONS.values())
allowed_actions = MACHINE.allowed_actions
check_transition = MACHINE.check_transition
