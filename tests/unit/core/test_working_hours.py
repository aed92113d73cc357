from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from claimdesk.core.calendar import WorkingHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = WorkingHours("Asia/Shanghai", opens=time(9), closes=time(18))
WORKING_DAYS = WorkingHours("Asia/Shanghai")
ALWAYS = WorkingHours("Asia/Shanghai", working_days_only=False)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_office_time_carries_over_the_weekend():
    friday = local(2026, 6, 12, 17, 50)
    assert OFFICE.add(friday, 20 * 60) == local(2026, 6, 15, 9, 10)


def test_office_time_before_opening_starts_at_opening():
    assert OFFICE.add(local(2026, 6, 15, 7, 0), 60) == local(2026, 6, 15, 9, 1)


def test_the_adjusted_saturday_after_national_day_is_a_working_day():
    friday = local(2026, 10, 9, 17, 55)
    assert OFFICE.add(friday, 20 * 60) == local(2026, 10, 10, 9, 15)


def test_working_days_skip_the_national_day_week():
    eve = local(2026, 9, 30, 20, 0)
    assert WORKING_DAYS.add(eve, 48 * 3600) == local(2026, 10, 9, 20, 0)


def test_wall_clock_time_runs_through_holidays():
    eve = local(2026, 9, 30, 20, 0)
    assert ALWAYS.add(eve, 72 * 3600) == local(2026, 10, 3, 20, 0)


def test_seconds_between_counts_only_open_time():
    assert OFFICE.seconds_between(local(2026, 6, 12, 17, 0), local(2026, 6, 15, 10, 0)) == 2 * 3600
    assert WORKING_DAYS.seconds_between(local(2026, 9, 30, 20, 0), local(2026, 10, 8, 1, 0)) == (
        5 * 3600
    )
    assert OFFICE.seconds_between(local(2026, 6, 15, 10, 0), local(2026, 6, 15, 9, 0)) == 0


@pytest.mark.parametrize("seconds", [1, 59, 3600, 9 * 3600, 9 * 3600 + 1, 100 * 3600])
def test_adding_then_measuring_gives_back_the_duration(seconds):
    start = datetime(2026, 9, 29, 8, 0, tzinfo=UTC)
    for hours in (OFFICE, WORKING_DAYS, ALWAYS):
        assert hours.seconds_between(start, hours.add(start, seconds)) == seconds


def test_hours_that_close_before_they_open_are_refused():
    with pytest.raises(ValueError, match="close"):
        WorkingHours("Asia/Shanghai", opens=time(18), closes=time(9))
