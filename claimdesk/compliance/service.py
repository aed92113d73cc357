"""Staff qualifications and training: record, list, warn, and gate claim actions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.compliance import rules
from claimdesk.compliance.models import Qualification, TrainingRecord
from claimdesk.compliance.schemas import (
    QualificationIn,
    QualificationOut,
    TrainingIn,
    TrainingOut,
    TrainingStandingOut,
)
from claimdesk.core.errors import NotFound, ValidationFailed
from claimdesk.security.enums import STAFF_ROLES, Role
from claimdesk.security.models import User
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor

# ---------------------------------------------------------------- staff


def staff_user(
    session: Session, *, user_id: int | None = None, username: str | None = None
) -> User:
    query = select(User).where(
        User.id == user_id if user_id is not None else User.username == username
    )
    user = session.scalars(query).one_or_none()
    if user is None or Role(user.role) not in STAFF_ROLES:
        who = user_id if user_id is not None else username
        raise NotFound(f"No member of staff '{who}'; customers hold no staff qualifications.")
    return user


def usernames(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    rows = session.execute(select(User.id, User.username).where(User.id.in_(list(user_ids))))
    return {user_id: username for user_id, username in rows}


def _may_view(actor: Actor, user_id: int) -> None:
    """Staff see their own records; compliance viewers see everyone's."""
    if actor.user_id != user_id or actor.is_customer:
        require(actor, "compliance.view")


# ---------------------------------------------------------------- qualifications


def record_qualification(
    session: Session, *, actor: Actor, user_id: int, data: QualificationIn, now: datetime
) -> Qualification:
    require(actor, "compliance.manage")
    return add_qualification(
        session, user=staff_user(session, user_id=user_id), data=data, now=now, by=actor.user_id
    )


def add_qualification(
    session: Session, *, user: User, data: QualificationIn, now: datetime, by: int | None
) -> Qualification:
    """Record a certificate (the command line and the demo call this directly)."""
    known = rules.qualification_rules().kinds
    if data.kind not in known:
        raise ValidationFailed(
            f"Unknown certificate kind '{data.kind}'; kinds: {', '.join(known)}.",
            details=[{"field": "kind"}],
        )
    qualification = Qualification(
        user_id=user.id, **data.model_dump(), recorded_by_id=by, recorded_at=now
    )
    session.add(qualification)
    session.flush()
    return qualification


def certify_for_every_gate(
    session: Session,
    *,
    user: User,
    issued_on: date,
    expires_on: date | None,
    issuer: str,
    now: datetime,
) -> list[Qualification]:
    """Record one certificate of every kind a claim gate asks for (set-up and tests)."""
    return [
        add_qualification(
            session,
            user=user,
            data=QualificationIn(
                kind=kind,
                number=f"{kind.upper()}-{user.id:06d}",
                issuer=issuer,
                issued_on=issued_on,
                expires_on=expires_on,
            ),
            now=now,
            by=None,
        )
        for kind in rules.qualification_rules().gated_kinds()
    ]


def certificates(session: Session, user_id: int) -> list[rules.Certificate]:
    rows = session.execute(
        select(Qualification.kind, Qualification.issued_on, Qualification.expires_on).where(
            Qualification.user_id == user_id
        )
    )
    return [rules.Certificate(kind, issued, expires) for kind, issued, expires in rows]


def require_qualified(
    session: Session, *, actor: Actor, action: str, product_line: str, on: date
) -> None:
    """The claim lifecycle's gate: a person taking a gated action needs valid certificates.

    The system actor (no user) is not gated: no person acts on its steps.
    """
    if actor.user_id is None or actor.is_customer:
        return
    required = rules.qualification_rules().required(action, product_line)
    if not required:
        return
    user = session.get(User, actor.user_id)
    assert user is not None
    rules.check_qualified(
        action,
        product_line,
        certificates(session, actor.user_id),
        on,
        rules.qualification_rules(),
        username=user.username,
        user_id=user.id,
    )


def list_qualifications(
    session: Session, *, actor: Actor, user_id: int, today: date, warn_days: int
) -> list[QualificationOut]:
    _may_view(actor, user_id)
    user = staff_user(session, user_id=user_id)
    rows = session.scalars(
        select(Qualification)
        .where(Qualification.user_id == user_id)
        .order_by(Qualification.kind, Qualification.issued_on)
    )
    return [qualification_view(q, user, today, warn_days) for q in rows]


def expiring_qualifications(
    session: Session, *, actor: Actor, within_days: int, today: date
) -> list[QualificationOut]:
    """Each person's newest certificate of each kind that is expired or expires within
    ``within_days``; a certificate already renewed by a newer one is not listed."""
    require(actor, "compliance.view")
    rows = session.execute(
        select(Qualification, User)
        .join(User, User.id == Qualification.user_id)
        .where(User.active.is_(True))
        .order_by(Qualification.user_id, Qualification.kind, Qualification.issued_on)
    )
    newest: dict[tuple[int, str], tuple[Qualification, User]] = {}
    for qualification, user in rows:
        newest[(user.id, qualification.kind)] = (qualification, user)
    views = [qualification_view(q, user, today, within_days) for q, user in newest.values()]
    flagged = [view for view in views if view.state != "valid"]
    return sorted(flagged, key=lambda view: (view.expires_on or date.max, view.username))


def qualification_view(
    qualification: Qualification, user: User, today: date, warn_days: int
) -> QualificationOut:
    name = rules.qualification_rules().name(qualification.kind)
    state = rules.expiry(qualification.expires_on, today, warn_days)
    return QualificationOut(
        id=qualification.id,
        user_id=user.id,
        username=user.username,
        kind=qualification.kind,
        kind_en=name.en,
        kind_zh=name.zh,
        number=qualification.number,
        issuer=qualification.issuer,
        issued_on=qualification.issued_on,
        expires_on=qualification.expires_on,
        state=state.state,
        days_left=state.days_left,
        recorded_at=qualification.recorded_at,
    )


# ---------------------------------------------------------------- training


def record_training(
    session: Session, *, actor: Actor, user_id: int, data: TrainingIn, now: datetime
) -> TrainingRecord:
    require(actor, "compliance.manage")
    return add_training(
        session, user=staff_user(session, user_id=user_id), data=data, now=now, by=actor.user_id
    )


def add_training(
    session: Session, *, user: User, data: TrainingIn, now: datetime, by: int | None
) -> TrainingRecord:
    record = TrainingRecord(
        user_id=user.id, **data.model_dump(), recorded_by_id=by, recorded_at=now
    )
    session.add(record)
    session.flush()
    return record


def training_records(
    session: Session, *, actor: Actor, user_id: int, year: int
) -> list[TrainingOut]:
    _may_view(actor, user_id)
    staff_user(session, user_id=user_id)
    rows = session.scalars(
        select(TrainingRecord)
        .where(
            TrainingRecord.user_id == user_id,
            TrainingRecord.completed_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .order_by(TrainingRecord.completed_on, TrainingRecord.id)
    )
    return [TrainingOut.model_validate(row) for row in rows]


def training_standings(
    session: Session,
    *,
    actor: Actor,
    year: int,
    required: Decimal,
    user_id: int | None = None,
) -> list[TrainingStandingOut]:
    """Hours per member of staff in ``year`` against the requirement (everyone, or one)."""
    if user_id is None:
        require(actor, "compliance.view")
    else:
        _may_view(actor, user_id)
    people = select(User).where(
        User.role.in_([r.value for r in STAFF_ROLES]), User.active.is_(True)
    )
    if user_id is not None:
        people = select(User).where(User.id == staff_user(session, user_id=user_id).id)
    hours: dict[int, list[tuple[date, Decimal]]] = {}
    for uid, day, amount in session.execute(
        select(TrainingRecord.user_id, TrainingRecord.completed_on, TrainingRecord.hours).where(
            TrainingRecord.completed_on.between(date(year, 1, 1), date(year, 12, 31))
        )
    ):
        hours.setdefault(uid, []).append((day, Decimal(amount)))
    result = []
    for user in session.scalars(people.order_by(User.username)):
        standing = rules.training_standing(hours.get(user.id, []), year, required)
        result.append(
            TrainingStandingOut(
                user_id=user.id,
                username=user.username,
                full_name=user.full_name,
                role=user.role,
                year=year,
                hours=standing.hours,
                required_hours=standing.required,
                shortfall=standing.shortfall,
                met=standing.met,
            )
        )
    return result
