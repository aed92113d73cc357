"""Rate limits (the ``limits`` library; counters in memory for one process, in Redis when
several processes serve): per client address on sign-in and the other public routes, per
signed-in user on the authenticated routes.

With counters in memory, the per-user limit (counted on every signed-in request) is kept
by :class:`LocalSlidingWindow` rather than by the library's memory storage: that storage
expires its keys from a timer thread it starts anew after each 10 ms pause, which under
steady traffic means a new thread every few requests (measured: the largest single cost
of a status read under load, see docs/benchmarks.md)."""

from __future__ import annotations

import math
import threading
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from starlette.requests import Request

from claimdesk.api.access import RateLimit
from claimdesk.config import Settings
from claimdesk.core.errors import RateLimited

KEY_PREFIX = "claimdesk-limits"
MEMORY_URL = "memory://"


class LocalSlidingWindow:
    """A sliding-window counter per key, in this process's memory, with the estimate of
    ``limits``' SlidingWindowCounter: the previous fixed window's count weighted by how much
    of it the sliding window still covers, plus the current window's count. Constant work
    and memory per key; keys idle for two windows are dropped as the table grows."""

    PRUNE_AT = 50_000

    def __init__(self, amount: int, seconds: int) -> None:
        self.amount = amount
        self.seconds = seconds
        # key -> (index of the current fixed window, previous window's count, current's)
        self._counts: dict[str, tuple[int, int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> float | None:
        """Count one request of ``key``: None when it is within the limit, else the seconds
        to wait before one would be (nothing is counted then)."""
        at = time.time() if now is None else now
        window = int(at // self.seconds)
        into = at - window * self.seconds
        with self._lock:
            index, previous, current = self._counts.get(key, (window, 0, 0))
            if index != window:
                previous = current if index == window - 1 else 0
                current = 0
            weight = 1.0 - into / self.seconds
            if math.floor(previous * weight + current) + 1 > self.amount:
                self._counts[key] = (window, previous, current)
                return self._wait(previous, current, into)
            self._counts[key] = (window, previous, current + 1)
            if len(self._counts) > self.PRUNE_AT:
                self._prune(window)
        return None

    def _wait(self, previous: int, current: int, into: float) -> float:
        room = self.amount - 1 - current  # what the previous window may still weigh
        if room >= 0 and previous > 0:
            # previous * (1 - t / seconds) <= room, t measured from the window's start
            return max(0.0, self.seconds * (1 - room / previous) - into)
        # Full on its own: wait for the next window, where this one weighs in less.
        ahead = self.seconds * (1 - (self.amount - 1) / current) if current else 0.0
        return self.seconds - into + max(0.0, ahead)

    def _prune(self, window: int) -> None:
        stale = [k for k, (index, _, _) in self._counts.items() if index < window - 1]
        for key in stale:
            del self._counts[key]


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
        user_limit = self._limits[RateLimit.USER]
        self._local_users = (
            LocalSlidingWindow(user_limit.amount, user_limit.get_expiry())
            if settings.rate_limit_storage_url.startswith(MEMORY_URL)
            else None
        )

    @property
    def counts_users_in_process(self) -> bool:
        """Whether :meth:`hit_user` counts in this process's memory (no I/O: it may run on
        the event loop) rather than in shared storage."""
        return self._local_users is not None

    def hit(self, which: RateLimit, request: Request) -> None:
        """Count one request from its client address; refuse it (429 with Retry-After) when
        over the limit."""
        client = request.client.host if request.client else "unknown"
        self._count(self._by_address, which, client, "from your address")

    def hit_user(self, user_id: int | None) -> None:
        """Count one request of a signed-in user (429 with Retry-After when over)."""
        if self._local_users is None:
            self._count(self._by_user, RateLimit.USER, str(user_id), "from your account")
            return
        wait = self._local_users.hit(str(user_id))
        if wait is not None:
            raise _refused(self._limits[RateLimit.USER], wait, "from your account")

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
        raise _refused(limit, reset_at - time.time(), whose)


def _refused(limit: RateLimitItem, seconds: float, whose: str) -> RateLimited:
    wait = max(1, math.ceil(seconds))
    return RateLimited(
        f"Too many requests {whose} ({limit.amount} per {limit.get_expiry()} s); "
        f"try again in {wait} s. 请求过于频繁，请 {wait} 秒后再试。",
        retry_after=wait,
    )
