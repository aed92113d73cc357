"""Compliance: staff certificates and training, expiry warnings, the internal-audit report."""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from claimdesk.api.deps import ActorDep, NowDep, SessionDep, SettingsDep
from claimdesk.compliance import service
from claimdesk.compliance.audit_report import build_report, render_html
from claimdesk.compliance.schemas import (
    QualificationIn,
    QualificationOut,
    StaffTrainingOut,
    TrainingIn,
    TrainingOut,
    TrainingStandingOut,
)
from claimdesk.config import Settings
from claimdesk.core.clock import local_date

router = APIRouter(prefix="/compliance", tags=["compliance"])


def _today(now: datetime, settings: Settings) -> date:
    return local_date(now, settings.display_timezone)


@router.post("/staff/{user_id}/qualifications", response_model=QualificationOut, status_code=201)
def record_qualification(
    user_id: int,
    data: QualificationIn,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
) -> QualificationOut:
    """Record a certificate (kind, number, issuing body, issue and expiry dates)."""
    qualification = service.record_qualification(
        session, actor=actor, user_id=user_id, data=data, now=now
    )
    session.commit()
    user = service.staff_user(session, user_id=user_id)
    return service.qualification_view(
        qualification, user, _today(now, settings), settings.qualification_warning_days
    )


@router.get("/staff/{user_id}/qualifications", response_model=list[QualificationOut])
def list_qualifications(
    user_id: int, session: SessionDep, actor: ActorDep, settings: SettingsDep, now: NowDep
) -> list[QualificationOut]:
    return service.list_qualifications(
        session,
        actor=actor,
        user_id=user_id,
        today=_today(now, settings),
        warn_days=settings.qualification_warning_days,
    )


@router.get("/qualifications/expiring", response_model=list[QualificationOut])
def expiring_qualifications(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    days: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> list[QualificationOut]:
    """Certificates expired or expiring within ``days`` (default: the configured warning)."""
    return service.expiring_qualifications(
        session,
        actor=actor,
        within_days=settings.qualification_warning_days if days is None else days,
        today=_today(now, settings),
    )


@router.post("/staff/{user_id}/training", response_model=TrainingOut, status_code=201)
def record_training(
    user_id: int, data: TrainingIn, session: SessionDep, actor: ActorDep, now: NowDep
) -> TrainingOut:
    record = service.record_training(session, actor=actor, user_id=user_id, data=data, now=now)
    session.commit()
    return TrainingOut.model_validate(record)


@router.get("/staff/{user_id}/training", response_model=StaffTrainingOut)
def staff_training(
    user_id: int,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> StaffTrainingOut:
    """One person's courses in a year and their hours against the yearly requirement."""
    year = year or _today(now, settings).year
    (standing,) = service.training_standings(
        session,
        actor=actor,
        year=year,
        required=settings.training_hours_per_year,
        user_id=user_id,
    )
    records = service.training_records(session, actor=actor, user_id=user_id, year=year)
    return StaffTrainingOut(standing=standing, records=records)


@router.get("/training", response_model=list[TrainingStandingOut])
def training_standings(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[TrainingStandingOut]:
    """Every active member of staff: hours in the year against the requirement."""
    return service.training_standings(
        session,
        actor=actor,
        year=year or _today(now, settings).year,
        required=settings.training_hours_per_year,
    )


@router.get("/audit-report", response_class=HTMLResponse)
def audit_report(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    now: NowDep,
    period_from: Annotated[date, Query(alias="from")],
    period_to: Annotated[date, Query(alias="to")],
    sample: Annotated[int, Query(ge=0, le=500)] = 20,
    seed: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    """The internal-audit report ("four checks") for a period, as an HTML document."""
    report = build_report(
        session,
        actor=actor,
        start=period_from,
        end=period_to,
        sample_size=sample,
        seed=seed,
        settings=settings,
        now=now,
    )
    return HTMLResponse(render_html(report))
