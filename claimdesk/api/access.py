"""Who may call each API route at the door: public, probe or signed in, and the rate limit.

Every route under ``/api/`` (and every route in the OpenAPI document) must have an entry in
``ACCESS`` below, keyed ``"METHOD /path"`` exactly as FastAPI registers it. ``create_app``
refuses to start when a route has no rule, and ``enforce_access`` (a dependency of the API
router) applies the rule before the handler runs:

- ``PUBLIC``: anyone, rate limited per client address (``LOGIN`` has its own, lower limit);
- ``PROBE``: anyone, not rate limited (health probes, the OpenAPI document);
- ``AUTHENTICATED``: any signed-in user, rate limited per user.

What a signed-in user may do is decided by the services, in one place: each service
function calls ``security.permissions.require`` (the role's permissions, from the one table
in ``claimdesk/security/permissions.py``) and applies row-level rules (a customer sees only
their own records, an agent only their teams' tickets) before it reads or changes anything.
The web pages and the CLI call the same functions, so they meet the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import BaseRoute

API_PREFIX = "/api/v1"


class Access(StrEnum):
    PUBLIC = "public"
    PROBE = "probe"
    AUTHENTICATED = "authenticated"


class RateLimit(StrEnum):
    """Which configured limit applies (settings ``rate_limit_login`` / ``rate_limit_public``
    per client address; ``rate_limit_user`` per user on every signed-in route)."""

    LOGIN = "login"
    PUBLIC = "public"
    USER = "user"


@dataclass(frozen=True)
class Rule:
    access: Access
    rate_limit: RateLimit | None = None


PUBLIC = Rule(Access.PUBLIC, rate_limit=RateLimit.PUBLIC)
LOGIN = Rule(Access.PUBLIC, rate_limit=RateLimit.LOGIN)
PROBE = Rule(Access.PROBE)
AUTHENTICATED = Rule(Access.AUTHENTICATED)


ACCESS: dict[str, Rule] = {
    # Probes and the API description.
    "GET /healthz": PROBE,
    "GET /readyz": PROBE,
    "GET /api/v1/openapi.json": PROBE,
    "GET /api/v1/docs": PROBE,
    # Sign-in.
    "POST /api/v1/auth/token": LOGIN,
    "POST /api/v1/auth/logout": AUTHENTICATED,
    "GET /api/v1/auth/me": AUTHENTICATED,
    # Customers and policies (customers see only themselves and their own policies).
    "POST /api/v1/customers": AUTHENTICATED,
    "GET /api/v1/customers/{customer_id}": AUTHENTICATED,
    "GET /api/v1/customers/segments": AUTHENTICATED,
    "GET /api/v1/customers/{customer_id}/360": AUTHENTICATED,
    "GET /api/v1/customers/{customer_id}/loyalty": AUTHENTICATED,
    "POST /api/v1/customers/{customer_id}/loyalty/redemptions": AUTHENTICATED,
    "GET /api/v1/customers": AUTHENTICATED,
    "POST /api/v1/customers/{customer_id}/bank-accounts": AUTHENTICATED,
    "POST /api/v1/customers/{customer_id}/bank-accounts/{account_id}/verify": AUTHENTICATED,
    "POST /api/v1/customers/{customer_id}/merge": AUTHENTICATED,
    # Data-subject rights: the customer their own (row level), staff with customers.export.
    "GET /api/v1/customers/{customer_id}/export": AUTHENTICATED,
    "POST /api/v1/customers/{customer_id}/privacy-requests": AUTHENTICATED,
    "GET /api/v1/products": AUTHENTICATED,
    "GET /api/v1/policies": AUTHENTICATED,
    "GET /api/v1/policies/{policy_id}": AUTHENTICATED,
    "POST /api/v1/policies": AUTHENTICATED,
    # Claims (row level: customers see their own; lifecycle roles in claims/machine.py).
    "POST /api/v1/claims": AUTHENTICATED,
    "GET /api/v1/claims": AUTHENTICATED,
    "GET /api/v1/claims/{claim_id}": AUTHENTICATED,
    "GET /api/v1/claims/{claim_id}/timeline": AUTHENTICATED,
    "GET /api/v1/claims/{claim_id}/payout": AUTHENTICATED,
    "POST /api/v1/claims/{claim_id}/transitions": AUTHENTICATED,
    "POST /api/v1/claims/{claim_id}/advance-payments": AUTHENTICATED,
    "GET /api/v1/claims/{claim_id}/risk": AUTHENTICATED,
    "POST /api/v1/claims/{claim_id}/reserve": AUTHENTICATED,
    "GET /api/v1/claims/{claim_id}/reserves": AUTHENTICATED,
    # Referral for approval and field investigations (staff; the assignee completes).
    "POST /api/v1/claims/{claim_id}/referrals": AUTHENTICATED,
    "GET /api/v1/claims/{claim_id}/field-investigations": AUTHENTICATED,
    "POST /api/v1/claims/{claim_id}/field-investigations": AUTHENTICATED,
    "POST /api/v1/field-investigations/{investigation_id}/assign": AUTHENTICATED,
    "POST /api/v1/field-investigations/{investigation_id}/complete": AUTHENTICATED,
    # Documents (row level through the claim).
    "POST /api/v1/claims/{claim_id}/documents": AUTHENTICATED,
    "GET /api/v1/claims/{claim_id}/documents": AUTHENTICATED,
    "GET /api/v1/claims/{claim_id}/documents/{document_id}": AUTHENTICATED,
    "GET /api/v1/claims/{claim_id}/documents/{document_id}/content": AUTHENTICATED,
    "GET /api/v1/claims/{claim_id}/completeness": AUTHENTICATED,
    # Service desk (row level: customers their own tickets, agents their teams' tickets;
    # ticket lifecycle roles in support/machine.py).
    "POST /api/v1/tickets": AUTHENTICATED,
    "GET /api/v1/tickets": AUTHENTICATED,
    "GET /api/v1/tickets/{ticket_id}": AUTHENTICATED,
    "POST /api/v1/tickets/{ticket_id}/messages": AUTHENTICATED,
    "POST /api/v1/tickets/{ticket_id}/transitions": AUTHENTICATED,
    "POST /api/v1/tickets/{ticket_id}/assign": AUTHENTICATED,
    "PATCH /api/v1/tickets/{ticket_id}/complaint": AUTHENTICATED,
    "POST /api/v1/teams": AUTHENTICATED,
    "GET /api/v1/teams": AUTHENTICATED,
    "GET /api/v1/sla/compliance": AUTHENTICATED,
    "GET /api/v1/sla/alerts": AUTHENTICATED,
    "POST /api/v1/disputes": AUTHENTICATED,
    "GET /api/v1/disputes/{dispute_id}": AUTHENTICATED,
    "POST /api/v1/disputes/{dispute_id}/steps": AUTHENTICATED,
    "GET /api/v1/surveys/results": AUTHENTICATED,
    "GET /api/v1/surveys/{survey_id}": AUTHENTICATED,
    "POST /api/v1/surveys/{survey_id}/responses": AUTHENTICATED,
    # Audit.
    "GET /api/v1/audit/verify": AUTHENTICATED,
    "GET /api/v1/audit/waivers": AUTHENTICATED,
    "GET /api/v1/audit/access-log": AUTHENTICATED,
    # Smart assistant: anyone may ask (signed-in customers also about their own records)
    # and read published entries; drafts and edits are for staff who manage the KB.
    "POST /api/v1/assistant/messages": PUBLIC,
    "GET /api/v1/assistant/kb": PUBLIC,
    "GET /api/v1/assistant/kb/{entry_id}": PUBLIC,
    "POST /api/v1/assistant/kb": AUTHENTICATED,
    "PATCH /api/v1/assistant/kb/{entry_id}": AUTHENTICATED,
    "POST /api/v1/assistant/kb/{entry_id}/publish": AUTHENTICATED,
    "POST /api/v1/assistant/kb/{entry_id}/unpublish": AUTHENTICATED,
    # Compliance (row level: each member of staff may read their own certificates and
    # training; the service checks compliance.view for anyone else's).
    "POST /api/v1/compliance/staff/{user_id}/qualifications": AUTHENTICATED,
    "GET /api/v1/compliance/staff/{user_id}/qualifications": AUTHENTICATED,
    "GET /api/v1/compliance/qualifications/expiring": AUTHENTICATED,
    "POST /api/v1/compliance/staff/{user_id}/training": AUTHENTICATED,
    "GET /api/v1/compliance/staff/{user_id}/training": AUTHENTICATED,
    "GET /api/v1/compliance/training": AUTHENTICATED,
    "GET /api/v1/compliance/audit-report": AUTHENTICATED,
    # HL7 FHIR (row level through the claim, as for GET /claims/{claim_id}).
    "POST /api/v1/fhir/Claim": AUTHENTICATED,
    "GET /api/v1/fhir/ClaimResponse/{claim_id}": AUTHENTICATED,
    "GET /api/v1/fhir/ExplanationOfBenefit/{claim_id}": AUTHENTICATED,
    # Analytics (KPIs for dashboards and exports).
    "GET /api/v1/metrics/kpis": AUTHENTICATED,
    "GET /api/v1/metrics/kpis/breakdown": AUTHENTICATED,
    "GET /api/v1/metrics/reserves": AUTHENTICATED,
    "GET /api/v1/metrics/risk": AUTHENTICATED,
    # Catastrophe mode (events, bulk intake, prioritised queues): staff only.
    "POST /api/v1/catastrophes": AUTHENTICATED,
    "GET /api/v1/catastrophes": AUTHENTICATED,
    "GET /api/v1/catastrophes/{event_id}": AUTHENTICATED,
    "POST /api/v1/catastrophes/{event_id}/close": AUTHENTICATED,
    "POST /api/v1/catastrophes/{event_id}/claims": AUTHENTICATED,
    "GET /api/v1/catastrophes/{event_id}/queue": AUTHENTICATED,
    # Customer communications (contact preferences row level: a customer their own, staff
    # with customers.view_360 to read and customers.create to change them).
    "GET /api/v1/message-templates": AUTHENTICATED,
    "GET /api/v1/message-templates/{event}/{locale}": AUTHENTICATED,
    "PUT /api/v1/message-templates/{event}/{locale}": AUTHENTICATED,
    "DELETE /api/v1/message-templates/{event}/{locale}": AUTHENTICATED,
    "POST /api/v1/message-templates/{event}/{locale}/preview": AUTHENTICATED,
    "GET /api/v1/customers/{customer_id}/contact-preferences": AUTHENTICATED,
    "PUT /api/v1/customers/{customer_id}/contact-preferences": AUTHENTICATED,
    "GET /api/v1/tickets/{ticket_id}/attachments/{attachment_id}/content": AUTHENTICATED,
    # Partner webhooks (administrators).
    "POST /api/v1/webhooks": AUTHENTICATED,
    "GET /api/v1/webhooks": AUTHENTICATED,
    "GET /api/v1/webhooks/{webhook_id}": AUTHENTICATED,
    "DELETE /api/v1/webhooks/{webhook_id}": AUTHENTICATED,
    "POST /api/v1/webhooks/{webhook_id}/enable": AUTHENTICATED,
    "GET /api/v1/webhooks/{webhook_id}/deliveries": AUTHENTICATED,
    "POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay": AUTHENTICATED,
}


def route_keys(route: object) -> list[str]:
    """``"METHOD /path"`` for each method of a route (HEAD, which Starlette adds, excluded)."""
    path = getattr(route, "path", None) or ""
    methods = sorted((getattr(route, "methods", None) or {"GET"}) - {"HEAD"})
    return [f"{method} {path}" for method in methods]


def in_scope(route: RouteContext) -> bool:
    """API routes need a rule; web pages (outside /api/, not in the OpenAPI) do not."""
    path = getattr(route, "path", None) or ""
    in_openapi = isinstance(route.original_route, APIRoute) and route.include_in_schema
    return path.startswith("/api/") or in_openapi


def check_routes(
    routes: Sequence[BaseRoute], enforcer: object, table: Mapping[str, Rule] = ACCESS
) -> dict[tuple[int, str], Rule]:
    """Refuse to start when a route has no explicit rule in ``table`` or escapes the check;
    return the rules by (route object id, method) for ``enforcer`` to look up at request
    time."""
    missing, unenforced, rules = [], [], {}
    for route in iter_route_contexts(routes):
        if not in_scope(route):
            continue
        for key in route_keys(route):
            rule = table.get(key)
            if rule is None:
                missing.append(key)
                continue
            rules[(id(route.original_route), key.split(" ", 1)[0])] = rule
            enforced = any(
                d.dependency is enforcer for d in getattr(route, "dependencies", None) or []
            )
            if rule.access != Access.PROBE and not enforced:
                unenforced.append(key)
    problems = []
    if missing:
        problems.append(
            "These API routes have no access rule: "
            + "; ".join(missing)
            + ". Add each to ACCESS in claimdesk/api/access.py, e.g. "
            + f'"{missing[0]}": AUTHENTICATED, (or PUBLIC), and have the service it calls '
            "decide the permission with security.permissions.require."
        )
    if unenforced:
        problems.append(
            "These routes are outside the API router, so their access rule is not enforced: "
            + "; ".join(unenforced)
            + ". Include their router in claimdesk/api/app.py's `api` router."
        )
    if problems:
        raise RuntimeError(" ".join(problems))
    return rules
