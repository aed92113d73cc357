"""Web sign-in: a signed, HttpOnly, SameSite=Lax cookie session and its CSRF token.

The cookie (Starlette's SessionMiddleware, signed with itsdangerous and the settings'
secret key) holds the user id, the CSRF token and the chosen language; nothing else.
Every unsafe request to a web page must carry the session's CSRF token, as the form
field ``csrf_token`` or the ``X-CSRF-Token`` header (htmx sends the header): it is
checked in one place, :func:`check_csrf`, a dependency of the whole web router.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.orm import Session
from starlette.middleware.sessions import SessionMiddleware

from claimdesk.api import state
from claimdesk.api.deps import get_session
from claimdesk.config import Settings
from claimdesk.core.errors import ClaimDeskError, NotFound
from claimdesk.security.enums import Role
from claimdesk.security.models import User
from claimdesk.security.service import Actor

COOKIE_NAME = "claimdesk_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(ClaimDeskError):
    """The page needs a signed-in user; the web layer answers with a redirect to /login."""

    code = "sign_in_required"


class CsrfFailed(ClaimDeskError):
    code = "csrf_failed"


def add_session_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie=COOKIE_NAME,
        max_age=settings.token_ttl_minutes * 60,
        same_site="lax",
        https_only=settings.environment == "production",
    )


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose token does not match the session's."""
    if request.method in _SAFE_METHODS:
        return
    expected = request.session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()  # Starlette keeps it for the endpoint
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfFailed(
            "This form has expired or did not come from this site; reload the page and try again.",
            zh="表单已过期或并非来自本站，请刷新页面后重试。",
        )


def sign_in(request: Request, user: User) -> None:
    """A fresh session for the user (a new CSRF token too); the language choice is kept."""
    locale = request.session.get("locale")
    request.session.clear()
    request.session["user_id"] = user.id
    if locale:
        request.session["locale"] = locale
    csrf_token(request)


def sign_out(request: Request) -> None:
    locale = request.session.get("locale")
    request.session.clear()
    if locale:
        request.session["locale"] = locale


def signed_in_user(request: Request, session: Session) -> User | None:
    user_id = request.session.get("user_id")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        return None
    return user


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, role=Role(user.role), customer_id=user.customer_id)


def optional_user(
    request: Request, session: Annotated[Session, Depends(get_session)]
) -> User | None:
    user = signed_in_user(request, session)
    state.set_page_user(request, user)
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise SignInRequired("Sign in to see this page.")
    return user


def current_actor(user: Annotated[User, Depends(current_user)]) -> Actor:
    return actor_of(user)


def customer_actor(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """Portal pages that belong to a customer; staff have the workbench instead."""
    if not actor.is_customer:
        raise NotFound("This page is part of the customer portal; staff use the workbench.")
    return actor


def staff_actor(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    if actor.is_customer:
        raise NotFound("This page is part of the staff workbench.")
    return actor


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
CustomerActor = Annotated[Actor, Depends(customer_actor)]
StaffActor = Annotated[Actor, Depends(staff_actor)]
