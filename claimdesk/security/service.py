"""Users, password login and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claimdesk.core.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from claimdesk.customers.models import Customer
from claimdesk.security.enums import Role
from claimdesk.security.models import ApiToken, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    now: datetime,
    customer_id: int | None = None,
    full_name: str = "",
) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if role == Role.CUSTOMER and customer_id is None:
        raise ValidationFailed("A customer user needs --customer-id (the customer it belongs to).")
    if role != Role.CUSTOMER and customer_id is not None:
        raise ValidationFailed("Only customer users are linked to a customer.")
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    user = User(
        username=username,
        password_hash=hash_password(password),
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


def authenticate(session: Session, *, username: str, password: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or not user.active:
        # Hash anyway so response time does not reveal which usernames exist.
        _hasher.hash(password)
        raise AuthenticationFailed("Wrong username or password.")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthenticationFailed("Wrong username or password.") from exc
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
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


def actor_for_token(session: Session, *, token: str, now: datetime) -> Actor:
    record = session.scalars(
        select(ApiToken).where(ApiToken.token_digest == _digest(token))
    ).one_or_none()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        raise AuthenticationFailed("The token is unknown, expired or revoked; sign in again.")
    user = session.get(User, record.user_id)
    if user is None or not user.active:
        raise AuthenticationFailed("This account is disabled.")
    return Actor(user_id=user.id, role=Role(user.role), customer_id=user.customer_id)


def revoke_token(session: Session, *, token: str, now: datetime) -> None:
    """Sign out: the token stops working at once (its record stays, for the audit trail)."""
    record = session.scalars(
        select(ApiToken).where(ApiToken.token_digest == _digest(token))
    ).one_or_none()
    if record is not None and record.revoked_at is None:
        record.revoked_at = now
