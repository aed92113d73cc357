"""Templates, the per-request language, and how the pages answer errors.

:class:`WebRoute` is the route class of every web page: a domain error becomes a page in
the user's language with the right status (a stranger's claim is a plain 404), a page
that needs sign-in redirects to /login, and an unexpected error shows an apology, never
a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined
from sqlalchemy.exc import DataError
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from claimdesk.api import state
from claimdesk.api.errors import HTTP_ERROR_CODES, STATUS_BY_ERROR
from claimdesk.core.errors import ClaimDeskError, NotFound, code_message
from claimdesk.security.permissions import allowed
from claimdesk.web.i18n import LOCALES, Translator, negotiate
from claimdesk.web.sessions import (
    CsrfFailed,
    SignInRequired,
    actor_of,
    check_csrf,
    csrf_token,
    signed_in_user,
)

log = logging.getLogger(__name__)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescapes .html
templates.env.undefined = StrictUndefined  # a missing variable is a bug, not a blank


def locale_of(request: Request) -> str:
    chosen = request.session.get("locale") if "session" in request.scope else None
    if chosen in LOCALES:
        return str(chosen)
    return negotiate(request.headers.get("accept-language"))


def translator(request: Request) -> Translator:
    settings = request.app.state.container.settings
    return Translator(locale_of(request), settings.display_timezone)


# The menus: each entry with the permission its page checks (None: anyone of that side),
# so a menu never links to a page that answers 403.
CUSTOMER_MENU: tuple[tuple[str, str, str | None], ...] = (
    ("/", "nav.home", None),
    ("/policies", "nav.policies", None),
    ("/claims/new", "nav.report_claim", "claims.report"),
    ("/tickets", "nav.tickets", None),
    ("/assistant", "nav.assistant", None),
)
STAFF_MENU: tuple[tuple[str, str, str | None], ...] = (
    ("/staff", "nav.workbench", None),
    ("/staff?queue=tickets", "nav.ticket_inbox", "support.work"),
    ("/staff/intake", "nav.intake", "claims.report"),
    ("/staff/dashboards", "nav.dashboards", "analytics.view"),
)


def page_permission(href: str) -> str:
    """The permission a menu page checks (the page calls this, so menu and page agree)."""
    for entry_href, _key, permission in (*CUSTOMER_MENU, *STAFF_MENU):
        if entry_href == href and permission is not None:
            return permission
    raise KeyError(href)


def menu_for(user: Any) -> list[tuple[str, str]]:
    """The menu entries (href, text key) this user may open."""
    if user is None:
        return []
    actor = actor_of(user)
    entries = CUSTOMER_MENU if actor.is_customer else STAFF_MENU
    return [
        (href, key)
        for href, key, permission in entries
        if permission is None or allowed(actor, permission)
    ]


def _said(text: Any, t: Translator) -> str | None:
    """A message kept for the next page: in the reader's language when kept in both."""
    if isinstance(text, dict):
        return str(text.get(t.locale) or next(iter(text.values()), "")) or None
    return str(text) if text else None


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    t = translator(request)
    user = state.page_user(request)
    has_session = "session" in request.scope  # not for an error caught outside the session
    base: dict[str, Any] = {
        "t": t,
        "user": user,
        "menu": menu_for(user),
        "csrf": csrf_token(request) if has_session else "",
        "path": request.url.path,
        "errors": {},
        "error": None,
        "notice": request.session.pop("notice", None) if has_session else None,
        "action_error": _said(request.session.pop("action_error", None), t)
        if has_session
        else None,
    }
    response = templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status_code
    )
    response.headers["Content-Language"] = t.locale
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def _status_for(exc: ClaimDeskError) -> int:
    if isinstance(exc, CsrfFailed):
        return 403
    for kind in type(exc).__mro__:
        if kind in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[kind]
    return 400


def error_page(request: Request, exc: ClaimDeskError) -> Response:
    status = _status_for(exc)
    message = exc.message_in(translator(request).locale)
    if isinstance(exc, NotFound):  # the same page whether it is missing or someone else's
        message = translator(request)("error.not_found_detail")
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the API, not a probe): errors come as pages."""
    path = request.url.path
    if path.startswith("/api/") or path in ("/healthz", "/readyz"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _with_user(request: Request) -> None:
    """The signed-in user for the menu of an error page outside the pages' routes."""
    if state.page_user_looked_up(request) or "session" not in request.scope:
        return
    with request.app.state.container.sessions() as session:
        user = signed_in_user(request, session)
        if user is not None:
            session.expunge(user)
        state.set_page_user(request, user)


def http_error_page(request: Request, exc: HTTPException) -> Response:
    """No such page, a method a page does not take...: a page in the reader's language."""
    _with_user(request)
    t = translator(request)
    if exc.status_code == 404:
        message = t("error.not_found_detail")
    else:
        code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        message = code_message(code, t.locale)
    return render(
        request,
        "error.html",
        {"status": exc.status_code, "message": message},
        status_code=exc.status_code,
    )


def invalid_request_page(request: Request, code: str) -> Response:
    """A request whose address or fields do not parse (an id that is no number, or too
    large for the database): 422, said in the reader's language."""
    message = code_message(code, translator(request).locale)
    return render(request, "error.html", {"status": 422, "message": message}, status_code=422)


def unexpected_error_page(request: Request) -> Response:
    return render(
        request,
        "error.html",
        {"status": 500, "message": translator(request)("error.unexpected")},
        status_code=500,
    )


def install_error_pages(app: FastAPI) -> None:
    """Browsers (``Accept: text/html``) get error pages where the API answers JSON: for
    addresses no page has, and for errors raised outside the pages' own routes."""
    api_handlers = dict(app.exception_handlers)

    def page_or_json(kind: type[Exception]) -> Callable[[Request, Exception], Any]:
        answer_json = api_handlers[kind]

        async def handle(request: Request, exc: Exception) -> Response:
            if not wants_html(request):
                answered: Response = await answer_json(request, exc)
                return answered
            if isinstance(exc, HTTPException):
                return http_error_page(request, exc)
            if isinstance(exc, ClaimDeskError):
                _with_user(request)
                return error_page(request, exc)
            log.exception("page %s failed", request.url.path, exc_info=exc)
            return unexpected_error_page(request)

        return handle

    for kind in (HTTPException, ClaimDeskError, Exception):
        app.add_exception_handler(kind, page_or_json(kind))


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            except ClaimDeskError as exc:
                return error_page(request, exc)
            except RequestValidationError:
                return invalid_request_page(request, "validation_failed")
            except DataError:
                return invalid_request_page(request, "out_of_range")
            except Exception:
                log.exception("web page %s failed", request.url.path)
                return unexpected_error_page(request)

        return guarded


def redirect(url: str) -> Response:
    """After a successful POST: 303 See Other, so a reload does not post again."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only paths on this site (no scheme, no host): an open redirect is refused."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def web_router(prefix: str = "") -> APIRouter:
    """A router for web pages: WebRoute error handling and the CSRF check on every POST."""
    return APIRouter(
        prefix=prefix,
        route_class=WebRoute,
        include_in_schema=False,
        dependencies=[Depends(check_csrf)],
    )


async def read_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form; its uploaded files are closed when the response is done."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


Form = Annotated[FormData, Depends(read_form)]


def field(form: FormData, name: str) -> str:
    """A text field of the form, stripped ('' when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def flash(request: Request, key: str) -> None:
    """A message key shown once on the next page."""
    request.session["notice"] = key
