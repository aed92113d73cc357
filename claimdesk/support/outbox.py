"""Notifications outbox: a message is written in the transaction that caused it and sent
later by a job, at most once per key.

Delivery claims a row with one conditional UPDATE (pending/failed, or a ``sending`` row
whose lease ran out because its worker died) before calling the adapter, so two workers
never send the same row; a failed send is retried with backoff up to ``MAX_ATTEMPTS``, then
left ``dead`` for a person to look at. Adapters get the row's key as the message id: the
local adapter refuses to write a key twice, and e-mail/SMS gateways deduplicate on it.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from claimdesk.config import Settings
from claimdesk.core.db import unit_of_work
from claimdesk.customers.models import Customer
from claimdesk.support.models import OutboxMessage

MAX_ATTEMPTS = 5
SENDING_LEASE = timedelta(minutes=5)
_RETRYABLE = ("pending", "failed", "sending")


@dataclass(frozen=True)
class OutgoingMessage:
    key: str
    channel: str
    address: str
    locale: str
    subject: str
    body: str


class Notifier(Protocol):
    def send(self, message: OutgoingMessage) -> None: ...


class LocalFileNotifier:
    """Writes each message as JSON to ``folder/<channel>/<key>.json``; never twice a key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, message: OutgoingMessage) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", message.key)
        return self.folder / message.channel / f"{safe}.json"

    def send(self, message: OutgoingMessage) -> None:
        path = self.path_for(message)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8") as handle:
                json.dump(asdict(message), handle, ensure_ascii=False, indent=2)
        except FileExistsError:
            return  # sent before: a retry after a crash between send and bookkeeping


def notifier_for(settings: Settings) -> Notifier:
    return LocalFileNotifier(settings.data_dir / "outbox")


@lru_cache
def templates() -> dict[str, Any]:
    text = resources.files("claimdesk.support").joinpath("templates.toml").read_text("utf-8")
    return tomllib.loads(text)


def language(customer: Customer) -> str:
    return "en" if (customer.preferred_locale or "").lower().startswith("en") else "zh"


def claim_status_name(status: str, lang: str) -> str:
    return templates()["claim_status_names"][lang].get(status, status)


def queue(
    session: Session,
    *,
    customer: Customer,
    template: str,
    key: str,
    fields: dict[str, Any],
    now: datetime,
) -> list[OutboxMessage]:
    """Write the message for each contact the customer has (e-mail, SMS); a key already
    queued is skipped. Returns the new rows (flushed, with ids) for the caller to deliver."""
    lang = language(customer)
    text = templates()[template][lang]
    name = customer.name_en if lang == "en" and customer.name_en else customer.name
    values = {"name": name, **fields}
    created = []
    for channel, address in (("email", customer.email), ("sms", customer.phone)):
        if not address:
            continue
        full_key = f"{key}:{channel}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == full_key)):
            continue
        message = OutboxMessage(
            key=full_key,
            customer_id=customer.id,
            channel=channel,
            address=address,
            locale=lang,
            template=template,
            subject=text["subject"].format(**values),
            body=text["body"].format(**values),
            state="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        session.add(message)
        created.append(message)
    session.flush()
    return created


def _claim(session: Session, message_id: int, now: datetime) -> OutboxMessage | None:
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.state.in_(_RETRYABLE),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(
            state="sending",
            attempts=OutboxMessage.attempts + 1,
            next_attempt_at=now + SENDING_LEASE,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def _finish(session: Session, message_id: int, **values: Any) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def deliver(
    sessions: sessionmaker[Session], *, message_id: int, now: datetime, notifier: Notifier
) -> str:
    """Send one message if it is due and nobody else is sending it: sent, failed, dead or
    skipped (already sent, not due, or taken by another worker)."""
    with unit_of_work(sessions) as session:
        row = _claim(session, message_id, now)
        if row is None:
            return "skipped"
        message = OutgoingMessage(
            row.key, row.channel, row.address, row.locale, row.subject, row.body
        )
        attempts = row.attempts
    try:
        notifier.send(message)
    except Exception as exc:  # any adapter failure is recorded and retried
        state = "dead" if attempts >= MAX_ATTEMPTS else "failed"
        with unit_of_work(sessions) as session:
            _finish(
                session,
                message_id,
                state=state,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                next_attempt_at=now + timedelta(minutes=2**attempts),
            )
        return state
    with unit_of_work(sessions) as session:
        _finish(session, message_id, state="sent", sent_at=now, last_error=None)
    return "sent"


def due(session: Session, *, now: datetime, limit: int = 500) -> list[int]:
    """Messages to (re)try now: new, failed after their backoff, or stuck past their lease."""
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.state.in_(_RETRYABLE), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
