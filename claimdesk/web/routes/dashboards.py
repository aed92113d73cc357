"""Dashboards: the analytics service's KPIs as server-drawn charts, filtered by period,
product and channel, with a CSV export of the same figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import Request, Response

from claimdesk.analytics import reserves as reserve_kpis
from claimdesk.analytics import service as analytics
from claimdesk.analytics.facts import snapshot_time
from claimdesk.analytics.schemas import KpiBreakdown, ReserveReport
from claimdesk.api.deps import NowDep, SessionDep, SettingsDep
from claimdesk.claims.enums import Channel
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.errors import ValidationFailed
from claimdesk.fraud import monitoring
from claimdesk.policies import service as policies
from claimdesk.security.permissions import allowed
from claimdesk.security.service import Actor
from claimdesk.support import clocks
from claimdesk.web.charts import bar_chart, number, percent
from claimdesk.web.i18n import Translator
from claimdesk.web.rendering import render, translator, web_router
from claimdesk.web.sessions import StaffActor

router = web_router("/staff")

DEFAULT_DAYS = 90
WEEKLY_UP_TO_DAYS = 92  # longer periods are charted by month


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed(
            f"'{text}' is not a date; write it as YYYY-MM-DD.",
            zh=f"“{text}”不是日期，请按 YYYY-MM-DD 填写。",
            details=[{"field": field}],
        ) from exc


def _filters(
    now: datetime,
    settings: Settings,
    first: str,
    last: str,
    product: str,
    channel: str,
    live: str = "",
) -> dict[str, Any]:
    today = local_date(now, settings.display_timezone)
    period_to = _day(last, "to") or today
    period_from = _day(first, "from") or period_to - timedelta(days=DEFAULT_DAYS - 1)
    if period_from > period_to:
        raise ValidationFailed(
            "The period starts after it ends; swap the two dates.",
            zh="起始日期晚于结束日期，请交换两个日期。",
        )
    days = (period_to - period_from).days + 1
    return {
        "period_from": period_from,
        "period_to": period_to,
        "product": product or None,
        "channel": channel or None,
        "bucket": "week" if days <= WEEKLY_UP_TO_DAYS else "month",
        "live": live in ("1", "true"),
    }


def _scope(filters: dict[str, Any], now: datetime, settings: Settings) -> dict[str, Any]:
    """The analytics service's arguments for these filters (the snapshot when fresh,
    unless the reader asked for the figures of this moment)."""
    snapshot = None if filters["live"] else analytics.fresh_snapshot(settings.data_dir, now=now)
    return {
        "period_from": filters["period_from"],
        "period_to": filters["period_to"],
        "product": filters["product"],
        "channel": filters["channel"],
        "now": now,
        "timezone": settings.display_timezone,
        "snapshot": snapshot,
    }


def as_of(filters: dict[str, Any], now: datetime, settings: Settings) -> datetime:
    """When the figures were taken: the snapshot's time, or now when read live."""
    if not filters["live"]:
        snapshot = analytics.fresh_snapshot(settings.data_dir, now=now)
        written = snapshot_time(snapshot) if snapshot is not None else None
        if written is not None:
            return written
    return now


def _breakdown(
    session: Any, actor: Actor, filters: dict[str, Any], now: datetime, settings: Settings
) -> KpiBreakdown:
    return analytics.breakdown(
        session, actor=actor, by=filters["bucket"], **_scope(filters, now, settings)
    )


def _sla_by_team(session: Any, now: datetime, t: Translator) -> list[tuple[str, float | None]]:
    """SLA compliance per team over every clock so far (met / (met + breached))."""
    ended: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in clocks.compliance(session, now=now):
        counts = ended[row.team or t("dashboard.no_team")]
        counts[0] += row.met
        counts[1] += row.met + row.breached
    return [(team, met / total if total else None) for team, (met, total) in ended.items()]


def charts(
    t: Translator, report: Any, trend: KpiBreakdown, sla_by_team: list[tuple[str, Any]] | None
) -> list[tuple[str, Any]]:
    """(title, svg) for each dashboard chart."""
    totals = report.totals

    def series(field: str) -> list[tuple[str, float | None]]:
        return [(row.group or "—", getattr(row, field)) for row in trend.rows]

    def money(value: float | None) -> str:
        return t.money(value) if value is not None else "—"

    paid = [(row.group or "—", float(row.paid_amount)) for row in trend.rows]
    result = [
        (
            t("dashboard.cycle_time"),
            bar_chart(
                t("dashboard.cycle_time"),
                [
                    (t("dashboard.mean"), totals.cycle_time_mean_days),
                    (t("dashboard.median"), totals.cycle_time_median_days),
                    (t("dashboard.p90"), totals.cycle_time_p90_days),
                ],
            ),
        ),
        (
            t("dashboard.claims_reported"),
            bar_chart(t("dashboard.claims_reported"), series("claims_reported")),
        ),
        (
            t("dashboard.stp_rate"),
            bar_chart(t("dashboard.stp_rate"), series("straight_through_rate"), fmt=percent),
        ),
        (
            t("dashboard.documents_incomplete"),
            bar_chart(
                t("dashboard.documents_incomplete"),
                series("documents_incomplete_rate"),
                fmt=percent,
            ),
        ),
        (
            t("dashboard.sla_trend"),
            bar_chart(t("dashboard.sla_trend"), series("sla_compliance"), fmt=percent),
        ),
        (t("dashboard.complaints"), bar_chart(t("dashboard.complaints"), series("complaints"))),
        (
            t("dashboard.complaint_resolution"),
            bar_chart(
                t("dashboard.complaint_resolution"), series("complaint_resolution_mean_days")
            ),
        ),
        (t("dashboard.csat"), bar_chart(t("dashboard.csat"), series("csat_mean"), fmt=number)),
        (t("dashboard.paid"), bar_chart(t("dashboard.paid"), paid, fmt=money)),
        (
            t("dashboard.siu_referrals"),
            bar_chart(t("dashboard.siu_referrals"), series("siu_referrals_decided")),
        ),
        (
            t("dashboard.fraud_hit_rate"),
            bar_chart(
                t("dashboard.fraud_hit_rate"), series("fraud_referral_hit_rate"), fmt=percent
            ),
        ),
    ]
    if sla_by_team is not None:
        result.insert(
            4,
            (
                t("dashboard.sla_by_team"),
                bar_chart(t("dashboard.sla_by_team"), sla_by_team, fmt=percent),
            ),
        )
    return result


def reserve_charts(t: Translator, reserve: ReserveReport) -> list[tuple[str, Any]]:
    """(title, svg): outstanding reserve and incurred at each month's end."""

    def money(value: float | None) -> str:
        return t.money(value) if value is not None else "—"

    def series(field: str) -> list[tuple[str, float | None]]:
        return [(month.month, float(getattr(month, field))) for month in reserve.months]

    return [
        (
            t("dashboard.reserve_by_month"),
            bar_chart(t("dashboard.reserve_by_month"), series("reserve_amount"), fmt=money),
        ),
        (
            t("dashboard.incurred_by_month"),
            bar_chart(t("dashboard.incurred_by_month"), series("incurred_amount"), fmt=money),
        ),
    ]


@router.get("/dashboards")
def dashboards(
    request: Request,
    actor: StaffActor,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    first: str = "",
    last: str = "",
    product: str = "",
    channel: str = "",
    live: str = "",
) -> Response:
    t = translator(request)
    filters = _filters(now, settings, first, last, product, channel, live)
    report = analytics.kpis(session, actor=actor, **_scope(filters, now, settings))
    trend = _breakdown(session, actor, filters, now, settings)
    team_rows = _sla_by_team(session, now, t) if allowed(actor, "support.reports") else None
    reserve = reserve_kpis.reserve_report(
        session,
        actor=actor,
        period_from=filters["period_from"],
        period_to=filters["period_to"],
        product=filters["product"],
        now=now,
        timezone=settings.display_timezone,
    )
    risk = None
    if filters["product"]:
        risk = monitoring.risk_monitor(
            session,
            actor=actor,
            product_code=filters["product"],
            capacity=0.05,
            timezone=settings.display_timezone,
            now=now,
        )
    return render(
        request,
        "staff/dashboards.html",
        {
            "filters": filters,
            "as_of": as_of(filters, now, settings),
            "now": now,
            "risk": risk,
            "report": report,
            "charts": charts(t, report, trend, team_rows),
            "reserve": reserve,
            "reserve_charts": reserve_charts(t, reserve),
            "products": policies.list_products(session),
            "channels": [str(c) for c in Channel],
            "percent": percent,
            "number": number,
        },
    )


@router.get("/dashboards.csv")
def dashboards_csv(
    actor: StaffActor,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    first: str = "",
    last: str = "",
    product: str = "",
    channel: str = "",
) -> Response:
    """The dashboard's figures per time bucket, as CSV (UTF-8, header row)."""
    filters = _filters(now, settings, first, last, product, channel)
    trend = _breakdown(session, actor, filters, now, settings)
    name = f"kpis-by-{filters['bucket']}-{filters['period_from']}-{filters['period_to']}.csv"
    return Response(
        content=analytics.export_bytes(trend, "csv"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
