"""Users, password login and bearer tokens."""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from claimdesk.config import Settings
from claimdesk.core.errors import (
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    NotFound,
    ValidationFailed,
)
from claimdesk.customers.models import Customer
from claimdesk.security.enums import Role
from claimdesk.security.models import ApiToken, AuthEpoch, User

MIN_PASSWORD_LENGTH = 10
# The 30,000 most common passwords, shipped with zxcvbn (no download at run time).
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])


@dataclass(frozen=True)
class LockoutPolicy:
    """``max_failures`` wrong passwords within ``window`` lock the account for ``lock_for``."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> LockoutPolicy:
        return cls(
            settings.login_max_failures,
            timedelta(minutes=settings.login_failure_window_minutes),
            timedelta(minutes=settings.login_lockout_minutes),
        )


@dataclass(frozen=True)
class Actor:
    """Who is acting: the user, their role and, for customers, their customer id."""

    user_id: int | None
    role: Role
    customer_id: int | None = None

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER


SYSTEM = Actor(user_id=None, role=Role.SUPERVISOR)


def hash_password(password: str, hasher: PasswordHasher) -> str:
    return hasher.hash(password)


def check_password(username: str, password: str) -> None:
    """Password rules: long enough, not the username, not a common password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters. "
            f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。",
            details=[{"field": "password"}],
        )
    folded = password.casefold()
    if username.casefold() in (folded, folded[::-1]):
        raise ValidationFailed(
            "The password must not be the username. 密码不能与用户名相同。",
            details=[{"field": "password"}],
        )
    if folded in COMMON_PASSWORDS:
        raise ValidationFailed(
            "This password is one of the most common ones; choose another. "
            "这是最常见的密码之一，请换一个。",
            details=[{"field": "password"}],
        )


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    now: datetime,
    hasher: PasswordHasher,
    customer_id: int | None = None,
    full_name: str = "",
) -> User:
    check_password(username, password)
    if role == Role.CUSTOMER and customer_id is None:
        raise ValidationFailed("A customer user needs --customer-id (the customer it belongs to).")
    if role != Role.CUSTOMER and customer_id is not None:
        raise ValidationFailed("Only customer users are linked to a customer.")
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    user = User(
        username=username,
        password_hash=hash_password(password, hasher),
        role=role,
        customer_id=customer_id,
        full_name=full_name,
        created_at=now,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"The username '{username}' is taken.") from exc
    return user


def _locked_message(until: datetime, now: datetime, policy: LockoutPolicy) -> AccountLocked:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return AccountLocked(
        f"This account is locked after {policy.max_failures} failed sign-ins; try again in "
        f"{minutes} minute(s), at {until:%H:%M} UTC. "
        f"该账户因连续 {policy.max_failures} 次登录失败已被锁定，请 {minutes} 分钟后再试。",
        retry_after=math.ceil((until - now).total_seconds()),
    )


def _count_failure(user: User, now: datetime, policy: LockoutPolicy) -> None:
    if user.first_failed_at is None or now - user.first_failed_at > policy.window:
        user.failed_logins, user.first_failed_at = 0, now
    user.failed_logins += 1
    if user.failed_logins >= policy.max_failures:
        user.locked_until = now + policy.lock_for  # the ledger records the lock
        user.failed_logins, user.first_failed_at = 0, None


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    hasher: PasswordHasher,
    now: datetime | None = None,
    policy: LockoutPolicy | None = None,
) -> User:
    """The user with this username and password. Wrong passwords are counted (and committed
    at once, since the caller rolls back on the error); too many lock the account."""
    now = now or datetime.now(UTC)
    policy = policy or LockoutPolicy()
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or not user.active:
        # Hash anyway so response time does not reveal which usernames exist.
        hasher.hash(password)
        raise AuthenticationFailed("Wrong username or password.")
    if user.locked_until is not None and user.locked_until > now:
        raise _locked_message(user.locked_until, now, policy)
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        _count_failure(user, now, policy)
        session.commit()
        if user.locked_until is not None and user.locked_until > now:
            raise _locked_message(user.locked_until, now, policy) from exc
        raise AuthenticationFailed("Wrong username or password.") from exc
    user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password, hasher)
    return user


def set_role(session: Session, *, user_id: int, role: Role) -> User:
    """Change a staff user's role (the ledger records who had which role when)."""
    user = _user(session, user_id)
    if (role == Role.CUSTOMER) != (user.role == Role.CUSTOMER):
        raise ValidationFailed(
            "Customer accounts and staff accounts cannot change into each other."
        )
    user.role = role
    return user


def find_user(session: Session, *, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"There is no user '{username}'.")
    return user


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, *, user: User, now: datetime, ttl: timedelta
) -> tuple[str, ApiToken]:
    """A new bearer token; the plain token is returned once and only its digest is kept."""
    token = secrets.token_urlsafe(32)
    record = ApiToken(
        token_digest=_digest(token), user_id=user.id, created_at=now, expires_at=now + ttl
    )
    session.add(record)
    session.flush()
    return token, record


@dataclass(frozen=True)
class _KnownToken:
    actor: Actor
    expires_at: datetime
    epoch: int


class TokenCache:
    """Token digest -> actor, kept by one process so a request does not look its token and
    user up again. An entry holds while the auth epoch it was read at is current (see
    :class:`~claimdesk.security.models.AuthEpoch`): a sign-out, a role change or a disabled
    account anywhere ends it with the next request."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._entries: dict[str, _KnownToken] = {}
        self._lock = threading.Lock()

    def actor(self, token: str, *, epoch: int, now: datetime) -> Actor | None:
        """The token's actor when known at ``epoch`` and unexpired (None: ask the database)."""
        known = self._entries.get(_digest(token))
        if known is None or known.epoch != epoch or known.expires_at <= now:
            return None
        return known.actor

    def put(self, digest: str, known: _KnownToken) -> None:
        with self._lock:
            if len(self._entries) >= self._size:
                del self._entries[next(iter(self._entries))]  # the oldest
            self._entries[digest] = known


_EPOCH = select(AuthEpoch.value).where(AuthEpoch.id == 1)


def auth_epoch(connection: Connection) -> int:
    """The current auth epoch (one indexed read of one row)."""
    return connection.scalar(_EPOCH) or 0


def actor_for_token(
    session: Session,
    *,
    token: str,
    now: datetime,
    cache: TokenCache | None = None,
    epoch: int | None = None,
) -> Actor:
    """Who a bearer token acts for; from ``cache`` when nothing that ends access changed
    since it was read (the auth epoch is read first, so a change racing the read is seen
    by the next request; ``epoch`` when the caller read it in this request's first query)."""
    if epoch is None:
        epoch = auth_epoch(session.connection()) if cache is not None else 0
    known = cache.actor(token, epoch=epoch, now=now) if cache is not None else None
    if known is not None:
        return known
    digest = _digest(token)
    found = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_digest == digest)
    ).one_or_none()
    if found is None or found.ApiToken.revoked_at is not None or found.ApiToken.expires_at <= now:
        raise AuthenticationFailed("The token is unknown, expired or revoked; sign in again.")
    user = found.User
    if not user.active:
        raise AuthenticationFailed("This account is disabled.")
    actor = Actor(user_id=user.id, role=Role(user.role), customer_id=user.customer_id)
    if cache is not None:
        cache.put(digest, _KnownToken(actor, found.ApiToken.expires_at, epoch))
    return actor


def raise_auth_epoch(session: Session) -> None:
    """Make every cached token -> user stale (in this transaction)."""
    upsert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    statement = upsert(AuthEpoch).values(id=1, value=1)
    session.connection().execute(
        statement.on_conflict_do_update(
            index_elements=[AuthEpoch.id], set_={"value": AuthEpoch.value + 1}
        )
    )


_ACCESS_FIELDS = {User: ("role", "active", "customer_id"), ApiToken: ("revoked_at", "user_id")}


def _ends_access(session: Session) -> bool:
    if any(isinstance(obj, User | ApiToken) for obj in session.deleted):
        return True
    for obj in session.dirty:
        fields = _ACCESS_FIELDS.get(type(obj))
        if fields and any(inspect(obj).attrs[name].history.has_changes() for name in fields):
            return True
    return False


def _raise_epoch_on_access_change(session: Session, _context: object) -> None:
    if _ends_access(session):
        raise_auth_epoch(session)


def register(sessions: sessionmaker[Session]) -> None:
    """Raise the auth epoch whenever a flush changes who may do what."""
    event.listen(sessions, "after_flush", _raise_epoch_on_access_change)


def revoke_token(session: Session, *, token: str, now: datetime) -> None:
    """Sign out: the token stops working at once (its record stays, for the audit trail)."""
    record = session.scalars(
        select(ApiToken).where(ApiToken.token_digest == _digest(token))
    ).one_or_none()
    if record is not None and record.revoked_at is None:
        record.revoked_at = now
