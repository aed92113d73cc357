"""Capacity simulation: an arrival stream against a staffing plan, SLA due times from the
support service levels on their working calendars."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from claimdesk.core.calendar import WorkingHours
from claimdesk.core.errors import ValidationFailed
from claimdesk.scale.capacity import (
    Arrival,
    Plan,
    Role,
    Shift,
    catastrophe_week,
    chart,
    load_plan,
    read_arrivals,
    simulate,
)
from claimdesk.support.sla import load_config

TZ = "Asia/Shanghai"
MONDAY_10H = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def agents(handlers: int, *, opens: str = "09:00", closes: str = "18:00") -> Plan:
    hours = WorkingHours(TZ, opens=time.fromisoformat(opens), closes=time.fromisoformat(closes))
    role = Role("agent", frozenset({"consultation", "claim_inquiry"}), (Shift(hours, handlers),))
    return Plan((role,), {"consultation": 10, "claim_inquiry": 30})


def test_enough_handlers_meet_every_first_response():
    arrivals = [Arrival(MONDAY_10H + timedelta(minutes=5 * i), "consultation") for i in range(10)]
    result = simulate(arrivals, agents(2))
    assert result.breaches() == []
    assert all(o.started == o.arrival.at for o in result.outcomes)  # nobody waits


def test_a_burst_on_one_handler_breaches_the_later_consultations_first_due_first():
    # 20-minute first response on business hours; 10 minutes a consultation: one handler
    # answers the first three in time, the rest late.
    arrivals = [Arrival(MONDAY_10H, "consultation") for _ in range(6)]
    result = simulate(arrivals, agents(1))
    started = sorted(o.started for o in result.outcomes)
    assert started == [MONDAY_10H + timedelta(minutes=10 * i) for i in range(6)]
    assert len(result.breaches()) == 3
    assert result.first_breach_by_kind() == {"consultation": MONDAY_10H + timedelta(minutes=20)}
    assert result.counts_by_kind() == {"consultation": (6, 3)}


def test_work_arriving_outside_the_shift_waits_for_it_and_the_sla_clock_waits_too():
    evening = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    result = simulate([Arrival(evening, "claim_inquiry")], agents(1))
    [outcome] = result.outcomes
    next_morning = datetime(2026, 6, 16, 1, 0, tzinfo=UTC)  # 09:00
    assert outcome.started == next_morning
    assert outcome.due == next_morning + timedelta(hours=4)  # business-hours target
    assert not outcome.breached


def test_work_no_role_handles_is_refused_with_its_kind():
    with pytest.raises(ValidationFailed, match="complaint"):
        simulate([Arrival(MONDAY_10H, "complaint")], agents(1))


def test_a_catastrophe_week_on_the_shipped_plan_breaches_claim_acknowledgements(tmp_path):
    stream = catastrophe_week(date(2026, 7, 6), timezone=TZ)
    per_day = {}
    for arrival in stream:
        per_day[arrival.at.date()] = per_day.get(arrival.at.date(), 0) + 1
    assert max(per_day.values()) > 3 * min(per_day.values())  # the surge
    result = simulate(stream, load_plan(timezone=TZ), load_config())
    assert result.counts_by_kind()["claim_application"][1] > 0
    chart(result, tmp_path / "capacity.svg")
    assert (tmp_path / "capacity.svg").read_text().lstrip().startswith("<?xml")


def test_arrivals_are_read_from_a_csv_and_a_bad_time_names_its_line(tmp_path):
    good = tmp_path / "arrivals.csv"
    good.write_text("at,kind,channel\n2026-06-15T10:00:00+08:00,consultation,phone\n")
    assert read_arrivals(good) == [Arrival(MONDAY_10H, "consultation", channel="phone")]
    bad = tmp_path / "bad.csv"
    bad.write_text("at,kind\nyesterday,consultation\n")
    with pytest.raises(ValidationFailed, match="Line 2"):
        read_arrivals(bad)
