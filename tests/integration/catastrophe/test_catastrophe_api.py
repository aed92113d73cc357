"""Catastrophe mode over the API: declare an event, bulk intake (good, bad, duplicate and
re-sent rows), triage kept current by routing and lifecycle events, the queue, the summary,
and who may see what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from claimdesk.catastrophe.models import CatastropheClaim
from claimdesk.claims.models import Claim
from claimdesk.fraud import service as fraud
from claimdesk.fraud.evidence import StoredDocuments
from claimdesk.security.enums import Role

API = "/api/v1/catastrophes"
EVENT = {
    "code": "TY-2026-HAIKUI",
    "name_zh": "台风海葵",
    "name_en": "Typhoon Haikui",
    "peril": "typhoon",
    "region": "浙江 Zhejiang",
    "started_at": "2026-06-01T00:00:00+08:00",
}


def _declare(world, **change) -> int:
    response = world.client.post(
        API, json={**EVENT, **change}, headers=world.staff(Role.SUPERVISOR)
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _row(ref: str, policy, claim_type: str, amount: str = "8000.00", **extra) -> dict:
    return {
        "external_ref": ref,
        "policy_number": policy.number,
        "claim_type": claim_type,
        "incident_date": "2026-06-02",
        "incident_location": "宁波 Ningbo",
        "description": "台风损失 / Typhoon loss",
        "claimed_amount": amount,
        **extra,
    }


def _intake(world, event_id: int, rows: list[dict], headers=None):
    return world.client.post(
        f"{API}/{event_id}/claims", json=rows, headers=headers or world.staff(Role.AGENT)
    )


def _claims(session) -> int:
    return session.scalar(select(func.count()).select_from(Claim))


@pytest.fixture
def policies(world):
    holder = world.customer()
    return {code: world.policy(holder, code) for code in ("MED-HOSP", "MOTOR-COMP", "ACC-PLUS")}


def test_supervisors_declare_list_and_close_events_and_a_closed_event_takes_no_claims(
    world, policies
):
    event_id = _declare(world)
    agent = world.staff(Role.AGENT)
    assert world.client.post(API, json=EVENT, headers=agent).status_code == 403
    again = world.client.post(API, json=EVENT, headers=world.staff(Role.SUPERVISOR))
    assert again.status_code == 409
    listed = world.client.get(API, headers=agent).json()
    assert [(e["code"], e["status"], e["peril"]) for e in listed] == [
        ("TY-2026-HAIKUI", "open", "typhoon")
    ]

    closed = world.client.post(f"{API}/{event_id}/close", headers=world.staff(Role.SUPERVISOR))
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
    refused = _intake(world, event_id, [_row("A-1", policies["MED-HOSP"], "inpatient")])
    assert refused.status_code == 409
    assert "TY-2026-HAIKUI was closed" in refused.json()["error"]["message"]
    assert (
        world.client.post(
            f"{API}/{event_id}/close", headers=world.staff(Role.SUPERVISOR)
        ).status_code
        == 409
    )


def test_bulk_intake_answers_each_row_and_a_resent_file_creates_nothing_twice(
    world, policies, session
):
    event_id = _declare(world)
    rows = [
        _row("CC-001", policies["MED-HOSP"], "inpatient"),
        _row(
            "CC-002",
            policies["MOTOR-COMP"],
            "vehicle_damage",
            amount="",
            loss_lines=[
                {"description": "Windscreen / 挡风玻璃", "amount": "1200.00"},
                {"description": "Roof dent / 车顶凹陷", "amount": "2300.00"},
            ],
        ),
        _row("CC-003", policies["MED-HOSP"], "vehicle_damage"),  # not a cover of the product
        {**_row("CC-004", policies["MED-HOSP"], "inpatient"), "policy_number": "NOPE-1"},
        {**_row("CC-005", policies["MED-HOSP"], "inpatient"), "description": ""},
        _row("CC-006", policies["MED-HOSP"], "inpatient", incident_date="2026-05-20"),
        _row("CC-001", policies["MED-HOSP"], "inpatient"),  # the same row twice in the file
        _row("CC-002", policies["MOTOR-COMP"], "vehicle_damage", amount="999.00"),  # reused ref
        "not a row",
    ]
    rows[1].pop("claimed_amount")
    response = _intake(world, event_id, rows)
    assert response.status_code == 200, response.text
    body = response.json()
    outcomes = [(r["line"], r["external_ref"], r["outcome"]) for r in body["rows"]]
    assert outcomes == [
        (1, "CC-001", "created"),
        (2, "CC-002", "created"),
        (3, "CC-003", "rejected"),
        (4, "CC-004", "rejected"),
        (5, "CC-005", "rejected"),
        (6, "CC-006", "rejected"),
        (7, "CC-001", "already_present"),
        (8, "CC-002", "rejected"),
        (9, None, "rejected"),
    ]
    assert (body["created"], body["already_present"], body["rejected"]) == (2, 1, 6)
    reasons = {r["external_ref"]: r["reason"] for r in body["rows"][2:6]}
    assert "'vehicle_damage' is not a coverage" in reasons["CC-003"]
    assert reasons["CC-004"] == "Policy NOPE-1 does not exist."
    assert reasons["CC-005"].startswith("description:")
    assert "before event TY-2026-HAIKUI started (2026-06-01)" in reasons["CC-006"]
    assert "already used" in body["rows"][7]["reason"]
    assert body["rows"][6]["claim_id"] == body["rows"][0]["claim_id"]
    car = world.claim(world.staff(Role.ADJUSTER), body["rows"][1]["claim_id"])
    assert car["claimed_amount"] == "3500.00" and car["channel"] == "api"
    assert len(car["loss_lines"]) == 2
    assert _claims(session) == 2

    resent = _intake(world, event_id, rows).json()
    assert (resent["created"], resent["already_present"], resent["rejected"]) == (0, 3, 6)
    assert [r["claim_id"] for r in resent["rows"][:2]] == [r["claim_id"] for r in body["rows"][:2]]
    assert _claims(session) == 2


def test_more_rows_than_the_cap_are_refused_whole_with_the_limit(world, policies, session):
    event_id = _declare(world)
    rows = [_row(f"R-{n}", policies["MED-HOSP"], "inpatient") for n in range(501)]
    response = _intake(world, event_id, rows)
    assert response.status_code == 422
    assert "at most 500" in response.json()["error"]["message"]
    assert _claims(session) == 0


def test_customers_may_not_see_events_queues_or_load_claims(world, policies):
    event_id = _declare(world)
    customer = world.login(Role.CUSTOMER, world.customer())
    for method, path in [
        ("GET", API),
        ("GET", f"{API}/{event_id}"),
        ("GET", f"{API}/{event_id}/queue"),
        ("POST", f"{API}/{event_id}/close"),
    ]:
        assert world.client.request(method, path, headers=customer).status_code == 403
    refused = _intake(world, event_id, [_row("X", policies["MED-HOSP"], "inpatient")], customer)
    assert refused.status_code == 403
    auditor = world.staff(Role.AUDITOR)
    assert world.client.get(f"{API}/{event_id}/queue", headers=auditor).status_code == 200
    assert _intake(world, event_id, [], auditor).status_code == 403
    assert world.client.get(f"{API}/987654", headers=auditor).status_code == 404


def test_the_queue_puts_people_before_property_and_large_before_small(world, policies):
    event_id = _declare(world)
    rows = [
        _row("car-small", policies["MOTOR-COMP"], "vehicle_damage", amount="2000.00"),
        _row("car-large", policies["MOTOR-COMP"], "vehicle_damage", amount="60000.00"),
        _row("hospital", policies["MED-HOSP"], "inpatient", amount="12000.00"),
        _row("death", policies["ACC-PLUS"], "accidental_death_disability", amount="50000.00"),
    ]
    assert _intake(world, event_id, rows).json()["created"] == 4
    staff = world.staff(Role.ADJUSTER)
    queue = world.client.get(f"{API}/{event_id}/queue", headers=staff).json()
    assert [(q["external_ref"], q["lane"], q["priority"]) for q in queue] == [
        ("death", "injury", 1),
        ("hospital", "injury", 15),
        ("car-large", "standard", 45),
        ("car-small", "standard", 55),
    ]
    assert queue[0]["status"] == "reported" and queue[0]["claimed_amount"] == "50000.00"
    assert queue[0]["reasons_en"][0].startswith("Injury lane")
    assert queue[0]["reasons_zh"][0].startswith("人伤通道")
    page = world.client.get(f"{API}/{event_id}/queue?lane=standard&limit=1&offset=1", headers=staff)
    assert [q["external_ref"] for q in page.json()] == ["car-small"]
    unknown = world.client.get(f"{API}/{event_id}/queue?lane=vip", headers=staff)
    assert unknown.status_code == 422 and "standard" in unknown.json()["error"]["message"]

    agent = world.staff(Role.AGENT)
    withdrawn = world.act(agent, queue[-1]["claim_id"], "withdraw", reason="Customer withdrew")
    assert withdrawn.status_code == 200, withdrawn.text
    open_refs = [
        q["external_ref"] for q in world.client.get(f"{API}/{event_id}/queue", headers=staff).json()
    ]
    assert "car-small" not in open_refs
    everything = world.client.get(f"{API}/{event_id}/queue?include_done=true", headers=staff)
    assert [q["status"] for q in everything.json()][-1] == "withdrawn"

    summary = world.client.get(f"{API}/{event_id}", headers=staff).json()
    assert summary["claims"] == 4
    assert summary["by_lane"] == {"injury": 2, "standard": 2}
    assert summary["by_status"] == {"reported": 3, "withdrawn": 1}
    assert summary["total_claimed"] == "124000.00"
    assert summary["total_approved"] == summary["total_paid"] == "0.00"


def test_referral_to_siu_moves_the_claim_to_the_specialist_lane_at_once(world, policies):
    event_id = _declare(world)
    claim_id = _intake(world, event_id, [_row("S-1", policies["MED-HOSP"], "inpatient")]).json()[
        "rows"
    ][0]["claim_id"]
    referred = world.act(world.staff(Role.SUPERVISOR), claim_id, "refer_to_siu", reason="Tip-off")
    assert referred.status_code == 200, referred.text
    item = world.client.get(f"{API}/{event_id}/queue", headers=world.staff(Role.ADJUSTER)).json()[0]
    assert item["lane"] == "specialist"
    assert "referred to SIU" in item["reasons_en"][0]


def test_straight_through_claims_are_fast_lane_and_leave_the_queue_once_paid_with_their_papers(
    world, container, monkeypatch
):
    monkeypatch.setattr(container.settings, "risk_routing", True)
    monkeypatch.setattr(container.settings, "stp_max_amount", Decimal("3000"))
    holder = world.customer()
    policy = world.policy(holder, "ACC-PLUS")
    event_id = _declare(world)
    row = _row(
        "STP-1",
        policy,
        "accidental_medical",
        amount="800.00",
        bank_account_id=holder.bank_accounts[0].id,
        loss_lines=[{"description": "X-ray / 拍片", "amount": "800.00"}],
    )
    created = _intake(world, event_id, [row]).json()["rows"][0]
    assert created["lane"] == "fast"  # eligible when triaged at intake, before routing
    staff = world.staff(Role.ADJUSTER)
    # Routing ran on commit; straight-through payment waits for the claim's papers.
    assert world.claim(staff, created["claim_id"])["status"] == "reported"
    world.evidence(world.login(Role.CUSTOMER, holder), created["claim_id"])
    assert world.claim(staff, created["claim_id"])["status"] == "paid"
    assert world.client.get(f"{API}/{event_id}/queue", headers=staff).json() == []
    done = world.client.get(f"{API}/{event_id}/queue?include_done=true", headers=staff).json()
    assert [(q["status"], q["lane"]) for q in done] == [("paid", "fast")]
    summary = world.client.get(f"{API}/{event_id}", headers=staff).json()
    assert summary["total_paid"] == summary["total_approved"] != "0.00"


def test_triage_follows_the_routing_job_when_it_finishes(world, container, policies, clock):
    event_id = _declare(world)
    claim_id = _intake(world, event_id, [_row("R-1", policies["MED-HOSP"], "inpatient")]).json()[
        "rows"
    ][0]["claim_id"]
    clock.advance(timedelta(minutes=5))  # the background job runs later
    with container.sessions.begin() as session:
        route = fraud.route_claim(
            session,
            claim_id=claim_id,
            now=clock.now(),
            settings=container.settings,
            evidence=StoredDocuments(),
        )
    assert route == "review"  # no lifecycle step: only the routing event can retriage
    with container.sessions() as session:
        link = session.scalars(select(CatastropheClaim)).one()
        assert link.triaged_at == clock.now()
        assert link.lane == "injury"
