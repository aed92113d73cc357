"""Sign in, sign out and the language switch."""

from __future__ import annotations

from fastapi import Request, Response

from claimdesk.api.access import RateLimit
from claimdesk.api.deps import ContainerDep, NowDep, SessionDep, SettingsDep
from claimdesk.core.errors import AccountLocked, AuthenticationFailed, RateLimited
from claimdesk.security.service import LockoutPolicy, authenticate
from claimdesk.web.i18n import LOCALES
from claimdesk.web.rendering import (
    Form,
    field,
    redirect,
    render,
    safe_next,
    translator,
    web_router,
)
from claimdesk.web.sessions import OptionalUser, sign_in, sign_out

router = web_router()


def _home_for(role: str) -> str:
    return "/" if role == "customer" else "/staff"


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return redirect(safe_next(next, _home_for(user.role)))
    return render(request, "login.html", {"next": safe_next(next, ""), "username": ""})


@router.post("/login")
def login(
    request: Request,
    form: Form,
    container: ContainerDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    username, password = field(form, "username"), form.get("password")
    target = safe_next(field(form, "next"), "")
    try:  # the same per-address sign-in limit as POST /api/v1/auth/token
        request.app.state.rate_limiter.hit(RateLimit.LOGIN, request)
    except RateLimited as exc:
        page = render(
            request,
            "login.html",
            {
                "next": target,
                "username": username,
                "error": exc.message_in(translator(request).locale),
            },
            status_code=429,
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    try:
        user = authenticate(
            session,
            hasher=container.hasher,
            username=username,
            password=password if isinstance(password, str) else "",
            now=now,
            policy=LockoutPolicy.from_settings(settings),
        )
    except AuthenticationFailed as exc:
        locked = isinstance(exc, AccountLocked)  # says when to try again, in both languages
        message = (
            exc.message_in(translator(request).locale)
            if locked
            else translator(request)("login.failed")
        )
        return render(
            request,
            "login.html",
            {"next": target, "username": username, "error": message},
            status_code=423 if locked else 401,
        )
    session.commit()  # a rehashed password is kept
    sign_in(request, user)
    return redirect(target or _home_for(user.role))


@router.post("/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return redirect("/login")


@router.post("/language")
def choose_language(request: Request, form: Form) -> Response:
    locale = field(form, "locale")
    if locale in LOCALES:
        request.session["locale"] = locale
    return redirect(safe_next(field(form, "next"), "/"))
