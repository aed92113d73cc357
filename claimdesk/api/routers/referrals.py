"""Side paths of a claim decision: referral for approval to a named colleague, and field
investigations as tasks (open, assign, complete)."""

from fastapi import APIRouter

from claimdesk.api.deps import ActorDep, NowDep, SessionDep, SettingsDep
from claimdesk.claims import field_investigations, referrals, service
from claimdesk.claims.schemas import (
    ClaimOut,
    FieldInvestigationAssignIn,
    FieldInvestigationCompleteIn,
    FieldInvestigationIn,
    FieldInvestigationOut,
    FieldInvestigationsOut,
    ReferralIn,
)

router = APIRouter(tags=["claims"])


@router.post("/claims/{claim_id}/referrals", response_model=ClaimOut)
def refer_claim(
    claim_id: int,
    data: ReferralIn,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
) -> ClaimOut:
    """Refer the claim for approval to a named colleague whose authority covers it (422
    when it does not); it shows in their `GET /claims?queue=referred_to_me`."""
    claim = referrals.refer(
        session, actor=actor, claim_id=claim_id, data=data, now=now, settings=settings
    )
    session.commit()
    return service.claim_view(claim, actor=actor, now=now, settings=settings)


@router.get("/claims/{claim_id}/field-investigations", response_model=FieldInvestigationsOut)
def list_field_investigations(
    claim_id: int, session: SessionDep, actor: ActorDep
) -> FieldInvestigationsOut:
    """Whether routing requires a field investigation of the claim, why, and its tasks."""
    return field_investigations.overview(session, actor=actor, claim_id=claim_id)


@router.post(
    "/claims/{claim_id}/field-investigations",
    response_model=FieldInvestigationOut,
    status_code=201,
)
def open_field_investigation(
    claim_id: int,
    data: FieldInvestigationIn,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
) -> FieldInvestigationOut:
    task = field_investigations.open_investigation(
        session, actor=actor, claim_id=claim_id, data=data, now=now, settings=settings
    )
    session.commit()
    return FieldInvestigationOut.model_validate(task)


@router.post(
    "/field-investigations/{investigation_id}/assign", response_model=FieldInvestigationOut
)
def assign_field_investigation(
    investigation_id: int,
    data: FieldInvestigationAssignIn,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
) -> FieldInvestigationOut:
    task = field_investigations.assign(
        session,
        actor=actor,
        investigation_id=investigation_id,
        data=data,
        now=now,
        settings=settings,
    )
    session.commit()
    return FieldInvestigationOut.model_validate(task)


@router.post(
    "/field-investigations/{investigation_id}/complete", response_model=FieldInvestigationOut
)
def complete_field_investigation(
    investigation_id: int,
    data: FieldInvestigationCompleteIn,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
) -> FieldInvestigationOut:
    task = field_investigations.complete(
        session, actor=actor, investigation_id=investigation_id, data=data, now=now
    )
    session.commit()
    return FieldInvestigationOut.model_validate(task)
