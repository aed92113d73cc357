"""The claim lifecycle (R1) as one explicit transition table.

Each action names the states it may start from, the state it leads to, the roles that
may take it and whether a reason is required. ``approve`` leads to ``approved`` or
``partially_approved`` depending on the calculated payout; ``pay`` stays in the approved
state until the approved amount is paid in full. Guards that need the claim's data
(authority limits, four-eyes, verified account) live in :mod:`claimdesk.claims.rules`.
"""

from __future__ import annotations

from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.core.machine import StateMachine, Transition
from claimdesk.security.enums import HANDLER_ROLES, Role

S = ClaimStatus
A = ClaimAction
_INTAKE_ROLES = frozenset({Role.CUSTOMER, Role.AGENT}) | HANDLER_ROLES
_ASSESSORS = HANDLER_ROLES | {Role.INVESTIGATOR}
_OPEN_BEFORE_DECISION = frozenset(
    {
        S.REPORTED,
        S.AWAITING_DOCUMENTS,
        S.UNDER_REVIEW,
        S.INVESTIGATING,
        S.ASSESSED,
        S.COVERAGE_VERIFIED,
        S.REOPENED,
    }
)


TRANSITIONS: dict[ClaimAction, Transition[ClaimStatus, ClaimAction]] = {
    t.action: t
    for t in (
        Transition(
            A.REQUEST_DOCUMENTS,
            frozenset({S.REPORTED, S.UNDER_REVIEW, S.INVESTIGATING, S.REOPENED}),
            S.AWAITING_DOCUMENTS,
            HANDLER_ROLES | {Role.AGENT},
            reason_required=True,
        ),
        Transition(
            A.SUBMIT_DOCUMENTS, frozenset({S.AWAITING_DOCUMENTS}), S.UNDER_REVIEW, _INTAKE_ROLES
        ),
        Transition(
            A.START_REVIEW, frozenset({S.REPORTED, S.REOPENED}), S.UNDER_REVIEW, HANDLER_ROLES
        ),
        Transition(
            A.START_INVESTIGATION,
            frozenset({S.UNDER_REVIEW, S.ASSESSED}),
            S.INVESTIGATING,
            HANDLER_ROLES,
        ),
        Transition(
            A.REFER_TO_SIU,
            frozenset(
                {S.REPORTED, S.UNDER_REVIEW, S.INVESTIGATING, S.ASSESSED, S.COVERAGE_VERIFIED}
            ),
            S.INVESTIGATING,
            HANDLER_ROLES | {Role.INVESTIGATOR},
            reason_required=True,
        ),
        Transition(A.ASSESS, frozenset({S.UNDER_REVIEW, S.INVESTIGATING}), S.ASSESSED, _ASSESSORS),
        Transition(A.VERIFY_COVERAGE, frozenset({S.ASSESSED}), S.COVERAGE_VERIFIED, HANDLER_ROLES),
        Transition(A.APPROVE, frozenset({S.COVERAGE_VERIFIED}), S.APPROVED, HANDLER_ROLES),
        Transition(
            A.DENY,
            frozenset({S.UNDER_REVIEW, S.INVESTIGATING, S.ASSESSED, S.COVERAGE_VERIFIED}),
            S.DENIED,
            HANDLER_ROLES,
            reason_required=True,
        ),
        Transition(A.PAY, frozenset({S.APPROVED, S.PARTIALLY_APPROVED}), S.PAID, HANDLER_ROLES),
        Transition(A.CLOSE, frozenset({S.PAID, S.DENIED}), S.CLOSED, HANDLER_ROLES),
        Transition(
            A.ARCHIVE,
            frozenset({S.CLOSED, S.WITHDRAWN}),
            S.ARCHIVED,
            frozenset({Role.SUPERVISOR, Role.ADMIN}),
        ),
        Transition(
            A.WITHDRAW,
            _OPEN_BEFORE_DECISION,
            S.WITHDRAWN,
            _INTAKE_ROLES,
            reason_required=True,
        ),
        Transition(
            A.REOPEN,
            frozenset({S.CLOSED, S.DENIED, S.WITHDRAWN}),
            S.REOPENED,
            frozenset({Role.SENIOR_ADJUSTER, Role.SUPERVISOR}),
            reason_required=True,
        ),
        # A dispute settled with an award (support/disputes.py): the awarded amount is
        # approved as awarded, on top of what was approved, and paid by the usual 'pay'.
        Transition(
            A.APPROVE_AWARD,
            frozenset({S.APPROVED, S.PARTIALLY_APPROVED, S.DENIED, S.PAID, S.CLOSED}),
            S.APPROVED,
            frozenset({Role.SENIOR_ADJUSTER, Role.SUPERVISOR}),
        ),
    )
}


MACHINE: StateMachine[ClaimStatus, ClaimAction] = StateMachine("claim", TRANSITIONS.values())
allowed_actions = MACHINE.allowed_actions
check_transition = MACHINE.check_transition
check_role = MACHINE.check_role
