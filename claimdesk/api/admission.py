"""Admission of requests that change data: at most ``max_concurrent_writes`` run at once per
process; the others wait their turn here, on the event loop, holding no thread and no
database connection, so reads keep both. One that waits longer than
``write_wait_seconds`` is answered 503 with Retry-After (nothing was changed)."""

from __future__ import annotations

import json

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from claimdesk.api.errors import error_body, language_of
from claimdesk.core.errors import DATABASE_RETRY_AFTER_SECONDS, code_message

CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BUSY = json.dumps(
    error_body(
        "server_busy",
        "The server is busy with other changes; nothing was changed. Try again in a few "
        "seconds. 服务器正忙于处理其他更改，未做任何更改，请稍后重试。",
    ),
    ensure_ascii=False,
).encode()


class WriteAdmission:
    def __init__(self, app: ASGIApp, *, slots: int, wait_seconds: float) -> None:
        self.app = app
        self._slots = anyio.Semaphore(slots)
        self._wait_seconds = wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in CHANGING_METHODS:
            await self.app(scope, receive, send)
            return
        admitted = False
        with anyio.move_on_after(self._wait_seconds):
            await self._slots.acquire()
            admitted = True
        if not admitted:
            await _answer_busy(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()


def _busy_body(scope: Scope) -> bytes:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    language = language_of(headers)
    if language is None:
        return _BUSY
    body = error_body("server_busy", code_message("server_busy", language))
    return json.dumps(body, ensure_ascii=False).encode()


async def _answer_busy(scope: Scope, send: Send) -> None:
    body = _busy_body(scope)
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(DATABASE_RETRY_AFTER_SECONDS).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
