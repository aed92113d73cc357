"""Business calendar: Chinese public holidays and adjusted working days.

Backed by the ``chinese-calendar`` package, which follows the State Council's yearly
notice. For years it does not know yet, Monday to Friday are treated as working days.
:class:`WorkingHours` adds and measures time on such a calendar (SLA clocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar


@lru_cache(maxsize=8192)
def is_working_day(day: date) -> bool:
    """Cached: SLA and statutory clocks ask about the same few weeks on every read."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def calendar_known(day: date) -> bool:
    """Whether the holiday package knows ``day``'s year (else :func:`is_working_day` guesses
    Monday to Friday, a provisional rule that clocks must flag)."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    for _ in range(_MAX_DAYS):
        if is_working_day(day):
            return day
        day += timedelta(days=1)
    raise ValueError(f"no working day within {_MAX_DAYS} days of {day}")


@lru_cache(maxsize=65_536)
def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start).
    Cached: every claim view counts its cycle time, a day at a time, to today."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


@dataclass(frozen=True)
class WorkingHours:
    """When a business clock runs: a daily window in a time zone, on working days or every day.

    ``closes=None`` means midnight at the end of the day, so ``WorkingHours(tz)`` runs all
    day on working days and ``WorkingHours(tz, working_days_only=False)`` is wall-clock time.
    Durations are whole seconds.
    """

    timezone: str
    opens: time = time(0)
    closes: time | None = None
    working_days_only: bool = True

    def __post_init__(self) -> None:
        if self.closes is not None and self.closes <= self.opens:
            raise ValueError(f"working hours close ({self.closes}) before they open ({self.opens})")

    @property
    def always(self) -> bool:
        return not self.working_days_only and self.opens == time(0) and self.closes is None

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if self.working_days_only and not is_working_day(day):
            return None
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(day, self.opens, tzinfo=zone)
        if self.closes is None:
            end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        else:
            end = datetime.combine(day, self.closes, tzinfo=zone)
        return start, end

    def add(self, start: datetime, seconds: int) -> datetime:
        """The moment ``seconds`` of open time after ``start`` (UTC)."""
        if self.always:
            return start + timedelta(seconds=seconds)
        remaining = timedelta(seconds=seconds)
        if remaining <= timedelta(0):
            return start
        day = start.astimezone(ZoneInfo(self.timezone)).date()
        for _ in range(_MAX_DAYS):
            window = self._window(day)
            if window is not None:
                begin, end = max(window[0], start), window[1]
                if begin < end:
                    if remaining <= end - begin:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= end - begin
            day += timedelta(days=1)
        raise ValueError(f"no working time within {_MAX_DAYS} days of {start}")

    def seconds_between(self, start: datetime, end: datetime) -> int:
        """Open time from ``start`` to ``end`` in whole seconds (0 when end <= start)."""
        if end <= start:
            return 0
        if self.always:
            return int((end - start).total_seconds())
        zone = ZoneInfo(self.timezone)
        day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        total = timedelta(0)
        while day <= last:
            window = self._window(day)
            if window is not None:
                begin, finish = max(window[0], start), min(window[1], end)
                if begin < finish:
                    total += finish - begin
            day += timedelta(days=1)
        return int(total.total_seconds())


_MAX_DAYS = 3660
