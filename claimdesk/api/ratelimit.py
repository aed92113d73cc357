"""Rate limits per client address on sign-in and other public routes (the ``limits``
library: counters in memory for one process, in Redis when several processes serve)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request

from claimdesk.api.access import RateLimit
from claimdesk.config import Settings
from claimdesk.core.errors import RateLimited


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(
            storage_from_string(settings.rate_limit_storage_url)
        )
        self._limits: dict[RateLimit, RateLimitItem] = {
            RateLimit.LOGIN: parse(settings.rate_limit_login),
            RateLimit.PUBLIC: parse(settings.rate_limit_public),
        }

    def hit(self, which: RateLimit, request: Request) -> None:
        """Count one request from its client address; refuse it (429 with Retry-After) when
        over the limit."""
        client = request.client.host if request.client else "unknown"
        limit = self._limits[which]
        if self._limiter.hit(limit, which.value, client):
            return
        reset_at = self._limiter.get_window_stats(limit, which.value, client).reset_time
        wait = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(
            f"Too many requests from your address ({limit.amount} per "
            f"{limit.get_expiry()} s); try again in {wait} s. "
            f"请求过于频繁，请 {wait} 秒后再试。",
            retry_after=wait,
        )
