"""Bulk claims import from a partner or legacy feed (bordereau): each row becomes a claim
through the normal intake (and is scored as a report is), on the policy the row names,
which is created with its holder the first time the feed mentions it.

The feed's columns map onto the product's claim, policy and attribute schema by a mapping
file, ``feed_mappings/<PRODUCT>.toml`` (data, not code). ``map_row`` is pure; ``import_row``
loads, calls the services and records the feed's keys (``FeedRecord``) so that a re-run
answers ``already_present`` and creates nothing twice.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claimdesk.claims import service as claims
from claimdesk.claims.enums import Channel
from claimdesk.claims.models import Claim, FeedRecord
from claimdesk.claims.schemas import ClaimIn
from claimdesk.config import Settings
from claimdesk.core.errors import ClaimDeskError, NotFound
from claimdesk.customers.schemas import CustomerIn
from claimdesk.customers.service import create_customer
from claimdesk.policies import attribute_schema
from claimdesk.policies.models import Policy
from claimdesk.policies.schemas import PolicyIn
from claimdesk.policies.service import create_policy
from claimdesk.security.service import Actor

MONTHS = {name: n for n, name in enumerate(calendar.month_abbr) if name}
WEEKDAYS = {name: n for n, name in enumerate(calendar.day_name)}
REPORTED_AT = time(10, 0)  # a feed gives days: a claim counts as reported mid-morning


class RowStatus(StrEnum):
    CREATED = "created"
    ALREADY_PRESENT = "already_present"
    REJECTED = "rejected"


class RowRejected(Exception):
    """A feed row that cannot be mapped; ``reason`` says which column and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RowResult:
    row: int  # 1-based, header not counted
    status: RowStatus
    claim_id: int | None = None
    claim_number: str | None = None
    reason: str = ""


# ---------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class FieldMap:
    name: str
    column: str
    values: dict[str, str]
    missing: frozenset[str]


@dataclass(frozen=True)
class DateMap:
    year: str
    month: str
    week: str
    weekday: str


@dataclass(frozen=True)
class FeedMapping:
    product_code: str
    claim_ref: str
    policy_ref: str
    claim_type: str
    claim_type_column: str
    claimed_amount_column: str
    nominal_claimed_amount: Decimal
    description_column: str
    currency: str
    reported: DateMap
    incident: DateMap
    start_from_attribute: str
    sum_insured_column: str
    sum_insured: dict[str, Decimal]
    holder_name_column: str
    holder_gender_column: str
    holder_gender: dict[str, str]
    claim: tuple[FieldMap, ...]
    insured_object: tuple[FieldMap, ...]


def _fields(section: dict[str, Any]) -> tuple[FieldMap, ...]:
    return tuple(
        FieldMap(
            name=name,
            column=spec["column"],
            values={str(k): str(v) for k, v in spec.get("values", {}).items()},
            missing=frozenset(spec.get("missing", [])),
        )
        for name, spec in section.items()
    )


def parse_mapping(product_code: str, text: str) -> FeedMapping:
    data = tomllib.loads(text)
    feed, policy, holder = data["feed"], data["policy"], data["holder"]
    return FeedMapping(
        product_code=product_code,
        claim_ref=feed["claim_ref"],
        policy_ref=feed["policy_ref"],
        claim_type=feed["claim_type"],
        claim_type_column=feed.get("claim_type_column", "ClaimType"),
        claimed_amount_column=feed.get("claimed_amount_column", "ClaimAmount"),
        nominal_claimed_amount=Decimal(feed["nominal_claimed_amount"]),
        description_column=feed.get("description_column", "Description"),
        currency=feed.get("currency", "CNY"),
        reported=DateMap(**data["dates"]["reported"]),
        incident=DateMap(**data["dates"]["incident"]),
        start_from_attribute=policy["start_from_attribute"],
        sum_insured_column=policy["sum_insured_column"],
        sum_insured={k: Decimal(v) for k, v in policy["sum_insured"].items()},
        holder_name_column=holder.get("name_column", "HolderName"),
        holder_gender_column=holder.get("gender_column", "Sex"),
        holder_gender=dict(holder.get("gender", {})),
        claim=_fields(data.get("claim", {})),
        insured_object=_fields(data.get("insured_object", {})),
    )


@cache
def mapping_for(product_code: str) -> FeedMapping:
    path = resources.files("claimdesk.claims").joinpath("feed_mappings", f"{product_code}.toml")
    if not path.is_file():
        raise NotFound(f"There is no feed mapping for product '{product_code}'.")
    return parse_mapping(product_code, path.read_text("utf-8"))


# ---------------------------------------------------------------- one row, pure


@dataclass(frozen=True)
class MappedRow:
    claim_ref: str
    policy_ref: str
    claim_type: str
    incident_date: date
    reported_on: date
    claimed_amount: Decimal
    description: str
    claim_attributes: dict[str, str]
    insured_object: dict[str, str]
    policy_start: date
    sum_insured: Decimal
    holder_name: str
    holder_gender: str | None


def _cell(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def _required(row: dict[str, str], column: str) -> str:
    value = _cell(row, column)
    if not value:
        raise RowRejected(f"{column}: empty")
    return value


def nth_weekday(year: int, month: int, week: int, weekday: int) -> date:
    """The ``week``-th given weekday of the month (the last one when there are fewer)."""
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (max(week, 1) - 1))
    while day.month != month:
        day -= timedelta(days=7)
    return day


def _month(row: dict[str, str], column: str) -> int:
    value = _required(row, column)
    if value not in MONTHS:
        raise RowRejected(f"{column}: '{value}' is not a month (Jan ... Dec)")
    return MONTHS[value]


def _date(row: dict[str, str], spec: DateMap, *, year: int | None = None) -> date:
    month = _month(row, spec.month)
    weekday = _required(row, spec.weekday)
    if weekday not in WEEKDAYS:
        raise RowRejected(f"{spec.weekday}: '{weekday}' is not a day of the week")
    week = _required(row, spec.week)
    if not week.isdigit() or not 1 <= int(week) <= 5:
        raise RowRejected(f"{spec.week}: '{week}' is not a week of the month (1 to 5)")
    if year is None:
        text = _required(row, spec.year)
        if not text.isdigit() or not 1900 <= int(text) <= 2100:
            raise RowRejected(f"{spec.year}: '{text}' is not a year")
        year = int(text)
    return nth_weekday(year, month, int(week), WEEKDAYS[weekday])


def _mapped(row: dict[str, str], fields: tuple[FieldMap, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for spec in fields:
        cell = _cell(row, spec.column)
        if not cell or cell in spec.missing:
            continue
        if spec.values:
            if cell not in spec.values:
                known = ", ".join(spec.values)
                raise RowRejected(f"{spec.column}: '{cell}' is not a known value ({known})")
            values[spec.name] = spec.values[cell]
        else:
            values[spec.name] = cell
    return values


def _policy_start(mapping: FeedMapping, attributes: dict[str, str], incident: date) -> date:
    schema = attribute_schema.schema_for(mapping.product_code)
    attribute = schema.attribute("claim", mapping.start_from_attribute) if schema else None
    band = attributes.get(mapping.start_from_attribute)
    if attribute is None or band is None:
        return incident
    low = next((low for low, value in attribute.derive_bands if value == band), 0)
    return incident - timedelta(days=low)


def map_row(mapping: FeedMapping, row: dict[str, str]) -> MappedRow:
    """The claim, policy and holder a feed row describes, or ``RowRejected``."""
    claim_ref = _required(row, mapping.claim_ref)
    policy_ref = _required(row, mapping.policy_ref)
    reported = _date(row, mapping.reported)
    incident_year = reported.year
    if _month(row, mapping.incident.month) > reported.month:
        incident_year -= 1
    incident = min(_date(row, mapping.incident, year=incident_year), reported)
    attributes = _mapped(row, mapping.claim)
    amount_text = _cell(row, mapping.claimed_amount_column)
    described = _cell(row, mapping.description_column)
    if amount_text:
        try:
            amount = Decimal(amount_text.replace(",", ""))
        except InvalidOperation:
            raise RowRejected(
                f"{mapping.claimed_amount_column}: '{amount_text}' is not an amount"
            ) from None
        description = described or f"Imported claim {claim_ref} / 导入的理赔 {claim_ref}"
    else:
        amount = mapping.nominal_claimed_amount
        description = (
            described or f"Imported claim {claim_ref} / 导入的理赔 {claim_ref}"
        ) + " (amount not in the feed / 数据未含金额)"
    price = _cell(row, mapping.sum_insured_column)
    if price not in mapping.sum_insured:
        known = ", ".join(mapping.sum_insured)
        raise RowRejected(f"{mapping.sum_insured_column}: '{price}' is not a known band ({known})")
    gender_cell = _cell(row, mapping.holder_gender_column)
    return MappedRow(
        claim_ref=claim_ref,
        policy_ref=policy_ref,
        claim_type=_cell(row, mapping.claim_type_column) or mapping.claim_type,
        incident_date=incident,
        reported_on=reported,
        claimed_amount=amount,
        description=description[:4000],
        claim_attributes=attributes,
        insured_object=_mapped(row, mapping.insured_object),
        policy_start=_policy_start(mapping, attributes, incident),
        sum_insured=mapping.sum_insured[price],
        holder_name=_cell(row, mapping.holder_name_column)
        or f"Policy holder {policy_ref} / 投保人 {policy_ref}",
        holder_gender=mapping.holder_gender.get(gender_cell),
    )


def digest(row: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(row, sort_keys=True).encode()).hexdigest()


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------- one row, through services


def _record(session: Session, product: str, kind: str, ref: str) -> FeedRecord | None:
    return session.scalars(
        select(FeedRecord).where(
            FeedRecord.product_code == product, FeedRecord.kind == kind, FeedRecord.ref == ref
        )
    ).one_or_none()


def _policy(
    session: Session, mapping: FeedMapping, mapped: MappedRow, *, now: datetime, row_digest: str
) -> Policy:
    """The feed's policy: found by its key, or created with its holder."""
    known = _record(session, mapping.product_code, "policy", mapped.policy_ref)
    if known is not None:
        policy = session.get(Policy, known.record_id)
        if policy is not None:
            return policy
    holder = create_customer(
        session,
        data=CustomerIn(
            name=mapped.holder_name[:128],
            gender=mapped.holder_gender,
            id_type="other",
            id_number=f"feed:{mapping.product_code}:{mapped.policy_ref}"[:64],
        ),
        now=now,
    )
    policy = create_policy(
        session,
        data=PolicyIn(
            product_code=mapping.product_code,
            holder_id=holder.id,
            start_date=mapped.policy_start,
            end_date=_years_later(mapped.policy_start, 1) - timedelta(days=1),
            sum_insured=mapped.sum_insured,
            currency=mapping.currency,
            insured_object=dict(mapped.insured_object),
        ),
        now=now,
    )
    session.add(
        FeedRecord(
            product_code=mapping.product_code,
            kind="policy",
            ref=mapped.policy_ref[:64],
            record_id=policy.id,
            request_digest=row_digest,
            created_at=now,
        )
    )
    return policy


def reported_at(day: date, settings: Settings) -> datetime:
    """When a claim the feed dates by day counts as reported (mid-morning, local time)."""
    local = datetime.combine(day, REPORTED_AT, tzinfo=ZoneInfo(settings.display_timezone))
    return local.astimezone(UTC)


def _reason(exc: ValidationError) -> str:
    problem = exc.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {problem['msg']}" if where else str(problem["msg"])


def existing_claim(
    session: Session, mapping: FeedMapping, row_number: int, row: dict[str, str]
) -> RowResult | None:
    """The result for a row whose claim the feed already delivered, else None."""
    ref = _cell(row, mapping.claim_ref)
    known = _record(session, mapping.product_code, "claim", ref[:64]) if ref else None
    if known is None:
        return None
    claim = session.get(Claim, known.record_id)
    if known.request_digest != digest(row):
        return RowResult(
            row_number,
            RowStatus.REJECTED,
            reason=f"{mapping.claim_ref} {ref} was already imported with different data",
        )
    return RowResult(
        row_number,
        RowStatus.ALREADY_PRESENT,
        claim_id=known.record_id,
        claim_number=claim.number if claim else None,
    )


def import_row(
    session: Session,
    *,
    actor: Actor,
    mapping: FeedMapping,
    row_number: int,
    row: dict[str, str],
    channel: Channel,
    settings: Settings,
    after_intake: Callable[[Session, Claim, datetime], None] | None = None,
) -> tuple[RowResult, Claim | None]:
    """Take one feed row: already present, created (through the normal intake, in a
    savepoint), or rejected with the reason (nothing of it kept). ``after_intake(session,
    claim, now)`` runs in the same savepoint (the scoring that follows a report)."""
    existing = existing_claim(session, mapping, row_number, row)
    if existing is not None:
        return existing, None
    try:
        mapped = map_row(mapping, row)
    except RowRejected as exc:
        return RowResult(row_number, RowStatus.REJECTED, reason=exc.reason), None
    row_digest = digest(row)
    now = reported_at(mapped.reported_on, settings)
    try:
        with session.begin_nested():
            policy = _policy(session, mapping, mapped, now=now, row_digest=row_digest)
            data = ClaimIn(
                policy_id=policy.id,
                claim_type=mapped.claim_type,
                incident_date=mapped.incident_date,
                description=mapped.description,
                claimed_amount=mapped.claimed_amount,
                currency=mapping.currency,
                channel=channel,
                attributes=dict(mapped.claim_attributes),
            )
            claim, _ = claims.report_claim(
                session, actor=actor, data=data, now=now, settings=settings
            )
            session.add(
                FeedRecord(
                    product_code=mapping.product_code,
                    kind="claim",
                    ref=mapped.claim_ref[:64],
                    record_id=claim.id,
                    request_digest=row_digest,
                    created_at=now,
                )
            )
            if after_intake is not None:
                after_intake(session, claim, now)
            session.flush()
    except ClaimDeskError as exc:
        return RowResult(row_number, RowStatus.REJECTED, reason=_field_reason(exc)), None
    except ValidationError as exc:
        return RowResult(row_number, RowStatus.REJECTED, reason=_reason(exc)), None
    except IntegrityError:
        return RowResult(
            row_number,
            RowStatus.REJECTED,
            reason="The row conflicted with a concurrent import; run the import again.",
        ), None
    return (
        RowResult(row_number, RowStatus.CREATED, claim_id=claim.id, claim_number=claim.number),
        claim,
    )


def _field_reason(exc: ClaimDeskError) -> str:
    fields = [str(d["field"]) for d in exc.details if isinstance(d, dict) and d.get("field")]
    return f"{fields[0]}: {exc.message}" if fields else exc.message
