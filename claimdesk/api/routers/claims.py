from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from claimdesk.api.deps import ActorDep, NowDep, SessionDep, SettingsDep
from claimdesk.claims import service
from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.schemas import ClaimEventOut, ClaimIn, ClaimOut, TransitionIn
from claimdesk.core.errors import NotFound

router = APIRouter(prefix="/claims", tags=["claims"])

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=128, description="Retry-safe request key."),
]


@router.post("", response_model=ClaimOut, status_code=201)
def report_claim(
    data: ClaimIn,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    idempotency_key: IdempotencyKey = None,
) -> ClaimOut:
    claim, replayed = service.report_claim(
        session, actor=actor, data=data, now=now, settings=settings, idempotency_key=idempotency_key
    )
    session.commit()
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return service.claim_view(claim, actor=actor, now=now, settings=settings)


@router.get("", response_model=list[ClaimOut])
def list_claims(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    status: ClaimStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ClaimOut]:
    claims = service.list_claims(session, actor=actor, status=status, limit=limit, offset=offset)
    return [service.claim_view(c, actor=actor, now=now, settings=settings) for c in claims]


@router.get("/{claim_id}", response_model=ClaimOut)
def get_claim(
    claim_id: int, session: SessionDep, actor: ActorDep, settings: SettingsDep, now: NowDep
) -> ClaimOut:
    claim = service.get_claim(session, actor=actor, claim_id=claim_id)
    return service.claim_view(claim, actor=actor, now=now, settings=settings)


@router.get("/{claim_id}/timeline", response_model=list[ClaimEventOut])
def get_timeline(claim_id: int, session: SessionDep, actor: ActorDep) -> list[ClaimEventOut]:
    events = service.timeline(session, actor=actor, claim_id=claim_id)
    return [ClaimEventOut.model_validate(e) for e in events]


@router.get("/{claim_id}/payout")
def get_payout(claim_id: int, session: SessionDep, actor: ActorDep) -> dict:
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
    return service.claim_view(claim, actor=actor, now=now, settings=settings)
