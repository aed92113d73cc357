from datetime import date

from claimdesk.core.calendar import is_working_day, working_days_between


def test_national_day_week_is_not_working_but_the_adjusted_saturday_is():
    assert not is_working_day(date(2026, 10, 1))
    assert not is_working_day(date(2026, 10, 7))
    assert not is_working_day(date(2026, 9, 26))  # an ordinary Saturday
    assert is_working_day(date(2026, 10, 10))  # Saturday made a working day


def test_years_the_calendar_does_not_know_fall_back_to_weekdays():
    assert is_working_day(date(2031, 1, 6))  # Monday
    assert not is_working_day(date(2031, 1, 5))  # Sunday


def test_working_days_between_counts_days_after_start_up_to_end():
    assert working_days_between(date(2026, 6, 15), date(2026, 6, 15)) == 0
    assert working_days_between(date(2026, 6, 12), date(2026, 6, 15)) == 1  # Fri -> Mon
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2  # 8th and 9th
