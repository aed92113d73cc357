"""Request-scoped dependencies: the container, a database session, the acting user."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from claimdesk.bootstrap import Container
from claimdesk.config import Settings
from claimdesk.core.errors import AuthenticationFailed
from claimdesk.security.service import Actor, actor_for_token

bearer_token = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_container(request: Request) -> Container:
    return request.app.state.container


def get_session(container: Annotated[Container, Depends(get_container)]) -> Iterator[Session]:
    """A session per request; handlers commit what they change, the rest is rolled back."""
    session = container.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def get_settings(container: Annotated[Container, Depends(get_container)]) -> Settings:
    return container.settings


def get_now(container: Annotated[Container, Depends(get_container)]) -> datetime:
    return container.clock.now()


def get_actor(
    token: Annotated[str | None, Depends(bearer_token)],
    session: Annotated[Session, Depends(get_session)],
    now: Annotated[datetime, Depends(get_now)],
) -> Actor:
    if not token:
        raise AuthenticationFailed("Sign in first: send 'Authorization: Bearer <token>'.")
    return actor_for_token(session, token=token, now=now)


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
ActorDep = Annotated[Actor, Depends(get_actor)]
