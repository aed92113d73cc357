"""Rate limits (the ``limits`` library; counters in memory for one process, in Redis when
several processes serve): per client address on sign-in and the other public routes, per
signed-in user on the authenticated routes."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from starlette.requests import Request

from claimdesk.api.access import RateLimit
from claimdesk.config import Settings
from claimdesk.core.errors import RateLimited

KEY_PREFIX = "claimdesk-limits"


class RateLimiter:
    def __init__(self, settings: Settings, *, key_prefix: str = KEY_PREFIX) -> None:
        storage = storage_from_string(settings.rate_limit_storage_url, key_prefix=key_prefix)
        # Exact windows for the low sign-in and public limits; a sliding-window counter
        # (constant work and memory per user) for the high per-user one.
        self._by_address = MovingWindowRateLimiter(storage)
        self._by_user = SlidingWindowCounterRateLimiter(storage)
        self._limits: dict[RateLimit, RateLimitItem] = {
            RateLimit.LOGIN: parse(settings.rate_limit_login),
            RateLimit.PUBLIC: parse(settings.rate_limit_public),
            RateLimit.USER: parse(settings.rate_limit_user),
        }

    def hit(self, which: RateLimit, request: Request) -> None:
        """Count one request from its client address; refuse it (429 with Retry-After) when
        over the limit."""
        client = request.client.host if request.client else "unknown"
        self._count(self._by_address, which, client, "from your address")

    def hit_user(self, user_id: int | None) -> None:
        """Count one request of a signed-in user (429 with Retry-After when over)."""
        self._count(self._by_user, RateLimit.USER, str(user_id), "from your account")

    def _count(
        self,
        limiter: MovingWindowRateLimiter | SlidingWindowCounterRateLimiter,
        which: RateLimit,
        key: str,
        whose: str,
    ) -> None:
        limit = self._limits[which]
        if limiter.hit(limit, which.value, key):
            return
        reset_at = limiter.get_window_stats(limit, which.value, key).reset_time
        wait = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(
            f"Too many requests {whose} ({limit.amount} per {limit.get_expiry()} s); "
            f"try again in {wait} s. 请求过于频繁，请 {wait} 秒后再试。",
            retry_after=wait,
        )
