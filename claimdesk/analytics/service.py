"""KPIs for the dashboards and the API, computed by DuckDB over the fact tables.

Every definition is in docs/kpis.md; in short, for a period of local days (both ends
included) and optional product, channel and handler filters:

- claim KPIs count the claims *reported* in the period (a cohort), whatever happened later;
- SLA compliance counts the clocks *started* in the period, complaints the complaint tickets
  *created* in it, CSAT the surveys *answered* in it;
- working days follow the business calendar (claimdesk/core/calendar.py): the working days
  after the first day up to and including the last, as a claim's own cycle time.

The facts come live from the operational database (scope pushed into the SQL) or from a
Parquet snapshot (:func:`claimdesk.analytics.facts.write_snapshot`) for big data sets.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from claimdesk.analytics.facts import SCHEMAS, Scope, read_live, snapshot_time
from claimdesk.analytics.schemas import (
    Breakdown,
    ExportFormat,
    KpiBreakdown,
    KpiReport,
    KpiRow,
    KpiValues,
    LossRatioRow,
)
from claimdesk.claims import clocks as statutory_clocks
from claimdesk.core.calendar import is_working_day
from claimdesk.core.errors import ValidationFailed
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor

DEFAULT_TIMEZONE = "Asia/Shanghai"
SATISFIED_SCORE = 4  # CSAT: a score of 4 or 5 of 5 counts as satisfied
MAX_PERIOD_DAYS = 3660
# The API answers from the Parquet snapshot (refreshed by a job every 15 minutes) while it is
# younger than this; otherwise, or when asked for live figures, from the database.
SNAPSHOT_MAX_AGE = timedelta(minutes=30)


def snapshot_folder(data_dir: Path) -> Path:
    return data_dir / "analytics" / "snapshot"


def fresh_snapshot(data_dir: Path, *, now: datetime) -> Path | None:
    """The snapshot folder if it holds a snapshot younger than SNAPSHOT_MAX_AGE."""
    folder = snapshot_folder(data_dir)
    written = snapshot_time(folder)
    if written is None or not timedelta(0) <= now - written <= SNAPSHOT_MAX_AGE:
        return None
    return folder


# The column that places a row of each fact table in the period.
PERIOD_DAY = {
    "claims": "report_day",
    "tickets": "created_day",
    "clocks": "started_day",
    "surveys": "responded_day",
}


def _group_key(by: Breakdown | None, table: str) -> str:
    day = PERIOD_DAY[table]
    return {
        None: "'all'",
        "product": "product",
        "channel": "channel",
        "handler": "CAST(handler_id AS VARCHAR)",
        "month": f"strftime({day}, '%Y-%m')",
        "week": f"strftime({day}, '%G-W%V')",
        "day": f"CAST({day} AS VARCHAR)",
    }[by]


def _claims_sql(key: str) -> str:
    cycle = "(k.n - r.n)"
    closed = "c.close_day IS NOT NULL"
    return f"""
        SELECT {key} AS g,
            count(*) AS claims_reported,
            count(c.close_day) AS claims_closed,
            avg({cycle}) FILTER (WHERE {closed}) AS cycle_time_mean_days,
            quantile_cont({cycle}, 0.5) FILTER (WHERE {closed}) AS cycle_time_median_days,
            quantile_cont({cycle}, 0.9) FILTER (WHERE {closed}) AS cycle_time_p90_days,
            avg(CASE WHEN c.paid_day IS NOT NULL AND c.no_person THEN 1 ELSE 0 END)
                AS straight_through_rate,
            avg(CASE WHEN c.awaiting_documents_day IS NOT NULL THEN 1 ELSE 0 END)
                AS documents_incomplete_rate,
            sum(c.paid_cents) AS paid_cents,
            count(*) FILTER (WHERE c.siu_referred AND c.decided_day IS NOT NULL)
                AS siu_referrals_decided,
            avg(CASE WHEN c.denied_day IS NOT NULL THEN 1 ELSE 0 END)
                FILTER (WHERE c.siu_referred AND c.decided_day IS NOT NULL)
                AS fraud_referral_hit_rate,
            count(*) FILTER (WHERE c.evidence_waived) AS claims_with_waiver,
            avg(CASE WHEN c.evidence_waived THEN 1 ELSE 0 END)
                FILTER (WHERE c.decided_day IS NOT NULL AND c.denied_day IS NULL)
                AS waived_claims_rate
        FROM claims c
        LEFT JOIN calendar r ON r.day = c.report_day
        LEFT JOIN calendar k ON k.day = c.close_day
        GROUP BY g
    """


def _tickets_sql(key: str) -> str:
    return f"""
        SELECT {key} AS g,
            count(*) FILTER (WHERE t.complaint) AS complaints,
            avg(v.n - s.n) FILTER (WHERE t.complaint AND t.resolved_day IS NOT NULL)
                AS complaint_resolution_mean_days
        FROM tickets t
        LEFT JOIN calendar s ON s.day = t.created_day
        LEFT JOIN calendar v ON v.day = t.resolved_day
        GROUP BY g
    """


def _clocks_sql(key: str) -> str:
    return f"""
        SELECT {key} AS g,
            count(*) FILTER (WHERE outcome <> 'running') AS sla_clocks_ended,
            avg(CASE WHEN outcome = 'met' THEN 1 ELSE 0 END) FILTER (WHERE outcome <> 'running')
                AS sla_compliance
        FROM clocks GROUP BY g
    """


def _surveys_sql(key: str) -> str:
    return f"""
        SELECT {key} AS g,
            count(*) AS csat_responses,
            avg(score) AS csat_mean,
            avg(CASE WHEN score >= {SATISFIED_SCORE} THEN 1 ELSE 0 END) AS csat_satisfied_rate
        FROM surveys GROUP BY g
    """


_LOSS_RATIO_SQL = """
    WITH earned AS (
        SELECT product,
            sum(premium_cents * (least(end_date, $to) - greatest(start_date, $from) + 1)
                / (end_date - start_date + 1)) AS earned_cents
        FROM policies GROUP BY product
    ), paid AS (
        SELECT product, sum(paid_cents) AS paid_cents FROM claims GROUP BY product
    )
    SELECT coalesce(e.product, p.product) AS product,
        coalesce(p.paid_cents, 0) AS paid_cents,
        coalesce(e.earned_cents, 0) AS earned_cents
    FROM earned e FULL OUTER JOIN paid p ON p.product = e.product
    ORDER BY product
"""


# ---------------------------------------------------------------- where the facts come from


@lru_cache(maxsize=16)
def _calendar(first: date, last: date) -> pa.Table:
    """Each day with the number of working days from ``first`` up to and including it."""
    days, counts, running = [], [], 0
    day = first
    while day <= last:
        running += is_working_day(day)
        days.append(day)
        counts.append(running)
        day += timedelta(days=1)
    return pa.table({"day": pa.array(days, pa.date32()), "n": pa.array(counts, pa.int64())})


def _add_calendar(con: duckdb.DuckDBPyConnection) -> None:
    first, last = con.execute(
        """
        SELECT min(d), max(d) FROM (
            SELECT min(report_day) AS d FROM claims UNION ALL SELECT max(close_day) FROM claims
            UNION ALL SELECT min(created_day) FROM tickets
            UNION ALL SELECT max(resolved_day) FROM tickets
        )
        """
    ).fetchall()[0]
    calendar = (
        _calendar(first, last)
        if first
        else pa.table({"day": pa.array([], pa.date32()), "n": pa.array([], pa.int64())})
    )
    con.register("calendar", calendar)


def _literal(value: object) -> str:
    """A SQL literal for DuckDB (views take no parameters): dates, ints and quoted text."""
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _snapshot_filter(table: str, scope: Scope) -> str:
    if table == "policies":
        where = [
            f"start_date <= {_literal(scope.period_to)}",
            f"end_date >= {_literal(scope.period_from)}",
        ]
    else:
        where = [
            f"{PERIOD_DAY[table]} BETWEEN {_literal(scope.period_from)} "
            f"AND {_literal(scope.period_to)}"
        ]
    for column, value in (("product", scope.product), ("channel", scope.channel)):
        if value and (table != "policies" or column == "product"):
            where.append(f"{column} = {_literal(value)}")
    if scope.handler is not None and table != "policies":
        where.append(f"handler_id = {_literal(scope.handler)}")
    return " AND ".join(where)


@contextmanager
def _facts(
    session: Session | None, scope: Scope, *, now: datetime, snapshot: Path | None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection holding the scope's fact tables and the working-day calendar."""
    con = duckdb.connect()
    try:
        if snapshot is not None:
            for table in SCHEMAS:  # views: DuckDB pushes the filter into the Parquet scan
                path = _literal(str(snapshot / f"{table}.parquet"))
                con.execute(
                    f"CREATE VIEW {table} AS SELECT * FROM read_parquet({path}) "
                    f"WHERE {_snapshot_filter(table, scope)}"
                )
        else:
            assert session is not None
            for table, facts in read_live(session, scope, now=now).items():
                con.register(table, facts)
        _add_calendar(con)
        yield con
    finally:
        con.close()


# ---------------------------------------------------------------- computing


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params) if params else con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _rate(value: Any, places: int = 4) -> float | None:
    return None if value is None else round(float(value), places)


def _money(cents: Any) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01"))


def _values(merged: dict[str, Any]) -> KpiValues:
    claims = merged.get("claims_reported") or 0
    complaints = merged.get("complaints") or 0
    return KpiValues(
        claims_reported=claims,
        claims_closed=merged.get("claims_closed") or 0,
        cycle_time_mean_days=_rate(merged.get("cycle_time_mean_days"), 2),
        cycle_time_median_days=_rate(merged.get("cycle_time_median_days"), 2),
        cycle_time_p90_days=_rate(merged.get("cycle_time_p90_days"), 2),
        straight_through_rate=_rate(merged.get("straight_through_rate")),
        documents_incomplete_rate=_rate(merged.get("documents_incomplete_rate")),
        sla_clocks_ended=merged.get("sla_clocks_ended") or 0,
        sla_compliance=_rate(merged.get("sla_compliance")),
        complaints=complaints,
        complaint_rate_per_1000_claims=round(complaints * 1000 / claims, 2) if claims else None,
        complaint_resolution_mean_days=_rate(merged.get("complaint_resolution_mean_days"), 2),
        csat_responses=merged.get("csat_responses") or 0,
        csat_mean=_rate(merged.get("csat_mean"), 2),
        csat_satisfied_rate=_rate(merged.get("csat_satisfied_rate")),
        paid_amount=_money(merged.get("paid_cents")),
        siu_referrals_decided=merged.get("siu_referrals_decided") or 0,
        fraud_referral_hit_rate=_rate(merged.get("fraud_referral_hit_rate")),
        claims_with_waiver=merged.get("claims_with_waiver") or 0,
        waived_claims_rate=_rate(merged.get("waived_claims_rate")),
    )


def _grouped(con: duckdb.DuckDBPyConnection, by: Breakdown | None) -> dict[Any, KpiValues]:
    merged: dict[Any, dict[str, Any]] = {}
    for table, sql in (
        ("claims", _claims_sql),
        ("tickets", _tickets_sql),
        ("clocks", _clocks_sql),
        ("surveys", _surveys_sql),
    ):
        for row in _rows(con, sql(_group_key(by, table))):
            merged.setdefault(row.pop("g"), {}).update(row)
    if by is None:
        merged.setdefault("all", {})
    return {group: _values(values) for group, values in merged.items()}


def _loss_ratios(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[LossRatioRow]:
    if scope.channel or scope.handler is not None:
        return []
    rows = _rows(con, _LOSS_RATIO_SQL, {"from": scope.period_from, "to": scope.period_to})
    return [
        LossRatioRow(
            product=row["product"],
            paid_amount=_money(row["paid_cents"]),
            earned_premium=_money(row["earned_cents"]),
            loss_ratio=_rate(row["paid_cents"] / row["earned_cents"])
            if row["earned_cents"]
            else None,
        )
        for row in rows
    ]


def _scope(
    period_from: date,
    period_to: date,
    timezone: str,
    product: str | None,
    channel: str | None,
    handler: int | None,
) -> Scope:
    if period_to < period_from:
        raise ValidationFailed(
            f"The period ends ({period_to}) before it starts ({period_from}); "
            "swap 'from' and 'to'. / 结束日期早于开始日期。",
            details=[{"field": "to"}],
        )
    if (period_to - period_from).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            f"Ask for at most {MAX_PERIOD_DAYS} days at a time. "
            f"/ 一次最多查询 {MAX_PERIOD_DAYS} 天。",
            details=[{"field": "from"}],
        )
    return Scope(period_from, period_to, timezone, product, channel, handler)


def kpis(
    session: Session | None,
    *,
    actor: Actor,
    period_from: date,
    period_to: date,
    product: str | None = None,
    channel: str | None = None,
    handler: int | None = None,
    now: datetime,
    timezone: str = DEFAULT_TIMEZONE,
    snapshot: Path | None = None,
) -> KpiReport:
    """The KPI report of one scope: totals and the loss ratio of each product.

    ``snapshot``: a folder written by ``write_snapshot`` to read instead of the database.
    """
    require(actor, "analytics.view")
    scope = _scope(period_from, period_to, timezone, product, channel, handler)
    with _facts(session, scope, now=now, snapshot=snapshot) as con:
        totals = _grouped(con, None)["all"]
        loss_ratios = _loss_ratios(con, scope)
    return KpiReport(
        period_from=period_from,
        period_to=period_to,
        product=product,
        channel=channel,
        handler=handler,
        source="live" if snapshot is None else f"snapshot {snapshot_time(snapshot)}",
        totals=totals,
        loss_ratio_by_product=loss_ratios,
        statutory_clocks=(
            statutory_clocks.kpis(session, now=now, started_within=scope.bounds())
            if session is not None and not (product or channel or handler)
            else []
        ),
    )


def breakdown(
    session: Session | None,
    *,
    actor: Actor,
    by: Breakdown,
    period_from: date,
    period_to: date,
    product: str | None = None,
    channel: str | None = None,
    handler: int | None = None,
    now: datetime,
    timezone: str = DEFAULT_TIMEZONE,
    snapshot: Path | None = None,
) -> KpiBreakdown:
    """The KPIs per product, channel, handler or time bucket: chart-ready rows, sorted by
    group (time buckets in time order)."""
    require(actor, "analytics.view")
    scope = _scope(period_from, period_to, timezone, product, channel, handler)
    with _facts(session, scope, now=now, snapshot=snapshot) as con:
        groups = _grouped(con, by)
    rows = [
        KpiRow(group=None if group is None else str(group), **values.model_dump())
        for group, values in sorted(groups.items(), key=lambda item: str(item[0]))
    ]
    return KpiBreakdown(period_from=period_from, period_to=period_to, by=by, rows=rows)


# ---------------------------------------------------------------- exports


def table_of(report: KpiReport | KpiBreakdown) -> pa.Table:
    """A flat table: one row per group (a report is one row, group 'all')."""
    if isinstance(report, KpiReport):
        records = [{"group": "all", **report.totals.model_dump()}]
    else:
        records = [row.model_dump() for row in report.rows]
    fields = [("group", pa.string())] + [
        (name, _arrow_type(info.annotation)) for name, info in KpiValues.model_fields.items()
    ]
    schema = pa.schema(fields)
    for record in records:
        record["paid_amount"] = str(record["paid_amount"])
    return pa.Table.from_pylist(records, schema=schema)


def _arrow_type(annotation: Any) -> pa.DataType:
    if annotation is int:
        return pa.int64()
    if annotation is Decimal:
        return pa.string()  # exact: "1234.50", as in the API
    return pa.float64()


def export_bytes(report: KpiReport | KpiBreakdown, fmt: ExportFormat) -> bytes:
    """The report as CSV (UTF-8, header row) or Parquet."""
    table = table_of(report)
    buffer = io.BytesIO()
    if fmt == "csv":
        pa_csv.write_csv(table, buffer)
    else:
        pq.write_table(table, buffer)
    return buffer.getvalue()
