"""Typed access to what the application and a request carry on Starlette's untyped ``state``.

``app.state`` holds the container, the access rules and the rate limiter (set once by
``create_app``); ``request.state`` holds the signed-in actor once ``enforce_access`` or
``get_actor`` has found it. Everything reads and writes them through these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from claimdesk.api.access import Rule
    from claimdesk.api.ratelimit import RateLimiter
    from claimdesk.bootstrap import Container
    from claimdesk.security.service import Actor


def container(conn: HTTPConnection) -> Container:
    return cast("Container", conn.app.state.container)


def rate_limiter(conn: HTTPConnection) -> RateLimiter:
    return cast("RateLimiter", conn.app.state.rate_limiter)


def access_rules(conn: HTTPConnection) -> dict[tuple[int, str], Rule]:
    return cast("dict[tuple[int, str], Rule]", getattr(conn.app.state, "access_rules", {}))


def actor(conn: HTTPConnection) -> Actor | None:
    """The request's signed-in actor, if one was found already."""
    return cast("Actor | None", getattr(conn.state, "actor", None))


def set_actor(conn: HTTPConnection, found: Actor) -> Actor:
    conn.state.actor = found
    return found
