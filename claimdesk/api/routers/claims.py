from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from claimdesk.api import state
from claimdesk.api.deps import (
    ActorDep,
    ContainerDep,
    NowDep,
    SessionDep,
    SettingsDep,
    pending_token,
    sign_in,
    signed_in_from_memory,
    signs_in_itself,
)
from claimdesk.api.texts import ReaderDep, said
from claimdesk.bootstrap import Container
from claimdesk.claims import advances, clocks, reserves, service
from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.models import Claim, StatutoryClock
from claimdesk.claims.schemas import (
    AdvancePaymentIn,
    ClaimEventOut,
    ClaimIn,
    ClaimOut,
    ReserveIn,
    ReserveOut,
    TransitionIn,
)
from claimdesk.core.errors import NotFound
from claimdesk.security.service import Actor

router = APIRouter(prefix="/claims", tags=["claims"])

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=128, description="Retry-safe request key."),
]


# The report runs its whole database work in one call to the thread pool, with a session of
# its own; the status read makes its one query on the event loop when it can (see
# _read_on_loop), else in one call to the thread pool too.


def _report(
    container: Container, actor: Actor, data: ClaimIn, idempotency_key: str | None
) -> tuple[bytes, bool]:
    now, settings = container.clock.now(), container.settings
    with container.sessions() as session:
        claim, replayed = service.report_claim(
            session,
            actor=actor,
            data=data,
            now=now,
            settings=settings,
            idempotency_key=idempotency_key,
        )
        session.commit()
        view = service.claim_view(claim, actor=actor, now=now, settings=settings)
    return view.__pydantic_serializer__.to_json(view), replayed


@router.post("", response_model=ClaimOut, status_code=201)
async def report_claim(
    data: ClaimIn,
    actor: ActorDep,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Report a claim; the view is serialised once, in the worker thread (FastAPI does not
    validate the returned model again)."""
    body, replayed = await run_in_threadpool(_report, container, actor, data, idempotency_key)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(body, status_code=201, media_type="application/json", headers=headers)


@router.get("", response_model=list[ClaimOut])
def list_claims(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    status: ClaimStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    queue: Annotated[
        Literal["referred_to_me"] | None,
        Query(description="referred_to_me: claims referred to you for approval, undecided."),
    ] = None,
) -> list[ClaimOut]:
    referred = (actor.user_id or 0) if queue == "referred_to_me" else None
    claims = service.list_claims(
        session,
        actor=actor,
        status=status,
        limit=limit,
        offset=offset,
        referred_to_id=referred,
    )
    found = clocks.of_claims(session, [c.id for c in claims])
    return [
        service.claim_view(c, actor=actor, now=now, settings=settings, clocks=found.get(c.id, []))
        for c in claims
    ]


def _read_on_loop(request: Request, container: Container, claim_id: int) -> bytes | None:
    """The status read on the event loop, when all it needs besides one query is in memory:
    the token (at the auth epoch the query reads), the claim's current copy and the user's
    request count. One query on the loop's own connection (core/db.LoopReads), no worker
    thread. None: the read needs more (a sign-in, a load, a connection), made by
    :func:`_read` in a worker thread."""
    found = container.loop_reads.read(
        lambda connection: container.claims.status(connection, claim_id)
    )
    if found is None:
        return None
    claim = container.claims.current(claim_id, found.version)
    if found.version is not None and claim is None:
        return None
    token = pending_token(request)
    actor = signed_in_from_memory(request, container, token, epoch=found.epoch)
    if actor is None:
        return None
    state.set_actor(request, actor)
    if claim is None or not service.can_see(actor, claim):
        raise NotFound(f"Claim {claim_id} does not exist.")
    return _answer(container, actor, claim, found.clocks)


def _read(request: Request, container: Container, claim_id: int) -> bytes:
    """Sign in, load and answer in one thread-pool call, one read session and (with the
    token and the claim cached) one query: the auth epoch, the claim's version and its
    statutory clocks (claims/cache.py). Then the loop's connection is opened, if it is not,
    for the next read."""
    with container.reads() as session:
        found = container.claims.status(session.connection(), claim_id)
        actor = sign_in(request, container, session, epoch=found.epoch)
        claim = container.claims.get(session, actor=actor, claim_id=claim_id, version=found.version)
    container.loop_reads.open()
    return _answer(container, actor, claim, found.clocks)


def _answer(
    container: Container, actor: Actor, claim: Claim, clocks: list[StatutoryClock]
) -> bytes:
    """The claim view, serialised once (the route returns the bytes, so FastAPI does not
    validate the model again)."""
    view = service.claim_view(
        claim, actor=actor, now=container.clock.now(), settings=container.settings, clocks=clocks
    )
    return view.__pydantic_serializer__.to_json(view)


@router.get("/{claim_id}", response_model=ClaimOut)
@signs_in_itself
async def get_claim(claim_id: int, request: Request) -> Response:
    container = state.container(request)
    body = _read_on_loop(request, container, claim_id)
    if body is None:
        body = await run_in_threadpool(_read, request, container, claim_id)
    return Response(body, media_type="application/json")


@router.get("/{claim_id}/timeline", response_model=list[ClaimEventOut])
def get_timeline(
    claim_id: int, session: SessionDep, actor: ActorDep, reader: ReaderDep
) -> list[ClaimEventOut]:
    """The claim's timeline; each entry's ``text`` in the language Accept-Language asks for."""
    events = service.timeline(session, actor=actor, claim_id=claim_id)
    return said([ClaimEventOut.model_validate(e) for e in events], reader)


@router.get("/{claim_id}/payout")
def get_payout(claim_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The line-by-line payout calculation: the decided one, else a preview on current lines."""
    claim = service.get_claim(session, actor=actor, claim_id=claim_id)
    if claim.payout is not None:
        return {"status": "calculated", **claim.payout}
    if not claim.loss_lines:
        raise NotFound(f"Claim {claim.number} has no loss lines to calculate yet.")
    return {"status": "preview", **service.calculate(session, claim).to_dict()}


@router.post("/{claim_id}/transitions", response_model=ClaimOut)
def apply_transition(
    claim_id: int,
    command: TransitionIn,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    idempotency_key: IdempotencyKey = None,
) -> ClaimOut:
    claim = service.transition(
        session,
        actor=actor,
        claim_id=claim_id,
        command=command,
        now=now,
        settings=settings,
        idempotency_key=idempotency_key,
    )
    session.commit()
    return service.claim_view(
        claim, actor=actor, now=now, settings=settings, clocks=clocks.of_claim(session, claim.id)
    )


@router.post("/{claim_id}/reserve", response_model=ClaimOut)
def change_reserve(
    claim_id: int,
    command: ReserveIn,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
) -> ClaimOut:
    """A handler changes the claim's case reserve, with a reason (never negative)."""
    claim = reserves.change(
        session,
        actor=actor,
        claim_id=claim_id,
        amount=command.amount,
        reason=command.reason,
        now=now,
    )
    session.commit()
    return service.claim_view(
        claim, actor=actor, now=now, settings=settings, clocks=clocks.of_claim(session, claim.id)
    )


@router.get("/{claim_id}/reserves", response_model=list[ReserveOut])
def get_reserves(claim_id: int, session: SessionDep, actor: ActorDep) -> list[ReserveOut]:
    """The claim's reserve history, newest first (the initial reserve included)."""
    rows = reserves.history(session, actor=actor, claim_id=claim_id)
    return [ReserveOut.model_validate(row) for row in rows]


@router.post("/{claim_id}/advance-payments", response_model=ClaimOut)
def pay_advance(
    claim_id: int,
    data: AdvancePaymentIn,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
) -> ClaimOut:
    """Art. 25: advance the amount already determinable (staff; evidence-guarded like pay).
    The claim's status does not change; the final payment after approval pays the rest."""
    claim = advances.advance_payment(
        session, actor=actor, claim_id=claim_id, data=data, now=now, settings=settings
    )
    session.commit()
    return service.claim_view(
        claim, actor=actor, now=now, settings=settings, clocks=clocks.of_claim(session, claim.id)
    )
