"""Notifications outbox: a message is written in the transaction that caused it and sent
later by a job, at most once per key.

Delivery claims a row with one conditional UPDATE (pending/failed, or a ``sending`` row
whose lease ran out because its worker died) before calling the adapter, so two workers
never send the same row; a failed send is retried with backoff up to ``MAX_ATTEMPTS``, then
left ``dead`` for a person to look at; a refusal for good (no such mailbox, a number that
cannot receive SMS) is recorded as ``refused`` and not retried. Adapters get the row's key
as the message id: the local adapter refuses to write a key twice, e-mails carry a
Message-ID made from it. What goes in the rows (templates, digests, preferences) is
:mod:`claimdesk.messaging.service`'s business.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from claimdesk.core.db import affected_rows, unit_of_work
from claimdesk.jobs.queue import enqueue_after_commit
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
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Refused(Exception):
    """The server or provider refused the message for good; sending it again cannot help."""


class Notifier(Protocol):
    def send(self, message: OutgoingMessage) -> str | None:
        """Send the message; return the provider's id for it (a Message-ID, an SMS id)."""
        ...


class LocalFileNotifier:
    """Writes each message as JSON to ``folder/<channel>/<key>.json``; never twice a key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, message: OutgoingMessage) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", message.key)
        return self.folder / message.channel / f"{safe}.json"

    def send(self, message: OutgoingMessage) -> str | None:
        path = self.path_for(message)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8") as handle:
                json.dump(asdict(message), handle, ensure_ascii=False, indent=2)
        except FileExistsError:
            pass  # sent before: a retry after a crash between send and bookkeeping
        return message.headers.get("Message-ID")


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
    if affected_rows(claimed) != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def _finish(session: Session, message_id: int, **values: Any) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def send_after_commit(session: Session, messages: list[OutboxMessage]) -> None:
    """Deliver these messages in the background once the session's transaction commits."""
    for message in messages:
        enqueue_after_commit(session, deliver, message.id)


def deliver(
    sessions: sessionmaker[Session], *, message_id: int, now: datetime, notifier: Notifier
) -> str:
    """Send one message if it is due and nobody else is sending it: sent, failed, dead,
    refused or skipped (already sent, not due, or taken by another worker)."""
    with unit_of_work(sessions) as session:
        row = _claim(session, message_id, now)
        if row is None:
            return "skipped"
        message = OutgoingMessage(
            row.key,
            row.channel,
            row.address,
            row.locale,
            row.subject,
            row.body,
            row.html,
            dict(row.headers or {}),
        )
        attempts = row.attempts
    try:
        provider_id = notifier.send(message)
    except Refused as exc:
        with unit_of_work(sessions) as session:
            _finish(session, message_id, state="refused", last_error=str(exc)[:2000])
        return "refused"
    except Exception as exc:  # any other adapter failure is recorded and retried
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
        _finish(
            session,
            message_id,
            state="sent",
            sent_at=now,
            last_error=None,
            provider_id=provider_id,
        )
    return "sent"


def due(session: Session, *, now: datetime, limit: int = 500) -> list[int]:
    """Messages to (re)try now: new, failed after their backoff, stuck past their lease, or
    digests whose window has closed."""
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.state.in_(_RETRYABLE), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
