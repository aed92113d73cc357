from fastapi import APIRouter

from claimdesk.api.deps import ActorDep, NowDep, SessionDep
from claimdesk.customers import service
from claimdesk.customers.schemas import CustomerIn, CustomerOut
from claimdesk.security.permissions import require

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", response_model=CustomerOut, status_code=201)
def create_customer(
    data: CustomerIn, session: SessionDep, actor: ActorDep, now: NowDep
) -> CustomerOut:
    require(actor, "customers.create")
    customer = service.create_customer(session, data=data, now=now)
    session.commit()
    return CustomerOut.model_validate(customer)


@router.get("/{customer_id}", response_model=CustomerOut)
def get_customer(customer_id: int, session: SessionDep, actor: ActorDep) -> CustomerOut:
    return CustomerOut.model_validate(
        service.get_customer(session, actor=actor, customer_id=customer_id)
    )
