from fastapi import APIRouter
from pydantic import BaseModel

from claimdesk.api.deps import ActorDep, SessionDep, SettingsDep
from claimdesk.audit import service
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
