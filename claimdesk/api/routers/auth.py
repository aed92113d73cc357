from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from claimdesk.api.deps import (
    ActorDep,
    ContainerDep,
    NowDep,
    SessionDep,
    SettingsDep,
    bearer_token,
)
from claimdesk.security.service import LockoutPolicy, authenticate, issue_token, revoke_token

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: str
    customer_id: int | None


class MeOut(BaseModel):
    user_id: int | None
    role: str
    customer_id: int | None


@router.post("/token", response_model=TokenOut)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    container: ContainerDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> TokenOut:
    user = authenticate(
        session,
        hasher=container.hasher,
        username=form.username,
        password=form.password,
        now=now,
        policy=LockoutPolicy.from_settings(settings),
    )
    plain, record = issue_token(
        session, user=user, now=now, ttl=timedelta(minutes=settings.token_ttl_minutes)
    )
    session.commit()
    return TokenOut(
        access_token=plain,
        expires_at=record.expires_at,
        role=user.role,
        customer_id=user.customer_id,
    )


@router.post("/logout", status_code=204)
def logout(
    token: Annotated[str | None, Depends(bearer_token)],
    session: SessionDep,
    now: NowDep,
    _actor: ActorDep,
) -> None:
    """Revoke the bearer token this request was made with."""
    revoke_token(session, token=token or "", now=now)
    session.commit()


@router.get("/me", response_model=MeOut)
def me(actor: ActorDep) -> MeOut:
    return MeOut(user_id=actor.user_id, role=actor.role, customer_id=actor.customer_id)
