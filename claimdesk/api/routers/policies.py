from typing import Annotated

from fastapi import APIRouter, Query

from claimdesk.api.deps import ActorDep, NowDep, SessionDep, SettingsDep
from claimdesk.core.clock import local_date
from claimdesk.policies import service
from claimdesk.policies.schemas import PolicyIn, PolicyOut, ProductOut

router = APIRouter(tags=["policies"])


@router.get("/products", response_model=list[ProductOut])
def list_products(session: SessionDep, _actor: ActorDep) -> list[ProductOut]:
    return [ProductOut.model_validate(p) for p in service.list_products(session)]


@router.get("/policies", response_model=list[PolicyOut])
def list_policies(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    customer_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[PolicyOut]:
    today = local_date(now, settings.display_timezone)
    policies = service.list_policies(
        session, actor=actor, customer_id=customer_id, limit=limit, offset=offset
    )
    return [service.policy_view(session, p, today) for p in policies]


@router.get("/policies/{policy_id}", response_model=PolicyOut)
def get_policy(
    policy_id: int, session: SessionDep, actor: ActorDep, settings: SettingsDep, now: NowDep
) -> PolicyOut:
    policy = service.get_policy(session, actor=actor, policy_id=policy_id)
    return service.policy_view(session, policy, local_date(now, settings.display_timezone))


@router.post("/policies", response_model=PolicyOut, status_code=201)
def create_policy(
    data: PolicyIn, session: SessionDep, actor: ActorDep, settings: SettingsDep, now: NowDep
) -> PolicyOut:
    policy = service.create_policy(session, data=data, now=now, actor=actor)
    session.commit()
    return service.policy_view(session, policy, local_date(now, settings.display_timezone))
