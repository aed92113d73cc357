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
    # Documents waived before money moved: who, which, why (for auditors and management).
    "audit.waivers": frozenset({Role.AUDITOR, Role.SUPERVISOR, Role.SENIOR_ADJUSTER, Role.ADMIN}),
    # Sensitive personal data (ID number, phone, bank account) in clear; others see it masked.
    "customers.view_sensitive": frozenset(
        {Role.AGENT, Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMIN}
    ),
    # Payee accounts: a second member of staff confirms an account someone else added.
    "customers.verify_account": frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
    | HANDLER_ROLES,
    "customers.search": frozenset({Role.AGENT, Role.INVESTIGATOR, Role.AUDITOR, Role.ADMIN})
    | HANDLER_ROLES,
    # Claim lifecycle: each action's roles are in claims/machine.py; auditors only read.
    "claims.transition": frozenset(Role) - {Role.AUDITOR},
    # Case reserves: handlers change them; staff read their history (customers never).
    "claims.reserve": HANDLER_ROLES,
    "claims.view_reserves": frozenset(Role) - {Role.CUSTOMER},
    "claims.advance_payment": HANDLER_ROLES,  # art. 25 advance, through the claim's rules
    # Refer a claim for approval to a named colleague whose authority covers it.
    "claims.refer": HANDLER_ROLES,
    # Field investigations: handlers open and assign them; the assignee (an investigator or
    # a handler) completes them; staff who handle or audit claims read them.
    "claims.field_investigations.manage": HANDLER_ROLES,
    "claims.field_investigations.work": HANDLER_ROLES | {Role.INVESTIGATOR},
    "claims.field_investigations.view": frozenset({Role.INVESTIGATOR, Role.AUDITOR, Role.ADMIN})
    | HANDLER_ROLES,
    # Risk scores and their factors: staff who handle or audit claims, never customers.
    "claims.view_risk": frozenset({Role.INVESTIGATOR, Role.AUDITOR, Role.ADMIN}) | HANDLER_ROLES,
    "documents.upload": frozenset({Role.CUSTOMER, Role.AGENT, Role.INVESTIGATOR}) | HANDLER_ROLES,
    # Service desk (ticket lifecycle roles are in support/machine.py).
    "support.work": frozenset({Role.AGENT, Role.ADMIN}) | HANDLER_ROLES,
    "support.teams.manage": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "support.reports": frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR}),
    "support.disputes.manage": frozenset({Role.SENIOR_ADJUSTER, Role.SUPERVISOR}),
    # Compliance: supervisors and administrators record staff certificates and training;
    # auditors read them and the internal-audit report (each member of staff sees their own).
    "compliance.manage": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "compliance.view": frozenset({Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN}),
    "compliance.report": frozenset({Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN}),
    # FHIR interoperability: partner systems submit health claims as staff intake does.
    "interop.fhir.submit": frozenset({Role.AGENT}) | HANDLER_ROLES,
    "interop.fhir.read": frozenset({Role.AGENT, Role.AUDITOR}) | HANDLER_ROLES,
    # Analytics: KPIs by handler are staff performance figures, for management and audit.
    "analytics.view": frozenset({Role.SENIOR_ADJUSTER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN}),
    # Customer 360, segments and loyalty (customers read and redeem only their own).
    "customers.view_360": frozenset({Role.AGENT, Role.AUDITOR, Role.ADMIN}) | HANDLER_ROLES,
    # Privacy (PIPL): merge duplicate customers; read the sensitive-access log; export a
    # customer's data on their request (the customer themself needs no permission).
    "customers.merge": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "audit.access_log": frozenset({Role.AUDITOR, Role.ADMIN}),
    "customers.export": frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN}),
    "customers.segments.manage": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "loyalty.redeem": frozenset({Role.CUSTOMER, Role.AGENT}),
    # Assistant: staff who answer customers write and publish knowledge-base entries
    # (everyone, signed in or not, reads published ones and talks to the assistant).
    "assistant.kb.manage": frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN}),
    # Catastrophe mode: supervisors declare and close events; staff who take claims load
    # them in bulk; staff who work or audit claims read the events and their queues.
    "catastrophe.manage": frozenset({Role.SUPERVISOR, Role.ADMIN}),
    "catastrophe.intake": frozenset({Role.AGENT}) | HANDLER_ROLES,
    "catastrophe.view": frozenset({Role.AGENT, Role.INVESTIGATOR, Role.AUDITOR, Role.ADMIN})
    | HANDLER_ROLES,
    # Customer communications: staff who answer customers edit the message templates.
    "messaging.templates.manage": frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN}),
    # Partner webhooks: administrators subscribe URLs, read the delivery log, replay.
    "webhooks.manage": frozenset({Role.ADMIN}),
}


def allowed(actor: Actor, permission: str) -> bool:
    return actor.role in PERMISSIONS[permission]


def require(actor: Actor, permission: str) -> None:
    roles = PERMISSIONS[permission]
    if not allowed(actor, permission):
        raise PermissionDenied(
            f"The role '{actor.role}' may not do '{permission}'; "
            f"roles that may: {', '.join(sorted(roles))}."
        )
