"""Bulk data for scale tests: N claims with their customers, policies, timelines, payments,
risk scores, document metadata and service tickets, written fast and consistent with the
schema.

Every claim walks the real transition table (:data:`claimdesk.claims.machine.TRANSITIONS`)
from ``reported`` to its final state, one timeline event and one state timestamp per step,
so its history reads as if the service had made it. Old claims are mostly settled; recent
ones are spread over the work queues. The data is deterministic for a seed and a ``now``.

PostgreSQL is loaded with ``COPY`` through psycopg; SQLite with ``executemany`` in one
transaction per chunk. Rows are appended after the highest existing id of each table, so a
database may be generated into more than once. Generated rows bypass the services, so their
timelines are not in the audit ledger (a historical load, not staff actions); each decided
claim's money (its amounts and payment) is, as one ``money.imported`` fact chained after
the ledger's head, so ``claimdesk audit verify`` reconciles generated claims too.

    generate(engine, claims=1_000_000, seed=7, progress=bar.advance)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine, Table, func, insert, select, text

from claimdesk.audit.models import AuditEntry
from claimdesk.audit.rules import (
    GENESIS,
    MONEY_SUBJECT,
    MoneyFact,
    entry_hash,
    money_state,
    payment_snapshot,
)
from claimdesk.claims.enums import Channel, ClaimAction, ClaimStatus
from claimdesk.claims.machine import TRANSITIONS
from claimdesk.claims.models import Claim, ClaimEvent, LossLine, Payment, description_hash
from claimdesk.claims.rules import decision_status
from claimdesk.core.errors import NotFound
from claimdesk.customers.models import BankAccount, Customer
from claimdesk.demo import BANKS, CITIES, GIVEN_NAMES, SURNAMES, resident_id
from claimdesk.documents.checklists import required_documents
from claimdesk.documents.enums import DocumentStatus
from claimdesk.documents.models import Document
from claimdesk.fraud.enums import Grade
from claimdesk.fraud.models import RiskAssessment
from claimdesk.policies.models import Coverage, InsuredPerson, Policy, Product
from claimdesk.security.crypto import search_hash
from claimdesk.security.enums import Role
from claimdesk.security.models import User
from claimdesk.security.service import hash_password
from claimdesk.support.enums import CLAIM_INQUIRY, CONSULTATION, Priority, TicketStatus
from claimdesk.support.models import Ticket, TicketEvent

A = ClaimAction
S = ClaimStatus
CHUNK = 5_000  # claims per transaction
CUSTOMERS_PER_CLAIM = 0.35
POLICIES_PER_CLAIM = 0.45
TICKETS_PER_CLAIM = 0.25
HISTORY_DAYS = 3 * 365
STAFF = {Role.ADJUSTER: 120, Role.SENIOR_ADJUSTER: 30, Role.SUPERVISOR: 10, Role.AGENT: 60}
STAFF_PREFIX = "gen-"
Progress = Callable[[int], None]

# Final states as the actions after intake, a weight, and whether review comes first (by
# ``start_review``, or after a request for documents); the machine checks every step.
REVIEW = (A.START_REVIEW,)
DOCS_REVIEW = (A.REQUEST_DOCUMENTS, A.SUBMIT_DOCUMENTS)
DECIDE = (A.ASSESS, A.VERIFY_COVERAGE, A.APPROVE)
Path = tuple[tuple[ClaimAction, ...], float, bool]
SETTLED_PATHS: tuple[Path, ...] = (
    ((*DECIDE, A.PAY, A.CLOSE), 0.62, True),
    ((*DECIDE, A.PAY, A.CLOSE, A.ARCHIVE), 0.12, True),
    ((A.DENY, A.CLOSE), 0.10, True),
    ((A.START_INVESTIGATION, *DECIDE, A.PAY, A.CLOSE), 0.06, True),
    ((A.REFER_TO_SIU, A.DENY, A.CLOSE), 0.03, False),
    ((*DECIDE, A.PAY), 0.01, True),
)
OPEN_PATHS: tuple[Path, ...] = (
    ((), 0.07, False),  # just reported
    ((A.REQUEST_DOCUMENTS,), 0.14, False),
    ((), 0.20, True),  # under review
    ((A.START_INVESTIGATION,), 0.04, True),
    ((A.REFER_TO_SIU,), 0.01, False),
    ((A.ASSESS,), 0.10, True),
    ((A.ASSESS, A.VERIFY_COVERAGE), 0.08, True),
    (DECIDE, 0.09, True),
    ((A.DENY,), 0.05, True),
    ((*DECIDE, A.PAY), 0.10, True),
    ((*DECIDE, A.PAY, A.CLOSE), 0.06, True),
)
REASONS = {
    A.REQUEST_DOCUMENTS: "请补充缺少的材料 / Please send the missing documents",
    A.REFER_TO_SIU: "风险评分高，转特别调查 / High risk score: referred to the SIU",
    A.DENY: "事故不属于保险责任 / The loss is not covered by the policy",
    A.WITHDRAW: "已与对方协商解决 / Settled with the other party",
}
WITHDRAWN_SHARE = 0.03
RECENT_DAYS = 45  # claims reported within this many days may still be open
APPROVAL_LIMIT = Decimal("10000")  # above it a senior adjuster approves (the default limits)
CENT = Decimal("0.01")

# Claimed amount per coverage: (median, spread of the log-normal, lowest).
AMOUNTS = {
    "inpatient": (12000, 0.8, 800),
    "outpatient": (600, 0.6, 80),
    "vehicle_damage": (6000, 0.9, 300),
    "third_party": (15000, 1.0, 500),
    "accidental_medical": (3000, 0.8, 200),
    "accidental_death_disability": (150000, 0.7, 20000),
}
DESCRIPTIONS = {
    "inpatient": "住院治疗 / Inpatient treatment",
    "outpatient": "门诊就医 / Outpatient visit",
    "vehicle_damage": "车辆碰撞受损 / Vehicle damaged in a collision",
    "third_party": "第三者财产损失 / Third-party property damage",
    "accidental_medical": "意外受伤就医 / Medical care after an accident",
    "accidental_death_disability": "意外伤残 / Disability after an accident",
}
CHANNELS = (Channel.APP, Channel.WEB, Channel.PHONE, Channel.COUNTER, Channel.API)
CHANNEL_WEIGHTS = (0.45, 0.2, 0.2, 0.1, 0.05)
STAFF_CHANNELS = frozenset({Channel.PHONE, Channel.COUNTER, Channel.API})


@dataclass
class Summary:
    """What one run added, table by table."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, count: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + count


@dataclass(frozen=True)
class _Cover:
    product_id: int
    line: str
    code: str
    deductible: Decimal
    copay: Decimal


@dataclass
class _Chunk:
    """Rows of one transaction, table by table, in foreign-key order (as first added)."""

    rows: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, model: type, **values: Any) -> None:
        self.rows.setdefault(model.__table__, []).append(values)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Holder:
    customer_id: int
    bank_account_id: int
    since: datetime


@dataclass(frozen=True)
class _PolicyRef:
    policy_id: int
    holder: _Holder
    start: date
    product_id: int


def generate(
    engine: Engine,
    *,
    claims: int,
    seed: int = 20261125,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Add ``claims`` claims (and what they need) to a migrated database; returns row counts.

    ``progress`` is called with the number of claims written since the last call.
    """
    if claims < 0:
        raise ValueError("claims must be zero or more")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    rng = random.Random(seed)
    summary = Summary()
    world = _World.load(engine, rng, now)
    sink = _sink_for(engine)
    with engine.connect() as connection:
        done = 0
        while done < claims:
            size = min(CHUNK, claims - done)
            chunk = world.chunk(size)
            with connection.begin():
                sink(connection, chunk, summary)
            done += size
            if progress:
                progress(size)
        with connection.begin():
            _reset_sequences(connection)
            # Fresh statistics: without them the planner takes the new rows for an empty
            # table and can walk a whole index for a page of a work queue.
            connection.execute(text("ANALYZE"))
    return summary


# ------------------------------------------------------------------ writing


Sink = Callable[[Any, _Chunk, Summary], None]


def _sink_for(engine: Engine) -> Sink:
    return _copy_into_postgresql if engine.dialect.name == "postgresql" else _insert_many


def _insert_many(connection: Any, chunk: _Chunk, summary: Summary) -> None:
    for table, rows in chunk.rows.items():
        names = [column.name for column in table.columns]
        connection.execute(insert(table), [{name: row.get(name) for name in names} for row in rows])
        summary.add(table.name, len(rows))


def _copy_into_postgresql(connection: Any, chunk: _Chunk, summary: Summary) -> None:
    """COPY skips SQLAlchemy's column types, so their bind processing (encryption of
    sensitive fields, JSON) is applied here."""
    with connection.connection.driver_connection.cursor() as cursor:
        for table, rows in chunk.rows.items():
            _copy_table(cursor, connection.dialect, table, rows)
            summary.add(table.name, len(rows))


def _copy_table(cursor: Any, dialect: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    names = [column.name for column in table.columns]
    processors = [
        column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns
    ]
    columns = ", ".join(f'"{name}"' for name in names)
    with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    process(value) if process and value is not None else value
                    for process, value in zip(
                        processors, (row.get(name) for name in names), strict=True
                    )
                ]
            )


_TABLES = (
    User,
    Customer,
    BankAccount,
    Policy,
    InsuredPerson,
    Claim,
    LossLine,
    ClaimEvent,
    Payment,
    RiskAssessment,
    Document,
    Ticket,
    TicketEvent,
)


def _reset_sequences(connection: Any) -> None:
    """PostgreSQL: move each id sequence past the ids COPY wrote."""
    if connection.dialect.name != "postgresql":
        return
    for model in _TABLES:
        name = model.__tablename__
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"
            )
        )


# ------------------------------------------------------------------ the data


class _Ids:
    """The next free id of each table (rows are appended after the existing ones)."""

    def __init__(self, connection: Any) -> None:
        self._next: dict[type, int] = {
            model: (connection.scalar(select(func.max(model.__table__.c.id))) or 0) + 1
            for model in _TABLES
        }

    def take(self, model: type) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value


class _World:
    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        ids: _Ids,
        covers: Sequence[_Cover],
        staff: dict[Role, list[int]],
        ledger_head: tuple[int, str],
    ) -> None:
        self.ledger_seq, self.ledger_hash = ledger_head
        self.rng = rng
        self.now = now
        self.today = now.date()
        self.ids = ids
        self.staff = staff
        self.covers: dict[int, list[_Cover]] = {}
        for cover in covers:
            self.covers.setdefault(cover.product_id, []).append(cover)
        self.products = sorted({(cover.product_id, cover.line) for cover in covers})

    @classmethod
    def load(cls, engine: Engine, rng: random.Random, now: datetime) -> _World:
        with engine.begin() as connection:
            rows = connection.execute(
                select(
                    Product.id,
                    Product.line,
                    Coverage.code,
                    Coverage.deductible,
                    Coverage.copay_ratio,
                )
                .join(Coverage, Coverage.product_id == Product.id)
                .where(Coverage.code.in_(AMOUNTS))
                .order_by(Coverage.id)
            ).all()
            if not rows:
                raise NotFound(
                    "The database has no standard products; run `claimdesk db upgrade` first. "
                    "数据库中没有标准产品，请先运行 `claimdesk db upgrade`。"
                )
            covers = [
                _Cover(r.id, r.line, r.code, Decimal(r.deductible), Decimal(r.copay_ratio))
                for r in rows
            ]
            staff = _ensure_staff(connection, rng, now)
            ids = _Ids(connection)
            head = connection.execute(
                select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
            ).first()
        return cls(rng, now, ids, covers, staff, (head.seq, head.hash) if head else (0, GENESIS))

    # -- one chunk of claims with the customers and policies they belong to

    def chunk(self, claims: int) -> _Chunk:
        chunk = _Chunk()
        rng = self.rng
        holders = [
            self._customer(chunk) for _ in range(max(1, round(claims * CUSTOMERS_PER_CLAIM)))
        ]
        policies = [
            self._policy(chunk, rng.choice(holders))
            for _ in range(max(1, round(claims * POLICIES_PER_CLAIM)))
        ]
        made = [self._claim(chunk, rng.choice(policies)) for _ in range(claims)]
        for _ in range(round(claims * TICKETS_PER_CLAIM)):
            if rng.random() < 0.6:  # a question about a claim, after it was reported
                claim_id, customer_id, reported = rng.choice(made)
                self._ticket(chunk, customer_id, reported, claim_id)
            else:
                holder = rng.choice(holders)
                self._ticket(chunk, holder.customer_id, holder.since, None)
        return chunk

    def _customer(self, chunk: _Chunk) -> _Holder:
        rng = self.rng
        customer_id = self.ids.take(Customer)
        account_id = self.ids.take(BankAccount)
        gender = rng.choice(("female", "male"))
        surname, surname_pinyin = rng.choice(SURNAMES)
        given, given_pinyin = rng.choice(GIVEN_NAMES[gender])
        city = rng.choice(CITIES)
        birth = self.today - timedelta(days=rng.randint(18 * 365, 80 * 365))
        sequence = rng.randrange(1, 999, 2) if gender == "male" else rng.randrange(2, 999, 2)
        since = self.now - timedelta(days=HISTORY_DAYS + rng.randint(0, 2000))
        name = surname + given
        id_number = resident_id(city.area_code, birth, sequence)
        account_number = f"62{rng.randrange(10**16, 10**17)}"
        chunk.add(
            Customer,
            id=customer_id,
            name=name,
            name_en=f"{given_pinyin} {surname_pinyin}",
            gender=gender,
            birth_date=birth,
            id_type="resident_id",
            id_number=id_number,
            id_number_hash=search_hash(id_number, purpose="customers.id_number"),
            phone=f"1{rng.choice('3456789')}{rng.randrange(10**8, 10**9)}",
            email=f"customer{customer_id}@example.cn",
            address=f"{city.place}{city.district}{rng.choice(city.streets)}{rng.randint(1, 999)}号",
            preferred_locale="zh-CN" if rng.random() < 0.9 else "en",
            created_at=since,
        )
        chunk.add(
            BankAccount,
            id=account_id,
            customer_id=customer_id,
            bank_name=rng.choice(BANKS),
            account_number=account_number,
            account_number_hash=search_hash(account_number, purpose="bank_accounts.account_number"),
            holder_name=name,
            verified_at=since,
            verified_by_id=rng.choice(self.staff[Role.SUPERVISOR]),
            verification="second_person",
            created_at=since,
        )
        return _Holder(customer_id, account_id, since)

    def _policy(self, chunk: _Chunk, holder: _Holder) -> _PolicyRef:
        rng = self.rng
        product_id, line = rng.choice(self.products)
        policy_id = self.ids.take(Policy)
        start = self.today - timedelta(days=rng.randint(0, HISTORY_DAYS))
        end = start + timedelta(days=364)
        sum_insured = Decimal(rng.choice((50000, 100000, 200000, 300000, 500000, 1000000)))
        chunk.add(
            Policy,
            id=policy_id,
            number=f"P{start:%Y}{line[:2].upper()}{policy_id:07d}",
            product_id=product_id,
            holder_id=holder.customer_id,
            start_date=start,
            end_date=end,
            sum_insured=sum_insured,
            premium=(sum_insured * Decimal("0.004")).quantize(CENT),
            currency="CNY",
            status="active" if end >= self.today else "expired",
            insured_object={},
            created_at=datetime(start.year, start.month, start.day, 2, tzinfo=UTC),
        )
        chunk.add(
            InsuredPerson,
            id=self.ids.take(InsuredPerson),
            policy_id=policy_id,
            customer_id=holder.customer_id,
            relationship_to_holder="self",
        )
        return _PolicyRef(policy_id, holder, start, product_id)

    def _claim(self, chunk: _Chunk, policy: _PolicyRef) -> tuple[int, int, datetime]:
        rng = self.rng
        cover = rng.choice(self.covers[policy.product_id])
        last_day = min(self.today, policy.start + timedelta(days=364))
        incident = policy.start + timedelta(days=rng.randint(0, (last_day - policy.start).days))
        reported = min(
            self.now - timedelta(minutes=rng.randint(1, 600)),
            datetime(incident.year, incident.month, incident.day, tzinfo=UTC)
            + timedelta(hours=rng.uniform(8, 24 * 6)),
        )
        claim_id = self.ids.take(Claim)
        number = f"CLM{reported:%Y%m%d}{claim_id:07d}"
        median, spread, lowest = AMOUNTS.get(cover.code, (5000, 0.8, 100))
        # Above twice the deductible: a claim worth nothing after it would be denied instead.
        floor = max(Decimal(lowest), 2 * cover.deductible + 100)
        claimed = max(floor, Decimal(round(median * math.exp(rng.gauss(0, spread)), -1)))
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        reporter = rng.choice(self.staff[Role.AGENT]) if channel in STAFF_CHANNELS else None
        adjuster = rng.choice(self.staff[Role.ADJUSTER])
        approver_role = Role.SENIOR_ADJUSTER if claimed > APPROVAL_LIMIT else Role.ADJUSTER
        approver = rng.choice(self.staff[approver_role])

        path = self._path((self.now - reported).days)
        # Settled claims take up to 40 days; the steps fall in the claim's life so far.
        span = min((self.now - reported).total_seconds(), 40 * 86400) * rng.uniform(0.3, 1.0)
        moments = sorted(reported + timedelta(seconds=rng.random() * span) for _ in path)
        values: dict[str, Any] = {
            "reported_at": reported,
            "assessed_amount": None,
            "payable_amount": None,
            "approved_amount": Decimal("0"),
            "paid_amount": Decimal("0"),
            "reserve_amount": Decimal("0"),  # generated history: no case reserves kept
            "siu_referred": False,
            "decision_reason": None,
            "decided_at": None,
        }
        intake_role = Role.AGENT if reporter else Role.CUSTOMER
        events: list[
            tuple[datetime, str, ClaimStatus | None, ClaimStatus, str | None, int | None, Role]
        ] = [(reported, "reported", None, S.REPORTED, None, reporter, intake_role)]
        status = S.REPORTED
        for action, at in zip(path, moments, strict=True):
            transition = TRANSITIONS[action]
            if status not in transition.sources:
                raise AssertionError(f"generator path is illegal: a {status} claim cannot {action}")
            target = transition.target
            actor: int | None = adjuster
            role, reason = Role.ADJUSTER, REASONS.get(action)
            if action == A.ASSESS:
                share = 1 if rng.random() < 0.4 else round(rng.uniform(0.7, 1.0), 3)
                assessed = (claimed * Decimal(str(share))).quantize(CENT)
                values["assessed_amount"] = assessed
                values["payable_amount"] = max(
                    Decimal("0"), ((assessed - cover.deductible) * (1 - cover.copay)).quantize(CENT)
                )
            elif action == A.APPROVE:
                actor, role = approver, approver_role
                values["approved_amount"] = values["payable_amount"]
                target = decision_status(values["payable_amount"], claimed)
                values["decided_at"] = at
            elif action == A.DENY:
                values["decision_reason"] = reason
                values["decided_at"] = at
            elif action == A.REFER_TO_SIU:
                values["siu_referred"] = True
            elif action in (A.SUBMIT_DOCUMENTS, A.WITHDRAW):
                actor, role = reporter, intake_role
            elif action == A.PAY:
                values["paid_amount"] = values["approved_amount"]
            elif action == A.ARCHIVE:
                actor, role = rng.choice(self.staff[Role.SUPERVISOR]), Role.SUPERVISOR
            events.append((at, action.value, status, target, reason, actor, role))
            status = target
            values[f"{target.value}_at"] = at
        if values["decided_at"] and "denied_at" not in values:
            values["approver_id"] = approver
        chunk.add(
            Claim,
            id=claim_id,
            number=number,
            policy_id=policy.policy_id,
            customer_id=policy.holder.customer_id,
            claim_type=cover.code,
            channel=channel.value,
            incident_date=incident,
            incident_location="",
            description=DESCRIPTIONS[cover.code],
            claimed_amount=claimed,
            currency="CNY",
            status=status.value,
            version=len(events),
            reported_by_id=reporter,
            assessor_id=adjuster if path else None,
            bank_account_id=policy.holder.bank_account_id,
            # Complete once the documents are in: when review started.
            completed_at=values.get("under_review_at"),
            waived_documents=[],
            attributes={},  # generated history: no first-notice attributes
            **values,
        )
        chunk.add(
            LossLine,
            id=self.ids.take(LossLine),
            claim_id=claim_id,
            coverage_code=cover.code,
            description=DESCRIPTIONS[cover.code],
            description_hash=description_hash(DESCRIPTIONS[cover.code]),
            amount=claimed,
            cause_codes=[],
            source="claimant",
        )
        for at, kind, source, target, reason, actor, role in events:
            chunk.add(
                ClaimEvent,
                id=self.ids.take(ClaimEvent),
                claim_id=claim_id,
                at=at,
                actor_id=actor,
                actor_role=role.value,
                kind=kind,
                from_status=source and source.value,
                to_status=target.value,
                reason=reason,
                data={},
            )
        payment = None
        if values["paid_amount"]:
            payment = {
                "id": self.ids.take(Payment),
                "claim_id": claim_id,
                "idempotency_key": f"generated-{claim_id}",
                "reference": f"PAY{number}-01",
                "amount": values["paid_amount"],
                "currency": "CNY",
                "bank_account_id": policy.holder.bank_account_id,
                "paid_by_id": adjuster,
                "paid_at": values["paid_at"],
            }
            chunk.add(Payment, **payment)
        if values["assessed_amount"] is not None:
            self._money_fact(chunk, claim_id, number, claimed, values, payment)
        self._risk(chunk, claim_id, reported, siu=values["siu_referred"])
        if status not in (S.REPORTED, S.AWAITING_DOCUMENTS, S.WITHDRAWN):
            self._documents(chunk, claim_id, reported, cover, reporter)
        return claim_id, policy.holder.customer_id, reported

    def _money_fact(
        self,
        chunk: _Chunk,
        claim_id: int,
        number: str,
        claimed: Decimal,
        values: dict[str, Any],
        payment: dict[str, Any] | None,
    ) -> None:
        """The decided claim's money as loaded, chained after the ledger's head."""
        data: dict[str, Any] = {
            "claim_id": claim_id,
            "claim_number": number,
            "amount": f"{values['approved_amount'] or values['assessed_amount']:.2f}",
            "currency": "CNY",
            "account": f"claim:{claim_id}",
            "actor": {"id": None, "role": "system"},
            "state": money_state(SimpleNamespace(claimed_amount=claimed, **values)),
            "source": "claimdesk generate",
        }
        if payment is not None:
            data["payment"] = payment_snapshot(SimpleNamespace(**payment))
        fields: dict[str, Any] = {
            "seq": self.ledger_seq + 1,
            "at": self.now,
            "actor_id": None,
            "actor_role": "system",
            "action": f"money.{MoneyFact.IMPORTED.value}",
            "subject_type": MONEY_SUBJECT,
            "subject_id": str(claim_id),
            "data": data,
            "prev_hash": self.ledger_hash,
        }
        self.ledger_seq, self.ledger_hash = fields["seq"], entry_hash(**fields)
        chunk.add(AuditEntry, **fields, hash=self.ledger_hash)

    def _path(self, age_days: int) -> tuple[ClaimAction, ...]:
        """The actions from ``reported`` to a final state fitting the claim's age."""
        rng = self.rng
        if rng.random() < WITHDRAWN_SHARE:
            return rng.choice(((A.WITHDRAW,), (*REVIEW, A.WITHDRAW)))
        paths = SETTLED_PATHS if age_days > RECENT_DAYS else OPEN_PATHS
        path, _, reviewed = rng.choices(paths, [weight for _, weight, _ in paths])[0]
        if not reviewed:
            return path
        return (*rng.choices((REVIEW, DOCS_REVIEW), (0.7, 0.3))[0], *path)

    def _risk(self, chunk: _Chunk, claim_id: int, at: datetime, *, siu: bool) -> None:
        score = min(100, max(0, round(self.rng.gauss(72 if siu else 22, 14))))
        chunk.add(
            RiskAssessment,
            id=self.ids.take(RiskAssessment),
            claim_id=claim_id,
            score=score,
            grade=next(grade for floor, grade in GRADES if score >= floor).value,
            factors=[],
            method="rules 2026.1",
            trigger="reported",
            assessed_at=at,
        )

    def _documents(
        self, chunk: _Chunk, claim_id: int, reported: datetime, cover: _Cover, reporter: int | None
    ) -> None:
        rng = self.rng
        for requirement in required_documents(cover.line, cover.code):
            uploaded = min(self.now, reported + timedelta(minutes=rng.randint(1, 3000)))
            pdf = rng.random() < 0.3
            chunk.add(
                Document,
                id=self.ids.take(Document),
                claim_id=claim_id,
                sha256=f"{rng.getrandbits(256):064x}",
                size=rng.randint(40_000, 4_000_000),
                mime="application/pdf" if pdf else "image/jpeg",
                filename=f"{requirement.kind}.{'pdf' if pdf else 'jpg'}",
                pages=rng.randint(1, 4) if pdf else 1,
                declared_kind=requirement.kind,
                detected_kind=requirement.kind,
                status=DocumentStatus.READ.value,
                text=None,
                fields={},
                ocr_pages=0 if pdf else 1,
                error=None,
                uploaded_by_id=reporter,
                uploaded_at=uploaded,
                read_at=uploaded,
            )

    def _ticket(
        self, chunk: _Chunk, customer_id: int, after: datetime, claim_id: int | None
    ) -> None:
        """A service ticket opened after ``after``, as far along as its age suggests."""
        rng = self.rng
        ticket_id = self.ids.take(Ticket)
        start = max(after, self.now - timedelta(days=HISTORY_DAYS))
        created = start + (self.now - start) * rng.random()
        owner = rng.choice(self.staff[Role.AGENT])
        age_days = (self.now - created).days
        steps: list[tuple[str, TicketStatus | None, TicketStatus]] = [
            ("created", None, TicketStatus.NEW)
        ]
        if age_days >= 2 or rng.random() < 0.5:
            steps.append(("start", TicketStatus.NEW, TicketStatus.OPEN))
            if age_days >= 7 or rng.random() < 0.3:
                steps.append(("resolve", TicketStatus.OPEN, TicketStatus.RESOLVED))
                if age_days >= 14:
                    steps.append(("close", TicketStatus.RESOLVED, TicketStatus.CLOSED))
        span = min(self.now - created, timedelta(days=7)) * rng.uniform(0.1, 1.0)
        moments = [created, *sorted(created + span * rng.random() for _ in steps[1:])]
        stamps = {
            f"{target.value}_at": at for (_, _, target), at in zip(steps, moments, strict=True)
        }
        chunk.add(
            Ticket,
            id=ticket_id,
            number=f"TKT{created:%Y%m%d}{ticket_id:07d}",
            kind=CLAIM_INQUIRY if claim_id else CONSULTATION,
            channel=rng.choice(("phone", "app", "web", "assistant")),
            subject="理赔进度查询 / Claim progress" if claim_id else "保单咨询 / Policy question",
            customer_id=customer_id,
            verified=True,
            claim_id=claim_id,
            status=steps[-1][2].value,
            priority=rng.choices(PRIORITIES, (2, 6, 2, 0.5))[0].value,
            customer_tier="standard",
            owner_id=owner,
            version=len(steps),
            created_at=created,
            first_response_at=stamps.get("open_at"),
            **stamps,
        )
        for (kind, source, target), at in zip(steps, moments, strict=True):
            chunk.add(
                TicketEvent,
                id=self.ids.take(TicketEvent),
                ticket_id=ticket_id,
                at=at,
                actor_id=None if kind == "created" else owner,
                actor_role=(Role.CUSTOMER if kind == "created" else Role.AGENT).value,
                kind=kind,
                from_status=source and source.value,
                to_status=target.value,
                reason=None,
                data={},
            )


GRADES = ((80, Grade.CRITICAL), (60, Grade.HIGH), (35, Grade.MEDIUM), (0, Grade.LOW))
PRIORITIES = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)


def _ensure_staff(connection: Any, rng: random.Random, now: datetime) -> dict[Role, list[int]]:
    """The generated claims' handlers: ``gen-<role>-NNN`` users, created once.

    They share one password hash of a random password nobody knows: they cannot sign in
    until an administrator sets a password.
    """
    users = User.__table__
    assert isinstance(users, Table)
    existing = connection.execute(
        select(users.c.id, users.c.role).where(users.c.username.like(f"{STAFF_PREFIX}%"))
    ).all()
    if not existing:
        unusable = hash_password(f"{rng.getrandbits(128):032x}", PasswordHasher())
        connection.execute(
            insert(users),
            [
                {
                    "username": f"{STAFF_PREFIX}{role.value}-{n:03d}",
                    "full_name": f"{role.value.replace('_', ' ').title()} {n}",
                    "password_hash": unusable,
                    "role": role.value,
                    "customer_id": None,
                    "active": True,
                    "created_at": now - timedelta(days=HISTORY_DAYS),
                }
                for role, count in STAFF.items()
                for n in range(1, count + 1)
            ],
        )
        existing = connection.execute(
            select(users.c.id, users.c.role).where(users.c.username.like(f"{STAFF_PREFIX}%"))
        ).all()
    staff: dict[Role, list[int]] = {}
    for user_id, role in existing:
        staff.setdefault(Role(role), []).append(user_id)
    return staff
