"""Every error leaves as ``{"error": {"code", "message", "details"}}`` with its status code.

The ``message`` is in the language the request's ``Accept-Language`` asks for (zh-CN or en,
negotiated like the web pages); without that header it is the error's text as raised
(most say it in both languages). The ``code`` never depends on the language.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from claimdesk.core import errors
from claimdesk.web.i18n import negotiate

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[errors.ClaimDeskError], int] = {
    errors.NotFound: 404,
    errors.TooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.ValidationFailed: 422,
    errors.Conflict: 409,
    errors.AuthenticationFailed: 401,
    errors.PermissionDenied: 403,
    errors.AccountLocked: 423,
    errors.RateLimited: 429,
    errors.DatabaseBusy: 503,
}


# The shape of every error answer, as a plain JSON schema: a pydantic model here would make
# FastAPI build a validator per route and status (hundreds, on every app start).
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {}},
            },
        }
    },
}


def _documented(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


# What any API route may answer besides its success (documented in the OpenAPI document).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("The request is malformed."),
    401: _documented("Not signed in, or the token is expired or revoked."),
    403: _documented("Signed in, but not allowed to do this."),
    404: _documented("No such record (or not one of yours)."),
    409: _documented("Conflicts with the record's current state; reload and try again."),
    413: _documented("The upload is larger than the limit."),
    415: _documented("The upload is not of an accepted type."),
    422: _documented("A field is missing, null where a value is required, or out of range."),
    423: _documented("The account is locked after failed sign-ins (Retry-After)."),
    429: _documented("Too many requests (Retry-After says when to try again)."),
    503: _documented("The database is busy or unavailable; nothing was changed (Retry-After)."),
}


# The codes of errors raised by the framework (no such route, wrong method...).
HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed", 401: "authentication_failed"}


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def language_of(headers: Any) -> str | None:
    """The language the client asked for, or None when it did not say."""
    header = headers.get("accept-language")
    return negotiate(header) if header else None


def say(request: Request, code: str, unnegotiated: str, **values: Any) -> str:
    """The message of ``code`` in the request's language (``unnegotiated``: as before)."""
    language = language_of(request.headers)
    if language is None:
        return unnegotiated
    return errors.code_message(code, language).format(**values)


def _answer(
    request: Request,
    body: dict[str, Any],
    status_code: int,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    response = JSONResponse(body, status_code=status_code, headers=headers)
    language = language_of(request.headers)
    if language is not None:
        response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return response


def status_for(exc: errors.ClaimDeskError) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[kind]
    return 400


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.ClaimDeskError)
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    language = language_of(request.headers)
    message = exc.message if language is None else exc.message_in(language)
    return _answer(request, error_body(exc.code, message, exc.details), status, headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {
            "field": ".".join(str(part) for part in err["loc"] if part != "body"),
            "message": err["msg"],
        }
        for err in exc.errors()
    ]
    fields = ", ".join(d["field"] for d in details)
    message = say(request, "fields_invalid", f"Some fields are not valid: {fields}.", fields=fields)
    return _answer(request, error_body("validation_failed", message, details), 422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    message = say(request, code, str(exc.detail))
    return _answer(request, error_body(code, message), exc.status_code, exc.headers)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database could not be reached, or was too busy (locked, or no free connection in
    time): the transaction was rolled back, so nothing was half-written, and the same
    request may be sent again."""
    log.warning("database unavailable: %s", exc)
    message = say(
        request,
        "database_unavailable",
        "The database is unavailable or busy; nothing was changed. Try again in a few "
        "seconds. 数据库暂时不可用，未做任何更改，请稍后重试。",
    )
    return _answer(
        request,
        error_body("database_unavailable", message),
        503,
        {"Retry-After": str(errors.DATABASE_RETRY_AFTER_SECONDS)},
    )


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot hold (e.g. an id beyond its integer range): the request
    is wrong, not the server (found by the schemathesis run on PostgreSQL)."""
    cause = exc.orig if isinstance(exc, DataError) else exc
    log.info("value refused by the database: %s", type(cause).__name__)
    message = say(
        request, "out_of_range", "A value is out of range (for example an id that is too large)."
    )
    return _answer(request, error_body("validation_failed", message), 422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    message = say(
        request, "internal_error", "Something went wrong on our side; nothing was changed."
    )
    return _answer(request, error_body("internal_error", message), 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.ClaimDeskError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(InterfaceError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)  # every connection busy
    app.add_exception_handler(Exception, _unexpected_error)
