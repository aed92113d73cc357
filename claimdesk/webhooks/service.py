"""Webhook subscriptions (admin), the deliveries domain events make, and sending them.

Each delivery is a fixed body with a fixed ``webhook-id``; every attempt signs it afresh
per the Standard Webhooks specification (``webhook-timestamp`` is the moment of sending, by
the wall clock: receivers reject stale timestamps) with the ``standardwebhooks`` package.
Attempts are claimed with one conditional UPDATE (like the notification outbox), so two
workers never send one delivery at once. A subscription whose deliveries fail
``webhook_disable_after`` times in a row is disabled, and its contact is told.
"""

from __future__ import annotations

import base64
import logging
import secrets
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx2
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from claimdesk import __version__
from claimdesk.config import Settings
from claimdesk.core.clock import Clock, SystemClock
from claimdesk.core.db import affected_rows, unit_of_work
from claimdesk.core.errors import Conflict, NotFound, ValidationFailed
from claimdesk.jobs.queue import enqueue_after_commit
from claimdesk.messaging.enums import MessageEvent
from claimdesk.messaging.rules import Notice
from claimdesk.messaging.service import notify_address
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support.outbox import send_after_commit
from claimdesk.webhooks import rules
from claimdesk.webhooks.enums import DeliveryState
from claimdesk.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from claimdesk.webhooks.schemas import SubscriptionIn

log = logging.getLogger(__name__)

SENDING_LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0
_RETRYABLE = (DeliveryState.PENDING, DeliveryState.FAILED)


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (what an HTTP client would connect to)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def new_secret() -> str:
    return rules.SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


# ---------------------------------------------------------------- subscriptions


def create_subscription(
    session: Session, *, actor: Actor, data: SubscriptionIn, now: datetime, settings: Settings
) -> WebhookSubscription:
    require(actor, "webhooks.manage")
    rules.check_destination(
        data.url, allowed_networks=settings.webhook_allowed_networks, resolve=resolve
    )
    subscription = WebhookSubscription(
        url=data.url,
        events=[str(e) for e in dict.fromkeys(data.events)],
        secret=new_secret(),
        description=data.description,
        contact_email=data.contact_email,
        locale=data.locale,
        active=True,
        consecutive_failures=0,
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(subscription)
    session.flush()
    return subscription


def list_subscriptions(session: Session, *, actor: Actor) -> list[WebhookSubscription]:
    require(actor, "webhooks.manage")
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def get_subscription(
    session: Session, *, actor: Actor, subscription_id: int
) -> WebhookSubscription:
    require(actor, "webhooks.manage")
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound(f"Webhook {subscription_id} does not exist.")
    return subscription


def delete_subscription(session: Session, *, actor: Actor, subscription_id: int) -> None:
    """Remove the webhook with its delivery log."""
    subscription = get_subscription(session, actor=actor, subscription_id=subscription_id)
    deliveries = select(WebhookDelivery.id).where(
        WebhookDelivery.subscription_id == subscription.id
    )
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    )
    session.delete(subscription)
    session.flush()


def enable_subscription(
    session: Session, *, actor: Actor, subscription_id: int, settings: Settings
) -> WebhookSubscription:
    """Send to a disabled webhook again (its URL is checked again first)."""
    subscription = get_subscription(session, actor=actor, subscription_id=subscription_id)
    rules.check_destination(
        subscription.url, allowed_networks=settings.webhook_allowed_networks, resolve=resolve
    )
    subscription.active = True
    subscription.consecutive_failures = 0
    subscription.disabled_at = subscription.disabled_reason = None
    session.flush()
    return subscription


def deliveries(
    session: Session, *, actor: Actor, subscription_id: int, limit: int, offset: int
) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    """The delivery log, newest first, each with its attempts."""
    subscription = get_subscription(session, actor=actor, subscription_id=subscription_id)
    rows = list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == subscription.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    attempts: dict[int, list[WebhookAttempt]] = {row.id: [] for row in rows}
    for attempt in session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(attempts))
        .order_by(WebhookAttempt.id)
    ):
        attempts[attempt.delivery_id].append(attempt)
    return [(row, attempts[row.id]) for row in rows]


def replay(
    session: Session, *, actor: Actor, subscription_id: int, delivery_id: int, now: datetime
) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it (same webhook-id, fresh signature)."""
    subscription = get_subscription(session, actor=actor, subscription_id=subscription_id)
    if not subscription.active:
        raise Conflict(f"Webhook {subscription.id} is disabled; enable it before replaying.")
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        raise NotFound(f"Delivery {delivery_id} of webhook {subscription.id} does not exist.")
    if delivery.state == DeliveryState.SENDING:
        raise Conflict(f"Delivery {delivery_id} is being sent right now.")
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now
    session.flush()
    enqueue_after_commit(session, deliver, delivery.id)
    return delivery


# ---------------------------------------------------------------- events to deliveries


def record(
    session: Session, *, event_type: str, data: Mapping[str, Any], at: datetime
) -> list[WebhookDelivery]:
    """A delivery for each active subscription to this event, in the caller's transaction."""
    # Subscriptions are not written in the transactions that emit events: no autoflush here,
    # so the caller's pending rows (its jobs, say) go to the database together, later.
    with session.no_autoflush:
        subscriptions = session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
        ).all()
    body = rules.body(event_type, data, at)
    created = []
    for subscription in subscriptions:
        if not rules.wants(subscription.events, event_type):
            continue
        delivery = WebhookDelivery(
            subscription_id=subscription.id,
            msg_id=f"msg_{uuid.uuid4().hex}",
            event_type=event_type,
            payload=body,
            state=DeliveryState.PENDING,
            attempts=0,
            next_attempt_at=at,
            created_at=at,
        )
        session.add(delivery)
        created.append(delivery)
    if created:
        session.flush()
    return created


def due(session: Session, *, now: datetime, limit: int = 500) -> list[int]:
    """Deliveries to try now (new, failed after their wait, or left by a dead worker)."""
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookSubscription.active.is_(True),
                WebhookDelivery.state.in_([*_RETRYABLE, DeliveryState.SENDING]),
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class _Outgoing:
    url: str
    secret: str
    msg_id: str
    payload: str
    attempts: int


def _take(session: Session, delivery_id: int, now: datetime) -> _Outgoing | None:
    active = select(WebhookSubscription.id).where(WebhookSubscription.active.is_(True))
    taken = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.subscription_id.in_(active),
            WebhookDelivery.next_attempt_at <= now,  # a sending row: its lease ran out
            WebhookDelivery.state.in_([*_RETRYABLE, DeliveryState.SENDING]),
        )
        .values(
            state=DeliveryState.SENDING,
            attempts=WebhookDelivery.attempts + 1,
            next_attempt_at=now + SENDING_LEASE,
        )
        .execution_options(synchronize_session=False)
    )
    if affected_rows(taken) != 1:
        return None
    delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
    assert delivery is not None
    subscription = session.get(WebhookSubscription, delivery.subscription_id)
    assert subscription is not None
    return _Outgoing(
        subscription.url, subscription.secret, delivery.msg_id, delivery.payload, delivery.attempts
    )


def signed_headers(secret: str, *, msg_id: str, payload: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=payload),
    }


def _post(
    outgoing: _Outgoing, settings: Settings, wall_clock: Clock
) -> tuple[int | None, str | None]:
    """Send once: the HTTP status (None if no answer) and an error (None on a 2xx)."""
    try:
        rules.check_destination(
            outgoing.url, allowed_networks=settings.webhook_allowed_networks, resolve=resolve
        )
    except ValidationFailed as exc:
        return None, exc.message[:512]
    headers = {
        "content-type": "application/json",
        "user-agent": f"ClaimDesk-Webhooks/{__version__}",
        **signed_headers(
            outgoing.secret, msg_id=outgoing.msg_id, payload=outgoing.payload, at=wall_clock.now()
        ),
    }
    try:
        response = httpx2.post(
            outgoing.url,
            content=outgoing.payload.encode(),
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except httpx2.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:512]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def deliver(
    sessions: sessionmaker[Session],
    *,
    delivery_id: int,
    now: datetime,
    settings: Settings,
    wall_clock: Clock | None = None,
) -> str:
    """Try one delivery if it is due and nobody else is: delivered, failed, dead or skipped."""
    with unit_of_work(sessions) as session:
        outgoing = _take(session, delivery_id, now)
    if outgoing is None:
        return "skipped"
    started = time.monotonic()
    status, error = _post(outgoing, settings, wall_clock or SystemClock())
    duration_ms = int((time.monotonic() - started) * 1000)
    with unit_of_work(sessions) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        subscription = session.get(WebhookSubscription, delivery.subscription_id)
        assert subscription is not None
        session.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                at=now,
                status_code=status,
                error=error,
                duration_ms=duration_ms,
            )
        )
        delivery.last_status, delivery.last_error = status, error
        if error is None:
            delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, now
            subscription.consecutive_failures = 0
            return DeliveryState.DELIVERED
        delay = rules.next_delay(delivery.attempts)
        delivery.state = DeliveryState.FAILED if delay else DeliveryState.DEAD
        delivery.next_attempt_at = now + (delay or timedelta(0))
        subscription.consecutive_failures += 1
        if (
            subscription.active
            and subscription.consecutive_failures >= settings.webhook_disable_after
        ):
            _disable(session, subscription, error, now, settings)
        return delivery.state


def _disable(
    session: Session,
    subscription: WebhookSubscription,
    error: str,
    now: datetime,
    settings: Settings,
) -> None:
    subscription.active = False
    subscription.disabled_at = now
    subscription.disabled_reason = (
        f"{subscription.consecutive_failures} failed deliveries in a row; last: {error}"
    )[:512]
    log.warning("webhook %s disabled: %s", subscription.id, subscription.disabled_reason)
    if not subscription.contact_email:
        return
    notice = Notice(
        key=f"webhook:{subscription.id}:disabled:{int(now.timestamp())}",
        event=MessageEvent.WEBHOOK_DISABLED,
        params={
            "webhook_id": subscription.id,
            "url": subscription.url,
            "failures": subscription.consecutive_failures,
            "reason": error,
        },
    )
    row = notify_address(
        session,
        address=subscription.contact_email,
        locale=subscription.locale,
        notice=notice,
        now=now,
        settings=settings,
    )
    if row is not None:
        send_after_commit(session, [row])
