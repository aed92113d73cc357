from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from claimdesk.api.deps import ActorDep, SessionDep, SettingsDep
from claimdesk.audit import service
from claimdesk.claims import service as claims
from claimdesk.claims.schemas import WaiverOut
from claimdesk.documents.storage import blob_store
from claimdesk.security.permissions import require

router = APIRouter(prefix="/audit", tags=["audit"])


class VerificationOut(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_broken_seq: int | None
    reason: str | None


@router.get("/verify", response_model=VerificationOut)
def verify(session: SessionDep, actor: ActorDep, settings: SettingsDep) -> VerificationOut:
    """Recompute the hash chain, compare the claim timelines with what it recorded and hash
    every stored document again."""
    require(actor, "audit.verify")
    return VerificationOut(**vars(service.verify(session, store=blob_store(settings))))


@router.get("/waivers", response_model=list[WaiverOut])
def waivers(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[WaiverOut]:
    """Required documents waived before an approval or payment: claim, who, which kinds,
    the amount and the reason, newest first (each also on the claim's timeline and in the
    ledger as a ``money.waived`` fact)."""
    return claims.waivers(session, limit=limit, offset=offset)
