from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from claimdesk.api.deps import ActorDep, BlobsDep, SessionDep, SettingsDep
from claimdesk.audit import access_log as access_log_service
from claimdesk.audit import service
from claimdesk.audit.access_log import AccessRow
from claimdesk.claims import service as claims
from claimdesk.claims.schemas import WaiverOut
from claimdesk.core.errors import ValidationFailed

router = APIRouter(prefix="/audit", tags=["audit"])


class VerificationOut(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_broken_seq: int | None
    reason: str | None


@router.get("/verify", response_model=VerificationOut)
def verify(
    session: SessionDep, blobs: BlobsDep, actor: ActorDep, settings: SettingsDep
) -> VerificationOut:
    """Recompute the hash chain, compare the claim timelines with what it recorded and hash
    every stored document again."""
    return VerificationOut(**vars(service.verify(session, store=blobs, actor=actor)))


@router.get("/waivers", response_model=list[WaiverOut])
def waivers(
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[WaiverOut]:
    """Required documents waived before an approval or payment: claim, who, which kinds,
    the amount and the reason, newest first (each also on the claim's timeline and in the
    ledger as a ``money.waived`` fact)."""
    return claims.waivers(session, actor=actor, limit=limit, offset=offset)


@router.get(
    "/access-log",
    response_model=list[AccessRow],
    responses={200: {"content": {"text/csv": {}}}},
)
def access_log(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    user_id: Annotated[int | None, Query(description="Who read.")] = None,
    subject: Annotated[
        str | None,
        Query(description="What was read: a table ('customers') or 'table:id' ('customers:12')."),
    ] = None,
    customer_id: Annotated[
        int | None,
        Query(description="The data subject: reads of their profile, accounts and documents."),
    ] = None,
    purpose: Annotated[
        str | None, Query(description="A part of the purpose logged (the route, e.g. '/360').")
    ] = None,
    first: Annotated[datetime | None, Query(alias="from", description="From (ISO time).")] = None,
    last: Annotated[datetime | None, Query(alias="to", description="Before (ISO time).")] = None,
    format: Annotated[Literal["json", "csv"] | None, Query(description="json or csv.")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    """Reads of sensitive personal data in clear (ID numbers, phones, bank accounts...): who,
    what, when and why, newest first. Auditors and administrators only. CSV with
    ``?format=csv`` or ``Accept: text/csv``."""
    for moment in (first, last):
        if moment is not None and moment.tzinfo is None:
            raise ValidationFailed(
                "Give times with a time zone, e.g. 2026-12-01T00:00:00+08:00. 请给出带时区的时间。"
            )
    rows = access_log_service.entries(
        session,
        actor=actor,
        wanted=access_log_service.AccessFilter(
            user_id=user_id,
            subject=subject,
            customer_id=customer_id,
            purpose=purpose,
            start=first,
            end=last,
        ),
        limit=limit,
        offset=offset,
    )
    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    if wants_csv:
        return Response(
            content=access_log_service.as_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="access-log.csv"'},
        )
    return rows
