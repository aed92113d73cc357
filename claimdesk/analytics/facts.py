"""The fact tables the KPIs are computed from, read out of the operational database.

One narrow row per claim, ticket, SLA clock, answered survey and policy, with local days
(the display time zone) instead of timestamps and money in whole cents. Two sources give
the same tables:

- :func:`read_live` queries the operational database through SQLAlchemy, with the scope
  (period, product, channel, handler) pushed down into the SQL, and builds Arrow tables
  batch by batch;
- :func:`write_snapshot` writes the unfiltered tables to Parquet files that
  :mod:`claimdesk.analytics.service` queries with DuckDB, for dashboards over millions of
  claims (see docs/decisions.md, "Analytics").
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import NullType

from claimdesk.claims.models import Claim
from claimdesk.policies.models import Policy, Product
from claimdesk.support.enums import COMPLAINT, SlaState
from claimdesk.support.models import SlaClock, Survey, Ticket

BATCH_ROWS = 100_000


@dataclass(frozen=True)
class Scope:
    """Which records a KPI report covers: a period of local days (both ends included) and
    optionally one product code, intake channel and handler (user id)."""

    period_from: date
    period_to: date
    timezone: str
    product: str | None = None
    channel: str | None = None
    handler: int | None = None

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC-aware instants [start, end)."""
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(self.period_from, time(0), tzinfo=zone)
        end = datetime.combine(self.period_to + timedelta(days=1), time(0), tzinfo=zone)
        return start, end


class moment(FunctionElement[Any]):
    """A stored UTC timestamp in the cheapest form to move: SQLite's stored text as it is,
    PostgreSQL's seconds since 1970. :func:`_column` turns either into a local day in
    Arrow, a vectorised pass instead of a date function per row (measured: SQLite's
    ``date(x, '+480 minutes')`` costs more than reading the row)."""

    type = NullType()
    inherit_cache = True


@compiles(moment, "sqlite")
def _moment_sqlite(element: moment, compiler: Any, **kw: Any) -> str:
    sql: str = compiler.process(next(iter(element.clauses)), **kw)
    return sql


@compiles(moment, "postgresql")
def _moment_postgresql(element: moment, compiler: Any, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def fixed_offset(timezone: str) -> timedelta:
    """+8 hours for Asia/Shanghai. Refuses zones with daylight saving time, where one
    offset would misplace part of the year."""
    zone = ZoneInfo(timezone)
    offsets = {datetime(2026, month, 1, tzinfo=zone).utcoffset() for month in (1, 7)}
    if len(offsets) != 1 or None in offsets:
        raise ValueError(f"time zone {timezone} has daylight saving time; use a fixed one")
    return offsets.pop()  # type: ignore[return-value]


def _raw(column: Any) -> ColumnElement[Any]:
    """A column without SQLAlchemy's per-row result conversion (Arrow converts in bulk)."""
    return type_coerce(column, NullType())


def _cents(column: Any) -> ColumnElement[int]:
    return cast(func.round(column * 100), BigInteger)


# ---------------------------------------------------------------- the fact queries


def claims_query() -> Select[Any]:
    """One row per claim: its dimensions, the days it entered the states KPIs read, money."""
    return (
        select(
            Claim.id.label("claim_id"),
            Product.code.label("product"),
            Claim.channel.label("channel"),
            Claim.assessor_id.label("handler_id"),
            moment(Claim.reported_at).label("report_day"),
            moment(Claim.closed_at).label("close_day"),
            moment(Claim.awaiting_documents_at).label("awaiting_documents_day"),
            moment(Claim.paid_at).label("paid_day"),
            moment(Claim.denied_at).label("denied_day"),
            moment(Claim.decided_at).label("decided_day"),
            (Claim.assessor_id.is_(None) & Claim.approver_id.is_(None)).label("no_person"),
            Claim.siu_referred.label("siu_referred"),
            _cents(Claim.paid_amount).label("paid_cents"),
            Claim.evidence_waived_at.is_not(None).label("evidence_waived"),
        )
        .join(Policy, Policy.id == Claim.policy_id)
        .join(Product, Product.id == Policy.product_id)
    )


def _claim_scope(query: Select[Any], scope: Scope) -> Select[Any]:
    start, end = scope.bounds()
    query = query.where(Claim.reported_at >= start, Claim.reported_at < end)
    if scope.product:
        query = query.where(Product.code == scope.product)
    if scope.channel:
        query = query.where(Claim.channel == scope.channel)
    if scope.handler is not None:
        query = query.where(Claim.assessor_id == scope.handler)
    return query


def tickets_query() -> Select[Any]:
    return select(
        Ticket.id.label("ticket_id"),
        (Ticket.kind == COMPLAINT).label("complaint"),
        Ticket.product_code.label("product"),
        Ticket.channel.label("channel"),
        Ticket.owner_id.label("handler_id"),
        moment(Ticket.created_at).label("created_day"),
        moment(Ticket.resolved_at).label("resolved_day"),
    )


def _ticket_scope(query: Select[Any], scope: Scope) -> Select[Any]:
    start, end = scope.bounds()
    query = query.where(Ticket.created_at >= start, Ticket.created_at < end)
    if scope.product:
        query = query.where(Ticket.product_code == scope.product)
    if scope.channel:
        query = query.where(Ticket.channel == scope.channel)
    if scope.handler is not None:
        query = query.where(Ticket.owner_id == scope.handler)
    return query


def clocks_query(now: datetime) -> Select[Any]:
    """SLA clocks (not cancelled) with the dimensions of their ticket or claim; a running
    clock past its due time counts as breached, as in the service desk's own report."""
    claim_product = (
        select(Product.code)
        .join(Policy, Policy.product_id == Product.id)
        .where(Policy.id == Claim.policy_id)
        .scalar_subquery()
    )
    outcome = case(
        (SlaClock.state == SlaState.MET, "met"),
        (
            or_(
                SlaClock.state == SlaState.BREACHED,
                and_(SlaClock.stopped_at.is_(None), SlaClock.due_at <= now),
            ),
            "breached",
        ),
        else_="running",
    )
    return (
        select(
            SlaClock.id.label("clock_id"),
            outcome.label("outcome"),
            func.coalesce(Ticket.product_code, claim_product).label("product"),
            func.coalesce(Ticket.channel, Claim.channel).label("channel"),
            func.coalesce(Ticket.owner_id, Claim.assessor_id).label("handler_id"),
            moment(SlaClock.started_at).label("started_day"),
        )
        .outerjoin(Ticket, Ticket.id == SlaClock.ticket_id)
        .outerjoin(Claim, Claim.id == SlaClock.claim_id)
        .where(SlaClock.state != SlaState.CANCELLED)
    )


def _clock_scope(query: Select[Any], scope: Scope) -> Select[Any]:
    start, end = scope.bounds()
    query = query.where(SlaClock.started_at >= start, SlaClock.started_at < end)
    columns = query.selected_columns
    if scope.product:
        query = query.where(columns.product == scope.product)
    if scope.channel:
        query = query.where(columns.channel == scope.channel)
    if scope.handler is not None:
        query = query.where(columns.handler_id == scope.handler)
    return query


def surveys_query() -> Select[Any]:
    return select(
        Survey.id.label("survey_id"),
        Survey.score.label("score"),
        Survey.product_code.label("product"),
        Survey.channel.label("channel"),
        Survey.handler_id.label("handler_id"),
        moment(Survey.responded_at).label("responded_day"),
    ).where(Survey.responded_at.is_not(None))


def _survey_scope(query: Select[Any], scope: Scope) -> Select[Any]:
    start, end = scope.bounds()
    query = query.where(Survey.responded_at >= start, Survey.responded_at < end)
    if scope.product:
        query = query.where(Survey.product_code == scope.product)
    if scope.channel:
        query = query.where(Survey.channel == scope.channel)
    if scope.handler is not None:
        query = query.where(Survey.handler_id == scope.handler)
    return query


def policies_query() -> Select[Any]:
    return select(
        Policy.id.label("policy_id"),
        Product.code.label("product"),
        _raw(Policy.start_date).label("start_date"),
        _raw(Policy.end_date).label("end_date"),
        _cents(Policy.premium).label("premium_cents"),
    ).join(Product, Product.id == Policy.product_id)


def _policy_scope(query: Select[Any], scope: Scope) -> Select[Any]:
    query = query.where(Policy.start_date <= scope.period_to, Policy.end_date >= scope.period_from)
    if scope.product:
        query = query.where(Product.code == scope.product)
    return query


def _schema(fields: list[tuple[str, pa.DataType]]) -> pa.Schema:
    return pa.schema(fields)


SCHEMAS: dict[str, pa.Schema] = {
    "claims": _schema(
        [
            ("claim_id", pa.int64()),
            ("product", pa.string()),
            ("channel", pa.string()),
            ("handler_id", pa.int64()),
            ("report_day", pa.date32()),
            ("close_day", pa.date32()),
            ("awaiting_documents_day", pa.date32()),
            ("paid_day", pa.date32()),
            ("denied_day", pa.date32()),
            ("decided_day", pa.date32()),
            ("no_person", pa.bool_()),
            ("siu_referred", pa.bool_()),
            ("paid_cents", pa.int64()),
            ("evidence_waived", pa.bool_()),
        ]
    ),
    "tickets": _schema(
        [
            ("ticket_id", pa.int64()),
            ("complaint", pa.bool_()),
            ("product", pa.string()),
            ("channel", pa.string()),
            ("handler_id", pa.int64()),
            ("created_day", pa.date32()),
            ("resolved_day", pa.date32()),
        ]
    ),
    "clocks": _schema(
        [
            ("clock_id", pa.int64()),
            ("outcome", pa.string()),
            ("product", pa.string()),
            ("channel", pa.string()),
            ("handler_id", pa.int64()),
            ("started_day", pa.date32()),
        ]
    ),
    "surveys": _schema(
        [
            ("survey_id", pa.int64()),
            ("score", pa.int64()),
            ("product", pa.string()),
            ("channel", pa.string()),
            ("handler_id", pa.int64()),
            ("responded_day", pa.date32()),
        ]
    ),
    "policies": _schema(
        [
            ("policy_id", pa.int64()),
            ("product", pa.string()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
            ("premium_cents", pa.int64()),
        ]
    ),
}


def _queries(now: datetime) -> dict[str, tuple[Select[Any], Callable[..., Any]]]:
    return {
        "claims": (claims_query(), _claim_scope),
        "tickets": (tickets_query(), _ticket_scope),
        "clocks": (clocks_query(now), _clock_scope),
        "surveys": (surveys_query(), _survey_scope),
        "policies": (policies_query(), _policy_scope),
    }


def _local_days(values: tuple[Any, ...], offset: timedelta) -> pa.Array[Any]:
    """Stored UTC moments (SQLite text or PostgreSQL epoch seconds) to local days."""
    if any(isinstance(v, str) for v in values):
        moments = pa.array(values, pa.string()).cast(pa.timestamp("us"))
        return pc.add(moments, pa.scalar(offset)).cast(pa.date32())
    seconds = pa.array(values, pa.int64())
    days = pc.divide(pc.add(seconds, int(offset.total_seconds())), 86_400)
    return days.cast(pa.int32()).cast(pa.date32())


def _column(values: tuple[Any, ...], field: pa.Field[Any], offset: timedelta) -> pa.Array[Any]:
    if field.name.endswith("_day"):
        return _local_days(values, offset)
    if pa.types.is_date32(field.type) and any(isinstance(v, str) for v in values):
        return pa.array(values, pa.string()).cast(pa.date32())  # SQLite keeps dates as text
    if pa.types.is_boolean(field.type):
        return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    typed: pa.Array[Any] = pa.array(values, field.type)
    return typed


def _read(session: Session, query: Select[Any], schema: pa.Schema, timezone: str) -> pa.Table:
    """Run a fact query on the session's connection (Core rows, no ORM) and build its Arrow
    table batch by batch."""
    offset = fixed_offset(timezone)
    connection = session.connection()
    result = connection.execution_options(yield_per=BATCH_ROWS).execute(query)
    batches = []
    for rows in result.partitions():
        columns = list(zip(*rows, strict=True))
        batches.append(
            pa.RecordBatch.from_arrays(
                [_column(c, f, offset) for c, f in zip(columns, schema, strict=True)],
                schema=schema,
            )
        )
    return pa.Table.from_batches(batches, schema=schema)


def read_live(session: Session, scope: Scope, *, now: datetime) -> dict[str, pa.Table]:
    """The fact tables of this scope, read from the operational database."""
    return {
        name: _read(session, narrow(query, scope), SCHEMAS[name], scope.timezone)
        for name, (query, narrow) in _queries(now).items()
    }


MANIFEST = "manifest.json"


def write_snapshot(
    session: Session, folder: Path, *, timezone: str, now: datetime
) -> dict[str, int]:
    """Write every fact table, unfiltered, to ``folder/<table>.parquet`` with a manifest
    (when, how many rows); returns the row counts. The folder is replaced whole at the end,
    so a reader never sees half a snapshot."""
    staging = folder.with_name(f"{folder.name}.writing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    counts = {}
    for name, (query, _narrow) in _queries(now).items():
        table = _read(session, query, SCHEMAS[name], timezone)
        pq.write_table(table, staging / f"{name}.parquet")
        counts[name] = table.num_rows
    manifest = {"written_at": now.isoformat(), "timezone": timezone, "rows": counts}
    (staging / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    retired = folder.with_name(f"{folder.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if folder.exists():
        folder.rename(retired)
    staging.rename(folder)
    shutil.rmtree(retired, ignore_errors=True)
    return counts


def snapshot_time(folder: Path) -> datetime | None:
    """When the snapshot in ``folder`` was written, or None if there is none."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return datetime.fromisoformat(manifest["written_at"])
