"""KPIs for dashboards and exports: GET /api/v1/metrics/kpis (contract)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from claimdesk.analytics import reserves, service
from claimdesk.analytics.schemas import Breakdown, KpiBreakdown, KpiReport, ReserveReport
from claimdesk.api.deps import ActorDep, NowDep, SessionDep, SettingsDep
from claimdesk.core.clock import local_date
from claimdesk.fraud import monitoring
from claimdesk.fraud.schemas import RiskMonitorOut

router = APIRouter(prefix="/metrics", tags=["analytics"])

DEFAULT_DAYS = 30
RESERVE_DAYS = 180  # reserve development: six months by default
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for media in MEDIA_TYPES.values()}}
}


@dataclass
class KpiQuery:
    """The query parameters both KPI routes take."""

    first: Annotated[
        date | None, Query(alias="from", description="First local day (default: 30 days ago).")
    ] = None
    last: Annotated[
        date | None, Query(alias="to", description="Last local day (default: today).")
    ] = None
    product: Annotated[str | None, Query(description="Product code, e.g. MED-HOSP.")] = None
    channel: Annotated[str | None, Query(description="Intake channel, e.g. web.")] = None
    handler: Annotated[int | None, Query(description="Handler's user id.")] = None
    format: Annotated[
        Literal["json", "csv", "parquet"], Query(description="json, or a csv/parquet download.")
    ] = "json"
    live: Annotated[
        bool,
        Query(
            description="Read the database now instead of the snapshot of the last 15 "
            "minutes (slower over millions of claims)."
        ),
    ] = False


QueryDep = Annotated[KpiQuery, Depends()]


def _scope(query: KpiQuery, actor: ActorDep, now: NowDep, settings: SettingsDep) -> dict[str, Any]:
    """The service arguments of a KPI request (the period defaults to the last 30 days)."""
    period_to = query.last or local_date(now, settings.display_timezone)
    return {
        "actor": actor,
        "period_from": query.first or period_to - timedelta(days=DEFAULT_DAYS - 1),
        "period_to": period_to,
        "product": query.product,
        "channel": query.channel,
        "handler": query.handler,
        "now": now,
        "timezone": settings.display_timezone,
        "snapshot": None if query.live else service.fresh_snapshot(settings.data_dir, now=now),
    }


def _answer(result: KpiReport | KpiBreakdown, fmt: str, name: str) -> Any:
    if fmt == "json":
        return result
    return Response(
        content=service.export_bytes(result, fmt),  # type: ignore[arg-type]
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get("/kpis", response_model=KpiReport, responses=DOWNLOADS)
def kpis(
    query: QueryDep, session: SessionDep, actor: ActorDep, now: NowDep, settings: SettingsDep
) -> Any:
    """Cycle time, straight-through and documents-incomplete rates, SLA compliance,
    complaints, CSAT, loss ratio by product and fraud referral hit rate (docs/kpis.md)."""
    scope = _scope(query, actor, now, settings)
    report = service.kpis(session, **scope)
    return _answer(report, query.format, f"kpis-{scope['period_from']}-{scope['period_to']}")


@router.get("/kpis/breakdown", response_model=KpiBreakdown, responses=DOWNLOADS)
def kpi_breakdown(
    by: Annotated[Breakdown, Query(description="product, channel, handler, month, week, day")],
    query: QueryDep,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    settings: SettingsDep,
) -> Any:
    """The same KPIs per group or time bucket, ready for a chart."""
    scope = _scope(query, actor, now, settings)
    result = service.breakdown(session, by=by, **scope)
    name = f"kpis-by-{by}-{scope['period_from']}-{scope['period_to']}"
    return _answer(result, query.format, name)


@router.get("/reserves", response_model=ReserveReport)
def reserve_kpis(
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    settings: SettingsDep,
    first: Annotated[
        date | None, Query(alias="from", description="First local day (default: 180 days ago).")
    ] = None,
    last: Annotated[
        date | None, Query(alias="to", description="Last local day (default: today).")
    ] = None,
    product: Annotated[str | None, Query(description="Product code, e.g. MED-HOSP.")] = None,
) -> ReserveReport:
    """Case reserves: reserve and incurred at each month's end of the period and today's
    adequacy flags (docs/kpis.md)."""
    period_to = last or local_date(now, settings.display_timezone)
    return reserves.reserve_report(
        session,
        actor=actor,
        period_from=first or period_to - timedelta(days=RESERVE_DAYS - 1),
        period_to=period_to,
        product=product,
        now=now,
        timezone=settings.display_timezone,
    )


@router.get("/risk", response_model=RiskMonitorOut)
def risk_monitoring(
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    settings: SettingsDep,
    product: Annotated[str, Query(description="Product code, e.g. MOTOR-COMP.")],
    capacity: Annotated[
        float, Query(description="Share of claims reviewers can look at (0 < c <= 1).")
    ] = 0.05,
) -> RiskMonitorOut:
    """Risk monitoring of a product: current scores by report month, precision and recall
    at the review capacity on claims with an investigation outcome, model versions."""
    return monitoring.risk_monitor(
        session,
        actor=actor,
        product_code=product,
        capacity=capacity,
        timezone=settings.display_timezone,
        now=now,
    )
