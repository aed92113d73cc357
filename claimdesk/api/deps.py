"""Request-scoped dependencies: the container, a database session, the acting user."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from claimdesk.api.access import Access
from claimdesk.bootstrap import Container
from claimdesk.config import Settings
from claimdesk.core.errors import AuthenticationFailed, PermissionDenied
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor, actor_for_token

bearer_token = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# Dependencies that do no I/O are ``async def``: FastAPI runs them on the event loop instead of
# sending each one to the thread pool, a round trip that costs more than their work.


async def get_container(request: Request) -> Container:
    return request.app.state.container


def get_session(container: Annotated[Container, Depends(get_container)]) -> Iterator[Session]:
    """A session per request; handlers commit what they change, the rest is rolled back."""
    session = container.sessions()
    try:
        yield session
    finally:
        try:
            session.rollback()
        except DBAPIError as exc:
            # The connection was lost (the database restarted, say): there is nothing left
            # to roll back, and the pool has discarded the connection.
            if not exc.connection_invalidated:
                raise
        session.close()


async def get_settings(container: Annotated[Container, Depends(get_container)]) -> Settings:
    return container.settings


async def get_now(container: Annotated[Container, Depends(get_container)]) -> datetime:
    return container.clock.now()


def get_actor(
    request: Request,
    token: Annotated[str | None, Depends(bearer_token)],
    session: Annotated[Session, Depends(get_session)],
    now: Annotated[datetime, Depends(get_now)],
) -> Actor:
    known = getattr(request.state, "actor", None)
    if known is not None:
        return known
    if not token:
        raise AuthenticationFailed("Sign in first: send 'Authorization: Bearer <token>'.")
    request.state.actor = actor_for_token(session, token=token, now=now)
    return request.state.actor


def enforce_access(
    request: Request,
    token: Annotated[str | None, Depends(bearer_token)],
    session: Annotated[Session, Depends(get_session)],
    now: Annotated[datetime, Depends(get_now)],
) -> None:
    """Apply the route's rule from claimdesk/api/access.py before its handler runs."""
    method = "GET" if request.method == "HEAD" else request.method
    rules = getattr(request.app.state, "access_rules", {})
    rule = rules.get((id(request.scope.get("route")), method))
    if rule is None:  # create_app refuses such routes; fail closed all the same
        raise PermissionDenied("This route has no access rule.")
    if rule.rate_limit is not None:
        request.app.state.rate_limiter.hit(rule.rate_limit, request)
    if rule.access in (Access.PUBLIC, Access.PROBE):
        return
    actor = get_actor(request, token, session, now)
    if rule.permission is not None:
        require(actor, rule.permission)


async def get_purpose(request: Request) -> str:
    """Why data is read, for the access log: the route called."""
    return f"{request.method} {request.url.path}"


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
ActorDep = Annotated[Actor, Depends(get_actor)]
PurposeDep = Annotated[str, Depends(get_purpose)]
