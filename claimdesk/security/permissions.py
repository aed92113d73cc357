"""One permission table (action -> roles), checked by services for API and web alike.

Claim lifecycle actions have their roles in the claim state machine's transition table.
"""

from __future__ import annotations

from claimdesk.core.errors import PermissionDenied
from claimdesk.security.enums import HANDLER_ROLES, Role
from claimdesk.security.service import Actor

PERMISSIONS: dict[str, frozenset[Role]] = {
    "customers.create": frozenset({Role.AGENT, Role.ADMIN}) | HANDLER_ROLES,
    "policies.create": frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN}),
    "claims.report": frozenset({Role.CUSTOMER, Role.AGENT}) | HANDLER_ROLES,
    "audit.verify": frozenset({Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN}),
    # Risk scores and their factors: staff who handle or audit claims, never customers.
    "claims.view_risk": frozenset({Role.INVESTIGATOR, Role.AUDITOR, Role.ADMIN}) | HANDLER_ROLES,
    "documents.upload": frozenset({Role.CUSTOMER, Role.AGENT, Role.INVESTIGATOR}) | HANDLER_ROLES,
    # Service desk (ticket lifecycle roles are in support/machine.py).
    "support.work": frozenset({Role.AGENT, Role.ADMIN}) | HANDLER_ROLES,
    "support.teams.manage": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "support.reports": frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR}),
    "support.disputes.manage": frozenset({Role.SENIOR_ADJUSTER, Role.SUPERVISOR}),
}


def require(actor: Actor, permission: str) -> None:
    roles = PERMISSIONS[permission]
    if actor.role not in roles:
        raise PermissionDenied(
            f"The role '{actor.role}' may not do '{permission}'; "
            f"roles that may: {', '.join(sorted(roles))}."
        )
