"""Pure rules of webhooks: where they may go, the message format, the retry schedule."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from claimdesk.core.errors import ValidationFailed

# Waits after the 1st, 2nd, ... failed attempt (the Standard Webhooks / Svix schedule);
# after the last the delivery is dead until someone replays it.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
SECRET_PREFIX = "whsec_"

Resolver = Callable[[str, int], Iterable[str]]


def next_delay(attempts: int) -> timedelta | None:
    """The wait before the next attempt after ``attempts`` failed ones; None: give up."""
    return RETRY_DELAYS[attempts - 1] if 1 <= attempts <= len(RETRY_DELAYS) else None


def check_destination(url: str, *, allowed_networks: Iterable[str], resolve: Resolver) -> None:
    """An http(s) URL whose host resolves only to public addresses, or to addresses in a
    network the settings allow (``webhook_allowed_networks``): no requests into our own
    network (loopback, private, link-local, cloud metadata) on a partner's word."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            "The webhook URL must be an http:// or https:// address with a host name.",
            details=[{"field": "url"}],
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationFailed(
            "The webhook URL has an invalid port.", details=[{"field": "url"}]
        ) from exc
    try:
        addresses = {ipaddress.ip_address(a) for a in resolve(parts.hostname, port)}
    except (OSError, ValueError) as exc:
        raise ValidationFailed(
            f"The webhook host '{parts.hostname}' cannot be resolved.", details=[{"field": "url"}]
        ) from exc
    if not addresses:
        raise ValidationFailed(
            f"The webhook host '{parts.hostname}' has no address.", details=[{"field": "url"}]
        )
    networks = [ipaddress.ip_network(n, strict=False) for n in allowed_networks]
    refused = sorted(
        str(a) for a in addresses if not a.is_global and not any(a in n for n in networks)
    )
    if refused:
        raise ValidationFailed(
            f"The webhook URL leads to a private or loopback address ({', '.join(refused)}); "
            "webhooks go to public addresses only (an administrator may allow a network in "
            "CLAIMDESK_WEBHOOK_ALLOWED_NETWORKS).",
            details=[{"field": "url", "reason": "address_not_allowed"}],
        )


def body(event_type: str, data: Mapping[str, Any], at: datetime) -> str:
    """The JSON a delivery carries (signed byte for byte): ``type``, ``timestamp``, ``data``."""
    return json.dumps(
        {"type": event_type, "timestamp": at.isoformat(), "data": dict(data)},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def wants(subscribed: Iterable[str], event_type: str) -> bool:
    return event_type in set(subscribed)
