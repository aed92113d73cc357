"""Typed access to what the application and a request carry on Starlette's untyped ``state``.

``app.state`` holds the container, the access rules and the rate limiter (set once by
``create_app``); ``request.state`` holds the signed-in actor once ``enforce_access`` or
``get_actor`` has found it (the bearer token, for a route that signs in itself), and a web
page's signed-in user. Everything reads and writes them through these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from claimdesk.api.access import Rule
    from claimdesk.api.ratelimit import RateLimiter
    from claimdesk.bootstrap import Container
    from claimdesk.security.models import User
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


def pending_token(conn: HTTPConnection) -> str | None:
    """The bearer token of a route that signs in itself (``deps.signs_in_itself``), left by
    ``enforce_access`` for the handler's own sign-in."""
    return cast("str | None", getattr(conn.state, "pending_sign_in", None))


def set_pending_token(conn: HTTPConnection, token: str) -> None:
    conn.state.pending_sign_in = token


def page_user(conn: HTTPConnection) -> User | None:
    """The signed-in user of a web page, once looked up (None: nobody signed in)."""
    return cast("User | None", getattr(conn.state, "user", None))


def page_user_looked_up(conn: HTTPConnection) -> bool:
    return hasattr(conn.state, "user")


def set_page_user(conn: HTTPConnection, user: User | None) -> None:
    conn.state.user = user
