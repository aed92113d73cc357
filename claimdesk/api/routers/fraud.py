from fastapi import APIRouter

from claimdesk.api.deps import ActorDep, SessionDep
from claimdesk.fraud import service
from claimdesk.fraud.schemas import RiskOut

router = APIRouter(prefix="/claims", tags=["risk"])


@router.get("/{claim_id}/risk", response_model=RiskOut)
def get_risk(claim_id: int, session: SessionDep, actor: ActorDep) -> RiskOut:
    """The claim's risk score, grade, factors and history (staff only; customers get 403)."""
    return service.risk_view(session, actor=actor, claim_id=claim_id)
