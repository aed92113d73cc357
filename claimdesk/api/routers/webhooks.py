"""Webhooks for partner systems (administrators): subscribe, the delivery log, replay."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from claimdesk.api.deps import ActorDep, NowDep, SessionDep, SettingsDep
from claimdesk.webhooks import service
from claimdesk.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    SubscriptionCreatedOut,
    SubscriptionIn,
    SubscriptionOut,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.post("", response_model=SubscriptionCreatedOut, status_code=201)
def create_webhook(
    data: SubscriptionIn, session: SessionDep, actor: ActorDep, now: NowDep, settings: SettingsDep
) -> SubscriptionCreatedOut:
    """Subscribe a URL to events. The answer carries the signing secret (``whsec_`` +
    base64), shown this once: deliveries are signed with it per the Standard Webhooks
    specification (headers webhook-id, webhook-timestamp, webhook-signature)."""
    subscription = service.create_subscription(
        session, actor=actor, data=data, now=now, settings=settings
    )
    session.commit()
    return SubscriptionCreatedOut(
        **SubscriptionOut.model_validate(subscription).model_dump(), secret=subscription.secret
    )


@router.get("", response_model=list[SubscriptionOut])
def list_webhooks(session: SessionDep, actor: ActorDep) -> list[SubscriptionOut]:
    return [
        SubscriptionOut.model_validate(s) for s in service.list_subscriptions(session, actor=actor)
    ]


@router.get("/{webhook_id}", response_model=SubscriptionOut)
def get_webhook(webhook_id: int, session: SessionDep, actor: ActorDep) -> SubscriptionOut:
    subscription = service.get_subscription(session, actor=actor, subscription_id=webhook_id)
    return SubscriptionOut.model_validate(subscription)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: int, session: SessionDep, actor: ActorDep) -> Response:
    """Unsubscribe (the delivery log goes too)."""
    service.delete_subscription(session, actor=actor, subscription_id=webhook_id)
    session.commit()
    return Response(status_code=204)


@router.post("/{webhook_id}/enable", response_model=SubscriptionOut)
def enable_webhook(
    webhook_id: int, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> SubscriptionOut:
    """Send to a webhook that was disabled after repeated failures again."""
    subscription = service.enable_subscription(
        session, actor=actor, subscription_id=webhook_id, settings=settings
    )
    session.commit()
    return SubscriptionOut.model_validate(subscription)


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    webhook_id: int,
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[DeliveryOut]:
    """The delivery log, newest first: each event sent, its state and every attempt."""
    rows = service.deliveries(
        session, actor=actor, subscription_id=webhook_id, limit=limit, offset=offset
    )
    return [
        DeliveryOut.model_validate(delivery).model_copy(
            update={"log": [AttemptOut.model_validate(a) for a in attempts]}
        )
        for delivery, attempts in rows
    ]


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay", response_model=DeliveryOut, status_code=202
)
def replay_delivery(
    webhook_id: int, delivery_id: int, session: SessionDep, actor: ActorDep, now: NowDep
) -> DeliveryOut:
    """Send a delivery again (same webhook-id, fresh timestamp and signature)."""
    delivery = service.replay(
        session, actor=actor, subscription_id=webhook_id, delivery_id=delivery_id, now=now
    )
    session.commit()
    return DeliveryOut.model_validate(delivery)
