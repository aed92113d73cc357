"""The SLA sweep with a frozen clock: warnings, escalation to lead then supervisor, idempotence,
the claim-application clock, and the compliance report."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from claimdesk.security.enums import Role
from claimdesk.security.service import Actor
from claimdesk.support import clocks
from claimdesk.support.models import SlaEvent


def event_count(world) -> int:
    with world.container.sessions() as session:
        return session.scalar(select(func.count()).select_from(SlaEvent))


def test_the_owner_is_warned_before_the_breach_and_only_once(world, desk):
    customer = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(customer)  # Monday 10:00, web: due 10:20, at risk from 10:15
    owner = desk.agents[0]

    assert desk.sweep(timedelta(minutes=14)).checked == 0
    result = desk.sweep(timedelta(minutes=2))
    assert (result.warned, result.breached, result.escalated) == (1, 0, 0)
    assert [(a["kind"], a["ticket_id"]) for a in desk.alerts(owner)] == [("at_risk", ticket["id"])]
    assert desk.get(owner.headers, ticket["id"])["sla"][0]["state"] == "at_risk"

    events = event_count(world)
    assert desk.sweep().checked == 0  # same moment again: nothing to do
    assert event_count(world) == events


def test_a_breach_escalates_to_the_team_lead_then_the_supervisor(world, desk):
    customer = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(customer)

    result = desk.sweep(timedelta(minutes=21))  # straight past the due time
    assert (result.breached, result.escalated) == (1, 1)
    assert [a["kind"] for a in desk.alerts(desk.lead)] == ["escalated_1"]
    assert desk.alerts(desk.supervisor) == []

    assert desk.sweep(timedelta(minutes=5)).checked == 0  # supervisor only from 10:30
    assert desk.sweep(timedelta(minutes=5)).escalated == 1
    assert [a["kind"] for a in desk.alerts(desk.supervisor)] == ["escalated_2"]

    events = event_count(world)
    assert desk.sweep().checked == 0
    assert desk.sweep(timedelta(days=30)).checked == 0  # fully escalated: no more work
    assert event_count(world) == events
    supervisor = world.login(Role.SUPERVISOR)
    view = desk.get(supervisor, ticket["id"])
    assert view["sla"][0]["state"] == "breached"
    assert view["sla"][0]["escalation_level"] == 2
    assert [e["data"]["level"] for e in view["events"] if e["kind"] == "sla_escalated"] == [1, 2]


def test_a_late_first_response_leaves_the_clock_breached(world, desk):
    customer = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(customer)
    desk.sweep(timedelta(minutes=25))
    agent = desk.agents[1].headers  # agents see their team's tickets only
    desk.say(agent, ticket["id"], "Sorry for the wait.")
    [clock] = desk.get(agent, ticket["id"])["sla"]
    assert (clock["state"], clock["stopped_at"]) == ("breached", "2026-06-15T02:25:00Z")


def test_a_paused_clock_neither_warns_nor_breaches(world, desk):
    customer = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(customer)
    desk.act(desk.agents[0].headers, ticket["id"], "wait_on_customer", reason="need ID")
    assert desk.sweep(timedelta(hours=5)).checked == 0
    assert desk.alerts(desk.agents[0]) == []


def test_a_complaint_on_the_eve_of_national_day_is_due_after_the_holiday(world, desk, clock):
    clock.at = datetime(2026, 9, 30, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    customer = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(customer, kind="complaint", subject="投诉", body="理赔太慢")
    due = {c["metric"]: c["due_at"] for c in ticket["sla"]}
    assert due == {
        "first_response": "2026-10-09T12:00:00Z",
        "resolution": "2026-10-13T12:00:00Z",
    }
    # Nothing fires during the holiday week.
    clock.at = datetime(2026, 10, 7, 15, 0, tzinfo=UTC)
    assert desk.sweep().checked == 0


def test_a_reported_claim_starts_a_72_hour_clock_that_a_handler_meets(world, desk):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(customer, world.policy(holder)).json()
    agent = desk.agents[0].headers
    ticket = desk.open(customer, kind="claim_inquiry", claim_id=claim["id"])
    ack = desk.get(agent, ticket["id"])["claim"]["acknowledgement"]
    assert ack["due_at"] == "2026-06-18T02:00:00Z"
    assert ack["state"] == "on_track"

    world.act(world.staff(Role.ADJUSTER), claim["id"], "start_review")
    ack = desk.get(agent, ticket["id"])["claim"]["acknowledgement"]
    assert ack["state"] == "met"


def test_an_unacknowledged_claim_breaches_and_reaches_the_claims_team(world, desk):
    lead = desk.lead
    response = world.client.post(
        "/api/v1/teams",
        json={
            "code": "claims",
            "name": "Claims intake",
            "kinds": ["claim_application"],
            "lead_id": lead.id,
        },
        headers=desk.supervisor.headers,
    )
    assert response.status_code == 201, response.text
    holder = world.customer()
    claim = world.report(world.login(Role.CUSTOMER, holder), world.policy(holder)).json()
    assert desk.sweep(timedelta(hours=54)).warned == 1  # 75 % of 72 h
    result = desk.sweep(timedelta(hours=18))
    assert (result.breached, result.escalated) == (1, 1)
    with world.container.sessions() as session:  # three days on, the lead's token expired
        alerts = clocks.alerts(session, actor=Actor(user_id=lead.id, role=Role.AGENT))
    assert [(a.kind, a.claim_id) for a in alerts] == [
        ("escalated_1", claim["id"]),
        ("at_risk", claim["id"]),  # no owner on a claim clock: the lead is warned
    ]


def test_a_withdrawn_claim_cancels_its_clock(world, desk):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(customer, world.policy(holder)).json()
    assert world.act(customer, claim["id"], "withdraw", reason="found the bill").status_code == 200
    assert desk.sweep(timedelta(days=5)).checked == 0


def test_the_compliance_report_counts_met_and_breached_by_team_and_kind(world, desk):
    customer = world.login(Role.CUSTOMER, world.customer())
    on_time, late, _running = desk.open(customer), desk.open(customer), desk.open(customer)
    desk.say(desk.agents[0].headers, on_time["id"], "answer")
    desk.sweep(timedelta(minutes=30))
    agent = world.login(Role.AGENT)
    desk.say(agent, late["id"], "late answer")
    report = world.client.get("/api/v1/sla/compliance", headers=world.login(Role.SUPERVISOR))
    assert report.status_code == 200, report.text
    [row] = [r for r in report.json() if r["kind"] == "consultation"]
    assert row == {
        "team": "service",
        "kind": "consultation",
        "metric": "first_response",
        "clocks": 3,
        "met": 1,
        "breached": 2,
        "running": 0,
        "compliance": 0.3333,
    }
    assert world.client.get("/api/v1/sla/compliance", headers=agent).status_code == 403
