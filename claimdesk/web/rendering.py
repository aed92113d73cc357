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

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined
from starlette.datastructures import FormData

from claimdesk.api.errors import STATUS_BY_ERROR
from claimdesk.core.errors import ClaimDeskError, NotFound
from claimdesk.web.i18n import LOCALES, Translator, negotiate
from claimdesk.web.sessions import (
    CsrfFailed,
    SignInRequired,
    actor_of,
    allows,
    check_csrf,
    csrf_token,
)

log = logging.getLogger(__name__)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescapes .html
templates.env.undefined = StrictUndefined  # a missing variable is a bug, not a blank


def locale_of(request: Request) -> str:
    chosen = request.session.get("locale")
    if chosen in LOCALES:
        return chosen
    return negotiate(request.headers.get("accept-language"))


def translator(request: Request) -> Translator:
    settings = request.app.state.container.settings
    return Translator(locale_of(request), settings.display_timezone)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    t = translator(request)
    user = getattr(request.state, "user", None)
    base = {
        "t": t,
        "user": user,
        "can_see_dashboards": user is not None and allows(actor_of(user), "analytics.view"),
        "csrf": csrf_token(request),
        "path": request.url.path,
        "errors": {},
        "error": None,
        "notice": request.session.pop("notice", None),
        "action_error": request.session.pop("action_error", None),
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
    message = exc.message
    if isinstance(exc, NotFound):  # the same page whether it is missing or someone else's
        message = translator(request)("error.not_found_detail")
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


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
            except Exception:
                log.exception("web page %s failed", request.url.path)
                return render(
                    request,
                    "error.html",
                    {"status": 500, "message": translator(request)("error.unexpected")},
                    status_code=500,
                )

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
