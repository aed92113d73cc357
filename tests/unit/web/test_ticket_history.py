"""The ticket history's lines: every kind the support service records is said by a key in
both catalogues; a kind not known yet says "ticket updated", never its code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from claimdesk.support.enums import TicketAction
from claimdesk.support.schemas import SlaAlertOut, TicketEventOut
from claimdesk.web.i18n import Translator
from claimdesk.web.ticket_history import COMPLAINT_FIELDS, RULES, history, people

AT = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def _event(n: int, kind: str, actor_id: int | None = 7, **fields: Any) -> TicketEventOut:
    base: dict[str, Any] = {
        "at": AT,
        "from_status": None,
        "to_status": None,
        "reason": None,
        "data": {},
    }
    return TicketEventOut(id=n, actor_id=actor_id, actor_role="agent", kind=kind, **(base | fields))


EVENTS = [
    _event(1, "created", data={"channel": "phone"}),
    *(_event(2, "assigned", data={"owner_id": 8, "rule": rule}) for rule in (*RULES, None)),
    _event(3, "reassigned", data={"from_owner_id": 8, "to_owner_id": 9}),
    _event(4, "reassigned", data={"from_owner_id": None, "to_owner_id": 9}),
    *(_event(5, action, from_status="open", to_status="resolved") for action in TicketAction),
    _event(6, "complaint_updated", data={f: "x" for f in COMPLAINT_FIELDS}),
    _event(7, "complaint_updated", data={}),
    _event(8, "sla_escalated", None, data={"metric": "resolution", "level": 1, "to": 9}),
    _event(9, "sla_escalated", None, data={"metric": "first_response", "level": 2, "to": None}),
    _event(10, "merged_later", data={}),
]


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_every_line_is_rendered_from_keys_in_the_readers_language(locale):
    t = Translator(locale, "Asia/Shanghai")
    names = {7: "agent-7", 8: "agent-8", 9: "lead-9"}
    for line in history(EVENTS, names):
        for text in (t.message(line.what), t.message(line.who)):
            assert "ticket_history." not in text and "{" not in text, (line.kind, text)
            for code in (
                "phone",
                "round_robin",
                "least_load",
                "first_contact",
                "root_cause",
                "first_response",
                "wait_on_customer",
                "regulator_reportable",
                "merged_later",
            ):
                assert code not in text, (line.kind, text)


def test_unknown_kinds_and_people_are_said_without_codes():
    t = Translator("en", "Asia/Shanghai")
    lines = history(EVENTS, {})
    assert t.message(lines[-1].what) == "Ticket updated."
    assert t.message(lines[0].who) == "#7 (Service agent)"
    assert t.message(lines[-2].who) == "System"
    assert people(EVENTS) == {7, 8, 9}


def test_lines_are_oldest_first_whatever_order_they_come_in():
    later = _event(2, "start", at=AT.replace(hour=3), from_status="new", to_status="open")
    first = _event(1, "created", data={"channel": "web"})
    assert [line.kind for line in history([later, first], {})] == ["created", "start"]


def _change(n: int, kind: str, metric: str, at: datetime = AT) -> SlaAlertOut:
    return SlaAlertOut(
        id=n, at=at, kind=kind, to_state=kind, clock_metric=metric, ticket_id=1, claim_id=None
    )


def test_clock_changes_are_said_by_metric_and_come_before_events_of_the_same_moment():
    changes = [
        _change(1, "at_risk", "first_response", AT.replace(hour=1)),
        _change(2, "breached", "first_response"),
        _change(3, "met", "resolution", AT.replace(hour=4)),
        _change(4, "paused", "resolution"),  # not a change of state the history shows
    ]
    escalated = _event(1, "sla_escalated", None, data={"metric": "first_response", "level": 1})
    lines = history([escalated], {}, changes)
    assert [line.kind for line in lines] == [
        "sla_at_risk",
        "sla_breached",
        "sla_escalated",
        "sla_met",
    ]
    en, zh = Translator("en", "Asia/Shanghai"), Translator("zh-CN", "Asia/Shanghai")
    assert [en.message(line.what) for line in lines[:2]] == [
        "First response time limit at risk.",
        "First response time limit breached.",
    ]
    assert zh.message(lines[-1].what) == "解决时限已达成。"
    assert en.message(lines[0].who) == "System"
