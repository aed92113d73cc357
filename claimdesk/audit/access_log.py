"""The sensitive-access log, readable: who read which sensitive field in clear, when, why.

Written by :func:`claimdesk.audit.service.record_sensitive_reads` (each read in clear of an
ID number, phone, bank account...); read here by auditors and administrators, filtered,
as JSON or CSV, and summarised as unusual access for the compliance report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, String, and_, cast, distinct, func, or_, select
from sqlalchemy.orm import Session

from claimdesk.audit import rules
from claimdesk.audit.models import SensitiveAccess
from claimdesk.claims.models import Claim
from claimdesk.core.errors import ValidationFailed
from claimdesk.customers.models import BankAccount
from claimdesk.documents.models import Document
from claimdesk.security.models import User
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor

# A user is unusual when they read more than FACTOR x the median records and at least MINIMUM.
UNUSUAL_FACTOR = 5.0
UNUSUAL_MINIMUM = 20
CSV_COLUMNS = ("id", "at", "user_id", "username", "role", "table", "record_id", "field", "purpose")


@dataclass(frozen=True)
class AccessFilter:
    user_id: int | None = None
    subject: str | None = None  # "customers:12", or a table name ("bank_accounts")
    customer_id: int | None = None  # the data subject: their profile, accounts, documents
    purpose: str | None = None  # a part of the purpose, e.g. "/360"
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class AccessRow:
    id: int
    at: datetime
    user_id: int | None
    username: str | None
    role: str
    table: str
    record_id: str
    field: str
    purpose: str


def _filtered(wanted: AccessFilter) -> Select[SensitiveAccess, str]:
    query = select(SensitiveAccess, User.username).outerjoin(
        User, User.id == SensitiveAccess.user_id
    )
    if wanted.user_id is not None:
        query = query.where(SensitiveAccess.user_id == wanted.user_id)
    if wanted.subject:
        table, _, record = wanted.subject.partition(":")
        query = query.where(SensitiveAccess.table_name == table)
        if record:
            query = query.where(SensitiveAccess.record_id == record)
    if wanted.customer_id is not None:
        query = query.where(_about_customer(wanted.customer_id))
    if wanted.purpose:
        query = query.where(SensitiveAccess.purpose.contains(wanted.purpose, autoescape=True))
    if wanted.start is not None:
        query = query.where(SensitiveAccess.at >= wanted.start)
    if wanted.end is not None:
        query = query.where(SensitiveAccess.at < wanted.end)
    return query


def _about_customer(customer_id: int) -> ColumnElement[bool]:
    """Reads of this person's data: their profile, bank accounts and claim documents."""
    accounts = select(cast(BankAccount.id, String)).where(BankAccount.customer_id == customer_id)
    documents = (
        select(cast(Document.id, String))
        .join(Claim, Claim.id == Document.claim_id)
        .where(Claim.customer_id == customer_id)
    )
    table, record = SensitiveAccess.table_name, SensitiveAccess.record_id
    return or_(
        and_(table == "customers", record == str(customer_id)),
        and_(table == "bank_accounts", record.in_(accounts)),
        and_(table == "documents", record.in_(documents)),
    )


def entries(
    session: Session, *, actor: Actor, wanted: AccessFilter, limit: int, offset: int
) -> list[AccessRow]:
    """The reads that match, newest first (auditors and administrators only)."""
    require(actor, "audit.access_log")
    if wanted.start and wanted.end and wanted.end <= wanted.start:
        raise ValidationFailed(
            "The period is empty: 'from' must be before 'to'. 时间段为空：起始须早于结束。"
        )
    rows = session.execute(
        _filtered(wanted)
        .order_by(SensitiveAccess.at.desc(), SensitiveAccess.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        AccessRow(
            id=a.id,
            at=a.at,
            user_id=a.user_id,
            username=username,
            role=a.role,
            table=a.table_name,
            record_id=a.record_id,
            field=a.field,
            purpose=a.purpose,
        )
        for a, username in rows
    ]


def as_csv(rows: Sequence[AccessRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [r.id, r.at.isoformat(), r.user_id, r.username, r.role, r.table, r.record_id,
             r.field, _safe(r.purpose)]
        )  # fmt: skip
    return out.getvalue()


def _safe(text: str) -> str:
    """No spreadsheet formulas from a logged purpose."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def unusual_access(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    factor: float = UNUSUAL_FACTOR,
    minimum: int = UNUSUAL_MINIMUM,
) -> list[tuple[rules.UnusualReader, str | None]]:
    """Staff who read far more distinct sensitive records than their peers in the period
    (with their username)."""
    counted = session.execute(
        select(
            SensitiveAccess.user_id,
            func.count(distinct(SensitiveAccess.table_name + ":" + SensitiveAccess.record_id)),
        )
        .where(
            SensitiveAccess.at >= start,
            SensitiveAccess.at < end,
            SensitiveAccess.role != "customer",
        )
        .group_by(SensitiveAccess.user_id)
    ).all()
    found = rules.unusual_readers({user: n for user, n in counted}, factor=factor, minimum=minimum)
    names: dict[int | None, str] = dict(
        session.execute(
            select(User.id, User.username).where(User.id.in_([f.user_id for f in found]))
        ).all()
    )
    return [(f, names.get(f.user_id)) for f in found]
