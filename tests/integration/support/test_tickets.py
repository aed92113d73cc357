"""Tickets over HTTP: intake from every channel, ownership, messages, lifecycle, visibility."""

from datetime import timedelta

from claimdesk.security.enums import Role
from tests.integration.support.conftest import Desk, sign_in


def test_a_web_ticket_is_assigned_round_robin_and_shows_its_sla(world, desk):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    first, second, third = (desk.open(customer) for _ in range(3))
    assert [t["owner_id"] for t in (first, second, third)] == [
        desk.agents[0].id,
        desk.agents[1].id,
        desk.agents[0].id,
    ]
    assert first["number"].startswith("TKT20260615")
    assert first["status"] == "new" and first["channel"] == "web"
    [clock] = first["sla"]
    assert clock["metric"] == "first_response"
    assert clock["state"] == "on_track"
    assert clock["due_at"] == "2026-06-15T02:20:00Z"  # 10:20 in Shanghai
    assert first["events"] is None  # the history is for staff


def test_least_load_assignment_picks_the_agent_with_fewest_open_tickets(world):
    desk = Desk(world, rule="least_load")
    customer = world.login(Role.CUSTOMER, world.customer())
    busy = desk.open(customer)
    assert busy["owner_id"] == desk.agents[0].id
    assert desk.open(customer)["owner_id"] == desk.agents[1].id
    assert (
        desk.act(desk.agents[1].headers, busy["id"] + 1, "resolve", reason="answered").status_code
        == 200
    )
    assert desk.open(customer)["owner_id"] == desk.agents[1].id


def test_the_agent_taking_a_phone_call_owns_the_ticket(world, desk):
    holder = world.customer()
    counter_agent = sign_in(world, Role.AGENT)
    ticket = desk.open(counter_agent.headers, channel="phone", customer_id=holder.id)
    assert ticket["owner_id"] == counter_agent.id
    assert ticket["team_id"] == desk.team_id
    assert [e["data"].get("rule") for e in ticket["events"] if e["kind"] == "assigned"] == [
        "first_contact"
    ]
    # Phone consultations run on wall-clock time: due 20 minutes later whatever the hour.
    assert ticket["sla"][0]["calendar"] == "always"


def test_staff_must_say_the_channel_and_the_customer(world, desk):
    response = world.client.post(
        "/api/v1/tickets",
        json={"kind": "consultation", "subject": "s", "body": "b", "customer_id": 1},
        headers=desk.agents[0].headers,
    )
    assert response.status_code == 422
    assert "channel" in response.json()["error"]["message"]
    response = world.client.post(
        "/api/v1/tickets",
        json={"kind": "consultation", "subject": "s", "body": "b", "channel": "email"},
        headers=desk.agents[0].headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "customer_id"}]


def test_an_unknown_kind_is_refused_and_nothing_is_stored(world, desk):
    customer = world.login(Role.CUSTOMER, world.customer())
    response = world.client.post(
        "/api/v1/tickets",
        json={"kind": "gossip", "subject": "s", "body": "b"},
        headers=customer,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"
    assert world.client.get("/api/v1/tickets", headers=customer).json() == []


def test_customers_see_only_their_own_tickets_and_never_internal_notes(world, desk):
    alice = world.login(Role.CUSTOMER, world.customer())
    bob = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(alice)
    owner = desk.agents[0].headers
    assert desk.say(owner, ticket["id"], "Customer sounds upset", internal=True).status_code == 201
    assert desk.say(owner, ticket["id"], "您好，请上传发票。").status_code == 201

    seen = desk.get(alice, ticket["id"])
    assert [m["body"] for m in seen["messages"]] == ["How do I claim?", "您好，请上传发票。"]
    assert len(desk.get(owner, ticket["id"])["messages"]) == 3
    assert world.client.get(f"/api/v1/tickets/{ticket['id']}", headers=bob).status_code == 404
    assert world.client.get("/api/v1/tickets", headers=bob).json() == []
    response = desk.say(alice, ticket["id"], "note", internal=True)
    assert response.status_code == 403


def test_the_first_public_staff_reply_opens_the_ticket_and_meets_the_first_response(
    world, desk, clock
):
    customer = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(customer)
    clock.advance(timedelta(minutes=12))
    desk.say(desk.agents[0].headers, ticket["id"], "internal first", internal=True)
    assert desk.get(customer, ticket["id"])["sla"][0]["stopped_at"] is None
    desk.say(desk.agents[0].headers, ticket["id"], "Here is how.")
    after = desk.get(customer, ticket["id"])
    assert after["status"] == "open"
    assert after["first_response_at"] == "2026-06-15T02:12:00Z"
    assert after["sla"][0]["state"] == "met"


def test_waiting_on_the_customer_pauses_and_their_reply_resumes(world, desk, clock):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    agent = desk.agents[0].headers
    ticket = desk.open(customer, kind="complaint", subject="理赔太慢", body="Too slow")
    clock.advance(timedelta(hours=2))
    assert (
        desk.act(agent, ticket["id"], "wait_on_customer", reason="need invoice").status_code == 200
    )
    paused = desk.get(agent, ticket["id"])
    assert paused["status"] == "waiting_on_customer"
    assert all(c["paused"] and c["due_at"] is None for c in paused["sla"])

    clock.advance(timedelta(days=3))  # Thursday 12:00
    customer = world.login(Role.CUSTOMER, holder)  # days later: sign in again
    agent = world.sign_in(desk.agents[1].username)  # a teammate picks it up
    assert desk.say(customer, ticket["id"], "发票已上传").status_code == 201
    resumed = desk.get(agent, ticket["id"])
    assert resumed["status"] == "open"
    due = {c["metric"]: c["due_at"] for c in resumed["sla"]}
    # 46 h of working-day time left: Thursday 12 h, Dragon Boat Friday and the weekend
    # skipped, Monday 24 h, Tuesday 10 h.
    assert due["first_response"] == "2026-06-23T02:00:00Z"
    assert [e["kind"] for e in resumed["events"]][-2:] == ["wait_on_customer", "resume"]


def test_resolving_stops_the_clocks_and_reopening_restarts_resolution(world, desk, clock):
    customer = world.login(Role.CUSTOMER, world.customer())
    agent = desk.agents[0].headers
    ticket = desk.open(customer, kind="complaint", subject="s", body="b")
    desk.say(agent, ticket["id"], "We are on it.")
    clock.advance(timedelta(hours=1))
    assert desk.act(agent, ticket["id"], "resolve", reason="refund made").status_code == 200
    states = {c["metric"]: c["state"] for c in desk.get(agent, ticket["id"])["sla"]}
    assert states == {"first_response": "met", "resolution": "met"}

    response = desk.act(customer, ticket["id"], "reopen", reason="refund did not arrive")
    assert response.status_code == 200
    clocks_now = {c["metric"]: c for c in response.json()["sla"]}
    assert clocks_now["resolution"]["stopped_at"] is None
    assert clocks_now["resolution"]["state"] == "on_track"
    assert clocks_now["first_response"]["state"] == "met"


def test_illegal_ticket_transitions_are_conflicts(world, desk):
    customer = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(customer)
    response = desk.act(desk.agents[0].headers, ticket["id"], "close")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert desk.act(customer, ticket["id"], "resolve", reason="x").status_code == 403


def test_reassignment_is_recorded_and_limited_to_owner_lead_or_supervisor(world, desk):
    customer = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(customer)
    other = desk.agents[1]
    response = world.client.post(
        f"/api/v1/tickets/{ticket['id']}/assign",
        json={"owner_id": other.id, "reason": "mine"},
        headers=other.headers,
    )
    assert response.status_code == 403
    response = world.client.post(
        f"/api/v1/tickets/{ticket['id']}/assign",
        json={"owner_id": other.id, "reason": "holiday cover"},
        headers=desk.lead.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] == other.id
    [event] = [e for e in response.json()["events"] if e["kind"] == "reassigned"]
    assert event["data"] == {"from_owner_id": desk.agents[0].id, "to_owner_id": other.id}
    assert event["reason"] == event["text"] == "holiday cover"  # a person's words, as typed


def test_a_complaint_records_category_severity_root_cause_and_remedy(world, desk):
    holder = world.customer()
    agent = desk.agents[0]
    ticket = desk.open(
        agent.headers,
        kind="complaint",
        channel="counter",
        customer_id=holder.id,
        priority="urgent",
        complaint={"category": "claim_delay", "severity": "high"},
    )
    assert ticket["complaint"]["category"] == "claim_delay"
    assert {c["metric"]: c["target_minutes"] for c in ticket["sla"]} == {
        "first_response": 24 * 60,
        "resolution": 120 * 60,
    }
    response = world.client.patch(
        f"/api/v1/tickets/{ticket['id']}/complaint",
        json={
            "root_cause": "documents lost",
            "remedy": "apology + expedited",
            "regulator_reportable": True,
        },
        headers=agent.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["complaint"] == {
        "category": "claim_delay",
        "severity": "high",
        "root_cause": "documents lost",
        "remedy": "apology + expedited",
        "regulator_reportable": True,
    }
    customer = world.login(Role.CUSTOMER, holder)
    assert desk.get(customer, ticket["id"])["complaint"] is None


def test_a_claim_inquiry_shows_the_claims_progress_and_timeline(world, desk):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(customer, world.policy(holder)).json()
    world.act(world.staff(Role.ADJUSTER), claim["id"], "start_review")
    ticket = desk.open(customer, kind="claim_inquiry", claim_id=claim["id"], subject="进度?")
    view = desk.get(desk.agents[0].headers, ticket["id"])
    assert view["policy_id"] == claim["policy_id"]
    assert view["claim"]["status"] == "under_review"
    kinds = [e["kind"] for e in view["claim"]["timeline"]]
    assert kinds[0] == "reported" and kinds[-1] == "start_review"
    assert view["claim"]["acknowledgement"]["state"] == "met"


def test_a_ticket_cannot_link_someone_elses_claim(world, desk):
    holder = world.customer()
    claim = world.report(world.login(Role.CUSTOMER, holder), world.policy(holder)).json()
    stranger = world.login(Role.CUSTOMER, world.customer())
    response = world.client.post(
        "/api/v1/tickets",
        json={"kind": "claim_inquiry", "subject": "s", "body": "b", "claim_id": claim["id"]},
        headers=stranger,
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "claim_id"}]
