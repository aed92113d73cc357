from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from claimdesk.core.errors import ValidationFailed
from claimdesk.support import sla
from claimdesk.support.enums import SlaMetric, SlaState

CONFIG = sla.load_config()
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def plan(kind: str, metric: SlaMetric, start: datetime, elapsed: int = 0, **facts: str):
    target = next(t for t in CONFIG.targets_for(kind, **facts) if t.metric == metric)
    return sla.schedule(
        CONFIG.calendars[target.calendar],
        running_since=start,
        target_seconds=target.seconds,
        elapsed_seconds=elapsed,
        warn_at=CONFIG.warn_at,
        supervisor_after=CONFIG.supervisor_after,
    )


def test_requirement_targets_are_the_defaults():
    by_key = {(t.kind, t.metric): t.seconds for t in CONFIG.targets if not t.filters}
    assert by_key[("consultation", SlaMetric.FIRST_RESPONSE)] == 20 * 60
    assert by_key[("claim_application", SlaMetric.ACKNOWLEDGEMENT)] == 72 * 3600
    assert by_key[("complaint", SlaMetric.FIRST_RESPONSE)] == 48 * 3600
    assert by_key[("complaint", SlaMetric.RESOLUTION)] == 120 * 3600


def test_the_most_specific_matching_target_wins():
    [phone] = CONFIG.targets_for("consultation", channel="phone", customer_tier="standard")
    [web] = CONFIG.targets_for("consultation", channel="web", customer_tier="standard")
    [vip] = CONFIG.targets_for("consultation", channel="web", customer_tier="vip")
    assert (phone.calendar, web.calendar) == ("always", "business_hours")
    assert vip.seconds == 10 * 60


def test_an_urgent_complaint_gets_a_shorter_first_response_but_the_same_resolution():
    targets = {t.metric: t.seconds for t in CONFIG.targets_for("complaint", priority="urgent")}
    assert targets == {SlaMetric.FIRST_RESPONSE: 24 * 3600, SlaMetric.RESOLUTION: 120 * 3600}


def test_a_web_consultation_late_on_friday_is_due_monday_morning():
    due = plan("consultation", SlaMetric.FIRST_RESPONSE, local(2026, 6, 12, 17, 50), channel="web")
    assert due.due_at == local(2026, 6, 15, 9, 10)
    assert due.warn_at == local(2026, 6, 15, 9, 5)


def test_a_phone_consultation_at_night_is_due_twenty_minutes_later():
    due = plan(
        "consultation", SlaMetric.FIRST_RESPONSE, local(2026, 6, 13, 23, 50), channel="phone"
    )
    assert due.due_at == local(2026, 6, 14, 0, 10)


def test_a_complaint_on_the_eve_of_national_day_is_due_after_the_holiday():
    eve = local(2026, 9, 30, 20, 0)
    first = plan("complaint", SlaMetric.FIRST_RESPONSE, eve)
    resolution = plan("complaint", SlaMetric.RESOLUTION, eve)
    assert first.due_at == local(2026, 10, 9, 20, 0)
    # 4 h on the 30th, then 8th, 9th, the adjusted Saturday 10th, the 12th, and 20 h of the 13th.
    assert resolution.due_at == local(2026, 10, 13, 20, 0)


def test_five_working_days_skip_the_dragon_boat_festival():
    due = plan("complaint", SlaMetric.RESOLUTION, local(2026, 6, 15, 10, 0))
    assert due.due_at == local(2026, 6, 23, 10, 0)


def test_claim_acknowledgement_runs_on_wall_clock_time():
    due = plan("claim_application", SlaMetric.ACKNOWLEDGEMENT, local(2026, 9, 30, 20, 0))
    assert due.due_at == local(2026, 10, 3, 20, 0)


def test_time_already_used_shortens_what_is_left_after_a_pause():
    # 2 h used before the pause; resumed Thursday noon: 12 h Thursday, 24 h Monday, 10 h Tuesday.
    resumed = plan(
        "complaint", SlaMetric.FIRST_RESPONSE, local(2026, 6, 18, 12, 0), elapsed=2 * 3600
    )
    assert resumed.due_at == local(2026, 6, 23, 10, 0)


def test_states_and_escalation_levels_follow_the_schedule():
    p = plan("consultation", SlaMetric.FIRST_RESPONSE, local(2026, 6, 15, 10, 0), channel="web")
    assert (p.warn_at, p.due_at, p.supervisor_at) == (
        local(2026, 6, 15, 10, 15),
        local(2026, 6, 15, 10, 20),
        local(2026, 6, 15, 10, 30),
    )
    assert sla.state_at(p, local(2026, 6, 15, 10, 14)) == SlaState.ON_TRACK
    assert sla.state_at(p, local(2026, 6, 15, 10, 15)) == SlaState.AT_RISK
    assert sla.state_at(p, local(2026, 6, 15, 10, 20)) == SlaState.BREACHED
    assert sla.escalation_level(p, local(2026, 6, 15, 10, 19)) == 0
    assert sla.escalation_level(p, local(2026, 6, 15, 10, 20)) == 1
    assert sla.escalation_level(p, local(2026, 6, 15, 10, 30)) == 2
    assert sla.next_check(p, state=SlaState.ON_TRACK, level=0) == p.warn_at
    assert sla.next_check(p, state=SlaState.AT_RISK, level=0) == p.due_at
    assert sla.next_check(p, state=SlaState.BREACHED, level=1) == p.supervisor_at
    assert sla.next_check(p, state=SlaState.BREACHED, level=2) is None


def test_a_clock_stopped_after_its_breach_stays_breached():
    assert sla.stopped_state(SlaState.AT_RISK) == SlaState.MET
    assert sla.stopped_state(SlaState.BREACHED) == SlaState.BREACHED


def test_unknown_ticket_kinds_are_refused_with_the_list_of_kinds():
    with pytest.raises(ValidationFailed, match="consultation"):
        sla.check_kind(CONFIG, "gossip")
    with pytest.raises(ValidationFailed):
        sla.check_kind(CONFIG, "claim_application")  # a claim clock, not a ticket kind


def test_a_target_with_an_unknown_calendar_is_a_configuration_error():
    raw = {
        "timezone": "Asia/Shanghai",
        "warn_at": 0.75,
        "supervisor_after": 0.5,
        "csat": {"valid_days": 7, "low_score": 2},
        "calendars": {"always": {"working_days_only": False}},
        "kinds": {"consultation": {"name_en": "C", "name_zh": "咨询"}},
        "targets": [
            {"kind": "consultation", "metric": "first_response", "minutes": 5, "calendar": "x"}
        ],
    }
    with pytest.raises(ValueError, match="unknown calendar"):
        sla.parse_config(raw)
