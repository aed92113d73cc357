"""The claim lifecycle (R1) as one explicit transition table.

Each action names the states it may start from, the state it leads to, the roles that
may take it and whether a reason is required. ``approve`` leads to ``approved`` or
``partially_approved`` depending on the calculated payout; ``pay`` stays in the approved
state until the approved amount is paid in full. Guards that need the claim's data
(authority limits, four-eyes, verified account) live in :mod:`claimdesk.claims.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass

from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
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


@dataclass(frozen=True)
class Transition:
    action: ClaimAction
    sources: frozenset[ClaimStatus]
    target: ClaimStatus
    roles: frozenset[Role]
    reason_required: bool = False


TRANSITIONS: dict[ClaimAction, Transition] = {
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
    )
}


def allowed_actions(status: ClaimStatus, role: Role) -> list[ClaimAction]:
    """Actions this role could take from this status (before data guards)."""
    return [t.action for t in TRANSITIONS.values() if status in t.sources and role in t.roles]


def check_transition(
    status: ClaimStatus, action: ClaimAction, role: Role, reason: str | None
) -> Transition:
    """The transition, or an error: wrong state 409, wrong role 403, missing reason 422."""
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        allowed = ", ".join(sorted(t.action for t in TRANSITIONS.values() if status in t.sources))
        raise InvalidTransition(
            f"A claim that is '{status}' cannot be '{action}'; from '{status}' the possible "
            f"actions are: {allowed or 'none'}.",
            details=[{"status": str(status), "action": str(action)}],
        )
    check_role(action, role)
    if transition.reason_required and not (reason and reason.strip()):
        raise ValidationFailed(f"'{action}' needs a reason; give one in the 'reason' field.")
    return transition


def check_role(action: ClaimAction, role: Role) -> None:
    roles = TRANSITIONS[action].roles
    if role not in roles:
        raise PermissionDenied(
            f"The role '{role}' may not '{action}' a claim; "
            f"roles that may: {', '.join(sorted(roles))}."
        )
