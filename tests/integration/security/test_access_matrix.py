"""Every API route has an explicit access rule, and every role meets exactly that rule.

The matrix is generated from the route table (claimdesk/api/access.py): a route added
without a rule stops the app from starting, so this module fails too.
"""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.routing import iter_route_contexts

from claimdesk.api.access import ACCESS, Access, check_routes, in_scope, route_keys
from claimdesk.api.app import create_app
from claimdesk.api.deps import enforce_access
from claimdesk.security.enums import Role
from claimdesk.security.permissions import PERMISSIONS

UNKNOWN_ID = "987654"
LOGOUT = "POST /api/v1/auth/logout"


def _requests() -> list[tuple[str, str, str]]:
    """(key, method, concrete path) for every rule; sign-out last, as it ends the token."""
    keys = sorted(ACCESS, key=lambda key: key == LOGOUT)
    out = []
    for key in keys:
        method, path = key.split(" ", 1)
        while "{" in path:
            start, end = path.index("{"), path.index("}")
            path = path[:start] + UNKNOWN_ID + path[end + 1 :]
        out.append((key, method, path))
    return out


def _call(client, method: str, path: str, headers: dict[str, str]):
    body = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
    return client.request(method, path, headers=headers, **body)


def _expected_problem(key: str, role: Role | None, status: int) -> str | None:
    """What is wrong with this status for this caller, or None if it fits the rule."""
    rule = ACCESS[key]
    if status >= 500:
        return f"server error {status}"
    if rule.access in (Access.PUBLIC, Access.PROBE):
        return f"public route answered {status}" if status in (401, 403) else None
    if role is None:
        return None if status == 401 else f"anonymous caller got {status}, not 401"
    if status == 401:
        return "signed-in caller got 401"
    if rule.permission is not None:
        allowed = role in PERMISSIONS[rule.permission]
        if allowed and status == 403:
            return f"role has {rule.permission!r} but got 403"
        if not allowed and status != 403:
            return f"role lacks {rule.permission!r} but got {status}"
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
    assert all(r.permission in PERMISSIONS for r in ACCESS.values() if r.permission)


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


def test_a_ruled_route_outside_the_api_router_is_refused_as_unenforced(monkeypatch):
    router = APIRouter(prefix="/api/v1")

    @router.get("/side-door")
    def side_door() -> dict:
        return {}

    monkeypatch.setitem(ACCESS, "GET /api/v1/side-door", ACCESS["GET /api/v1/auth/me"])
    with pytest.raises(RuntimeError, match=r"outside the API router.*GET /api/v1/side-door"):
        check_routes(router.routes, enforce_access)


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r or "anonymous")
def test_each_role_meets_exactly_the_rule_of_every_route(world, role):
    if role is None:
        headers = {}
    elif role == Role.CUSTOMER:
        headers = world.login(role, world.customer())
    else:
        headers = world.login(role)
    problems = []
    for key, method, path in _requests():
        response = _call(world.client, method, path, headers)
        problem = _expected_problem(key, role, response.status_code)
        if problem:
            problems.append(f"{key}: {problem} ({response.text[:120]})")
    assert problems == []
