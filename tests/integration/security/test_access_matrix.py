"""Every API route has an explicit door rule, and every role meets exactly the permission
its service decides.

The door rules (public, probe, signed in) are the route table in claimdesk/api/access.py:
a route added without one stops the app from starting, so this module fails too. What a
signed-in role may do is decided by the services (``security.permissions.require``);
``REQUIRED`` below is the specification they are held to. Each call sends a request the
route's OpenAPI schema accepts (generated once per operation), so a refusal is the
service's decision, not a validation error; ids in paths name nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import APIRouter
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample
from schemathesis import GenerationMode

from claimdesk.api.access import ACCESS, Access, check_routes, in_scope, route_keys
from claimdesk.api.app import create_app
from claimdesk.api.deps import enforce_access
from claimdesk.security.enums import Role
from claimdesk.security.permissions import PERMISSIONS

UNKNOWN_ID = 987654
LOGOUT = "POST /api/v1/auth/logout"

# Signed-in routes a role may call only with this permission (security/permissions.py).
# Signed-in routes not listed are open to every role, with row-level rules.
REQUIRED: dict[str, str] = {
    "POST /api/v1/customers": "customers.create",
    "GET /api/v1/customers/segments": "customers.view_360",
    "POST /api/v1/customers/{customer_id}/loyalty/redemptions": "loyalty.redeem",
    "GET /api/v1/customers": "customers.search",
    "POST /api/v1/customers/{customer_id}/bank-accounts/{account_id}/verify": (
        "customers.verify_account"
    ),
    "POST /api/v1/customers/{customer_id}/merge": "customers.merge",
    "POST /api/v1/policies": "policies.create",
    "POST /api/v1/claims": "claims.report",
    "POST /api/v1/claims/{claim_id}/transitions": "claims.transition",
    "POST /api/v1/claims/{claim_id}/advance-payments": "claims.advance_payment",
    "GET /api/v1/claims/{claim_id}/risk": "claims.view_risk",
    "POST /api/v1/claims/{claim_id}/reserve": "claims.reserve",
    "GET /api/v1/claims/{claim_id}/reserves": "claims.view_reserves",
    "POST /api/v1/claims/{claim_id}/referrals": "claims.refer",
    "GET /api/v1/claims/{claim_id}/field-investigations": "claims.field_investigations.view",
    "POST /api/v1/claims/{claim_id}/field-investigations": "claims.field_investigations.manage",
    "POST /api/v1/field-investigations/{investigation_id}/assign": (
        "claims.field_investigations.manage"
    ),
    "POST /api/v1/field-investigations/{investigation_id}/complete": (
        "claims.field_investigations.work"
    ),
    "POST /api/v1/claims/{claim_id}/documents": "documents.upload",
    "POST /api/v1/tickets/{ticket_id}/assign": "support.work",
    "PATCH /api/v1/tickets/{ticket_id}/complaint": "support.work",
    "POST /api/v1/teams": "support.teams.manage",
    "GET /api/v1/teams": "support.work",
    "GET /api/v1/sla/compliance": "support.reports",
    "POST /api/v1/disputes/{dispute_id}/steps": "support.disputes.manage",
    "GET /api/v1/surveys/results": "support.reports",
    "GET /api/v1/audit/verify": "audit.verify",
    "GET /api/v1/audit/waivers": "audit.waivers",
    "GET /api/v1/audit/access-log": "audit.access_log",
    "POST /api/v1/assistant/kb": "assistant.kb.manage",
    "PATCH /api/v1/assistant/kb/{entry_id}": "assistant.kb.manage",
    "POST /api/v1/assistant/kb/{entry_id}/publish": "assistant.kb.manage",
    "POST /api/v1/assistant/kb/{entry_id}/unpublish": "assistant.kb.manage",
    "POST /api/v1/compliance/staff/{user_id}/qualifications": "compliance.manage",
    "GET /api/v1/compliance/qualifications/expiring": "compliance.view",
    "POST /api/v1/compliance/staff/{user_id}/training": "compliance.manage",
    "GET /api/v1/compliance/training": "compliance.view",
    "GET /api/v1/compliance/audit-report": "compliance.report",
    "POST /api/v1/fhir/Claim": "interop.fhir.submit",
    "GET /api/v1/fhir/ClaimResponse/{claim_id}": "interop.fhir.read",
    "GET /api/v1/fhir/ExplanationOfBenefit/{claim_id}": "interop.fhir.read",
    "GET /api/v1/metrics/kpis": "analytics.view",
    "GET /api/v1/metrics/kpis/breakdown": "analytics.view",
    "GET /api/v1/metrics/reserves": "analytics.view",
    "GET /api/v1/metrics/risk": "analytics.view",
    "POST /api/v1/catastrophes": "catastrophe.manage",
    "GET /api/v1/catastrophes": "catastrophe.view",
    "GET /api/v1/catastrophes/{event_id}": "catastrophe.view",
    "POST /api/v1/catastrophes/{event_id}/close": "catastrophe.manage",
    "POST /api/v1/catastrophes/{event_id}/claims": "catastrophe.intake",
    "GET /api/v1/catastrophes/{event_id}/queue": "catastrophe.view",
    "GET /api/v1/message-templates": "messaging.templates.manage",
    "GET /api/v1/message-templates/{event}/{locale}": "messaging.templates.manage",
    "PUT /api/v1/message-templates/{event}/{locale}": "messaging.templates.manage",
    "DELETE /api/v1/message-templates/{event}/{locale}": "messaging.templates.manage",
    "POST /api/v1/message-templates/{event}/{locale}/preview": "messaging.templates.manage",
    "POST /api/v1/webhooks": "webhooks.manage",
    "GET /api/v1/webhooks": "webhooks.manage",
    "GET /api/v1/webhooks/{webhook_id}": "webhooks.manage",
    "DELETE /api/v1/webhooks/{webhook_id}": "webhooks.manage",
    "POST /api/v1/webhooks/{webhook_id}/enable": "webhooks.manage",
    "GET /api/v1/webhooks/{webhook_id}/deliveries": "webhooks.manage",
    "POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay": "webhooks.manage",
}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, Any]
    json: Any
    files: dict[str, Any] | None


_CALLS: dict[str, Call] = {}


def _body_is_valid(route: APIRoute | None, body: Any) -> bool:
    field = getattr(route, "body_field", None)
    if field is None or not isinstance(body, dict | list):
        return True
    _, errors = field.validate(body, {}, loc=("body",))
    return not errors


def _valid_case(operation: Any, route: APIRoute | None) -> Any:
    """The first generated request whose body the route accepts: derandomized, so every
    run sends the same; searched at random once more if that finds none."""
    for derandomize in (True, False):
        try:
            return find(
                operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                lambda case: (
                    case.media_type == "multipart/form-data" or _body_is_valid(route, case.body)
                ),
                settings=settings(
                    database=None,
                    derandomize=derandomize,
                    max_examples=5000,  # stops at the first valid one
                    phases=[Phase.generate],  # no shrinking
                    suppress_health_check=list(HealthCheck),
                ),
            )
        except NoSuchExample:
            if not derandomize:
                raise
    raise AssertionError("unreachable")


def _calls(app: Any) -> dict[str, Call]:
    """One schema-valid request per operation, ids replaced by one that names nothing."""
    if _CALLS:
        return _CALLS
    calls = {}
    routes = {
        key: context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for key in route_keys(context)
    }
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()
        key = f"{operation.method.upper()} {operation.path}"
        case = _valid_case(operation, routes.get(key))
        path = operation.path
        for name, value in (case.path_parameters or {}).items():
            path = path.replace(f"{{{name}}}", str(UNKNOWN_ID if isinstance(value, int) else value))
        multipart = case.media_type == "multipart/form-data"
        body = case.body if isinstance(case.body, dict | list) else None
        calls[key] = Call(
            method=operation.method.upper(),
            path=path,
            query=dict(case.query or {}),
            json=None if multipart else body,
            files={"file": ("note.txt", b"a note", "text/plain")} if multipart else None,
        )
    _CALLS.update(calls)
    return _CALLS


def _plain(key: str) -> Call:
    """A route outside the OpenAPI document (probes, the document itself): no parameters."""
    method, path = key.split(" ", 1)
    return Call(method, path, {}, None, None)


def _expected_problem(key: str, role: Role | None, status: int) -> str | None:
    """What is wrong with this status for this caller, or None if it fits the rules."""
    rule = ACCESS[key]
    if status >= 500:
        return f"server error {status}"
    if rule.access in (Access.PUBLIC, Access.PROBE):
        return f"public route answered {status}" if status in (401, 403) else None
    if role is None:
        return None if status == 401 else f"anonymous caller got {status}, not 401"
    if status == 401:
        return "signed-in caller got 401"
    permission = REQUIRED.get(key)
    if permission is not None:
        allowed = role in PERMISSIONS[permission]
        if allowed and status == 403:
            return f"role has {permission!r} but got 403"
        if not allowed and status != 403:
            return f"role lacks {permission!r} but got {status}"
    return None


def test_every_rule_names_a_registered_route_and_a_known_permission(container):
    app = create_app(container)
    registered = {
        key
        for route in iter_route_contexts(app.routes)
        if in_scope(route)
        for key in route_keys(route)
    }
    assert registered == set(ACCESS)
    assert set(REQUIRED) <= set(ACCESS)
    assert all(ACCESS[key].access == Access.AUTHENTICATED for key in REQUIRED)
    assert set(REQUIRED.values()) <= set(PERMISSIONS)


def test_a_route_without_a_rule_stops_the_app_and_names_the_route_and_the_table():
    router = APIRouter(prefix="/api/v1", dependencies=[])

    @router.get("/brand-new/{thing_id}")
    def brand_new(thing_id: int) -> dict:
        return {}

    with pytest.raises(RuntimeError) as failure:
        check_routes(router.routes, enforce_access)
    message = str(failure.value)
    assert "GET /api/v1/brand-new/{thing_id}" in message
    assert "claimdesk/api/access.py" in message


def test_a_ruled_route_outside_the_api_router_is_refused_as_unenforced():
    router = APIRouter(prefix="/api/v1")

    @router.get("/side-door")
    def side_door() -> dict:
        return {}

    table = {**ACCESS, "GET /api/v1/side-door": ACCESS["GET /api/v1/auth/me"]}
    with pytest.raises(RuntimeError, match=r"outside the API router.*GET /api/v1/side-door"):
        check_routes(router.routes, enforce_access, table)


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r or "anonymous")
def test_each_role_meets_exactly_the_rule_of_every_route(world, role):
    if role is None:
        headers = {}
    elif role == Role.CUSTOMER:
        headers = world.login(role, world.customer())
    else:
        headers = world.login(role)
    calls = _calls(world.client.app)
    problems = []
    for key in sorted(ACCESS, key=lambda key: key == LOGOUT):  # sign-out ends the token
        call = calls.get(key) or _plain(key)
        response = world.client.request(
            call.method,
            call.path,
            params=call.query,
            json=call.json,
            files=call.files,
            headers=headers,
        )
        problem = _expected_problem(key, role, response.status_code)
        if problem:
            problems.append(f"{key}: {problem} ({response.text[:120]})")
    assert problems == [], "\n".join(problems)
