"""Request-scoped dependencies: the container, a database session, the acting user."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from claimdesk.api import state
from claimdesk.api.access import Access
from claimdesk.bootstrap import Container
from claimdesk.config import Settings
from claimdesk.core.errors import AuthenticationFailed, PermissionDenied
from claimdesk.documents.storage import LocalBlobStore
from claimdesk.security.service import Actor, actor_for_token, auth_epoch

F = TypeVar("F", bound=Callable[..., object])

bearer_token = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# The dependencies are ``async def`` and do no I/O on the event loop: what needs the database
# goes to the thread pool in one call each. A round trip to the pool costs more than most of
# their work, so a signed-in read makes two (who is asking; the handler), and a route marked
# ``signs_in_itself`` (the status read) one.


async def get_container(request: Request) -> Container:
    return state.container(request)


async def get_blobs(request: Request) -> LocalBlobStore:
    return state.container(request).blobs


def _close(session: Session) -> None:
    try:
        session.rollback()
    except DBAPIError as exc:
        # The connection was lost (the database restarted, say): there is nothing left
        # to roll back, and the pool has discarded the connection.
        if not exc.connection_invalidated:
            raise
    session.close()


async def get_session(
    container: Annotated[Container, Depends(get_container)],
) -> AsyncIterator[Session]:
    """A session per request; handlers commit what they change, the rest is rolled back.
    Opening one does no I/O; closing one that still holds a connection is done off the
    event loop."""
    session = container.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(_close, session)
        else:
            session.close()


async def get_settings(container: Annotated[Container, Depends(get_container)]) -> Settings:
    return container.settings


async def get_now(container: Annotated[Container, Depends(get_container)]) -> datetime:
    return container.clock.now()


def _signed_in(
    request: Request,
    container: Container,
    token: str,
    session: Session | None = None,
    epoch: int | None = None,
) -> Actor:
    """The token's actor (cached per process, see security/service.py), counted against
    the user's rate limit; read in ``session`` when given (with the auth ``epoch`` when
    already read), else in a read session of its own."""
    if session is None:
        with container.reads() as own:
            actor = _signed_in(request, container, token, own)
        container.loop_reads.open()  # the next sign-in can then be made on the event loop
        return actor
    actor = actor_for_token(
        session, token=token, now=container.clock.now(), cache=container.tokens, epoch=epoch
    )
    state.rate_limiter(request).hit_user(actor.user_id)
    return actor


def signs_in_itself(endpoint: F) -> F:
    """Mark a hot route whose handler makes its whole database work one call to the thread
    pool: :func:`enforce_access` then only checks that a token was sent and leaves the
    sign-in (the same checks) to :func:`sign_in`, which the handler must call first, in
    that call and its session (one thread-pool round trip and one connection instead of
    two). A marked handler gets no actor any other way."""
    endpoint.signs_in_itself = True  # type: ignore[attr-defined]
    return endpoint


def sign_in(
    request: Request, container: Container, session: Session, *, epoch: int | None = None
) -> Actor:
    """The acting user of a route marked :func:`signs_in_itself`, signed in in ``session``
    (in a worker thread): the checks :func:`enforce_access` makes on other routes. ``epoch``:
    the auth epoch, when the handler read it in the same query as its data."""
    token = pending_token(request)
    return state.set_actor(request, _signed_in(request, container, token, session, epoch))


def signed_in_from_memory(
    request: Request, container: Container, token: str, *, epoch: int
) -> Actor | None:
    """:func:`_signed_in` without the database, on the event loop: the actor when the token
    is cached at ``epoch`` (the auth epoch just read) and the user's requests are counted in
    process memory; None when that needs I/O (then :func:`_signed_in` in a worker thread)."""
    limiter = state.rate_limiter(request)
    actor = container.tokens.actor(token, epoch=epoch, now=container.clock.now())
    if actor is None or not limiter.counts_users_in_process:
        return None
    limiter.hit_user(actor.user_id)
    return actor


def _signed_in_on_loop(request: Request, container: Container, token: str) -> Actor | None:
    """The actor of a cached token, with the auth epoch read on the event loop's own
    connection (core/db.LoopReads); None when a worker thread must sign in."""
    epoch = container.loop_reads.read(auth_epoch)
    if epoch is None:
        return None
    return signed_in_from_memory(request, container, token, epoch=epoch)


async def _signed_in_anywhere(request: Request, container: Container, token: str) -> Actor:
    """Sign in on the event loop when the token is cached, else in a worker thread."""
    found = _signed_in_on_loop(request, container, token)
    if found is None:
        found = await run_in_threadpool(_signed_in, request, container, token)
    return found


def pending_token(request: Request) -> str:
    """The bearer token :func:`enforce_access` left to a route marked
    :func:`signs_in_itself`."""
    token = state.pending_token(request)
    if token is None:  # not through enforce_access: fail closed
        raise AuthenticationFailed("Sign in first: send 'Authorization: Bearer <token>'.")
    return token


async def get_actor(
    request: Request,
    token: Annotated[str | None, Depends(bearer_token)],
    container: Annotated[Container, Depends(get_container)],
) -> Actor:
    known = state.actor(request)
    if known is not None:
        return known
    if not token:
        raise AuthenticationFailed("Sign in first: send 'Authorization: Bearer <token>'.")
    return state.set_actor(request, await _signed_in_anywhere(request, container, token))


async def enforce_access(
    request: Request,
    token: Annotated[str | None, Depends(bearer_token)],
    container: Annotated[Container, Depends(get_container)],
) -> None:
    """Apply the route's rule from claimdesk/api/access.py before its handler runs."""
    method = "GET" if request.method == "HEAD" else request.method
    route = request.scope.get("route")
    rule = state.access_rules(request).get((id(route), method))
    if rule is None:  # create_app refuses such routes; fail closed all the same
        raise PermissionDenied("This route has no access rule.")
    if rule.access == Access.PROBE:
        return
    if rule.access == Access.PUBLIC:
        if rule.rate_limit is not None:
            await run_in_threadpool(state.rate_limiter(request).hit, rule.rate_limit, request)
        return
    if not token:
        raise AuthenticationFailed("Sign in first: send 'Authorization: Bearer <token>'.")
    if getattr(getattr(route, "endpoint", None), "signs_in_itself", False):
        state.set_pending_token(request, token)
        return
    state.set_actor(request, await _signed_in_anywhere(request, container, token))


async def get_purpose(request: Request) -> str:
    """Why data is read, for the access log: the route called."""
    return f"{request.method} {request.url.path}"


ContainerDep = Annotated[Container, Depends(get_container)]
BlobsDep = Annotated[LocalBlobStore, Depends(get_blobs)]
SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
ActorDep = Annotated[Actor, Depends(get_actor)]
PurposeDep = Annotated[str, Depends(get_purpose)]
