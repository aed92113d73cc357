"""Reserve KPIs over the API: development by month and the adequacy flags."""

from __future__ import annotations

from datetime import timedelta

from claimdesk.security.enums import Role


def _report(world, customer, policy, amount, claim_type):
    response = world.report(customer, policy, amount=amount, claim_type=claim_type)
    assert response.status_code == 201, response.text
    return response.json()


def test_reserve_development_and_adequacy_flags(world, clock):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    big = _report(world, customer, world.policy(holder), "5000.00", "inpatient")  # 5500
    small_cover = world.policy(holder, sum_insured="900")
    near_limit = _report(world, customer, small_cover, "800.00", "outpatient")  # 800 of 900
    quiet = _report(world, customer, world.policy(holder), "100.00", "outpatient")
    clock.advance(timedelta(days=5))
    response = world.client.post(
        f"/api/v1/claims/{big['id']}/reserve",
        json={"amount": "7000.00", "reason": "Second operation / 二次手术"},
        headers=world.staff(Role.ADJUSTER),
    )
    assert response.status_code == 200, response.text
    clock.advance(timedelta(days=86))  # 91 days after the report, 86 after the change

    manager = world.staff(Role.SENIOR_ADJUSTER)
    response = world.client.get(
        "/api/v1/metrics/reserves", params={"from": "2026-06-01"}, headers=manager
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["period_to"] == "2026-09-14"
    months = {m["month"]: m for m in report["months"]}
    assert list(months) == ["2026-06", "2026-07", "2026-08", "2026-09"]
    for month in months.values():
        assert month["reserve_amount"] == "7900.00"  # 7000 + 800 + 100
        assert month["incurred_amount"] == "7900.00"
        assert month["claims_with_reserve"] == 3
    flags = {c["claim_id"]: c["flags"] for c in report["flagged_claims"]}
    assert flags == {
        big["id"]: ["incurred_over_initial"],
        near_limit["id"]: ["reserve_over_remaining_sum_insured", "reserve_unchanged"],
        quiet["id"]: ["reserve_unchanged"],
    }
    assert report["flag_counts"] == {
        "incurred_over_initial": 1,
        "reserve_over_remaining_sum_insured": 1,
        "reserve_unchanged": 2,
    }
    flagged_big = next(c for c in report["flagged_claims"] if c["claim_id"] == big["id"])
    assert flagged_big["initial_reserve_amount"] == "5500.00"
    assert flagged_big["incurred_amount"] == "7000.00"
    assert (report["incurred_over_initial_ratio"], report["unchanged_days"]) == ("1.25", 90)

    other_product = world.client.get(
        "/api/v1/metrics/reserves",
        params={"from": "2026-06-01", "product": "MOTOR-COMP"},
        headers=manager,
    ).json()
    assert other_product["flagged_claims"] == []
    assert {m["reserve_amount"] for m in other_product["months"]} == {"0.00"}


def test_a_withdrawn_claim_leaves_the_development_at_its_release(world, clock):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    username = world.last_username
    claim = _report(world, customer, world.policy(holder), "800.00", "outpatient")
    clock.advance(timedelta(days=31))  # into July
    customer = world.sign_in(username)  # the first token has expired
    world.act(customer, claim["id"], "withdraw", reason="Recovered / 已康复").raise_for_status()
    report = world.client.get(
        "/api/v1/metrics/reserves",
        params={"from": "2026-06-01", "to": "2026-07-31"},
        headers=world.login(Role.SUPERVISOR),
    ).json()
    june, july = report["months"]
    assert (june["reserve_amount"], july["reserve_amount"]) == ("800.00", "0.00")
    assert report["flagged_claims"] == []


def test_reserve_kpis_are_for_management_and_audit_only(world):
    for role in (Role.ADJUSTER, Role.AGENT):
        response = world.client.get("/api/v1/metrics/reserves", headers=world.staff(role))
        assert response.status_code == 403
    holder = world.customer()
    response = world.client.get(
        "/api/v1/metrics/reserves", headers=world.login(Role.CUSTOMER, holder)
    )
    assert response.status_code == 403
    response = world.client.get(
        "/api/v1/metrics/reserves",
        params={"from": "2026-06-10", "to": "2026-06-01"},
        headers=world.staff(Role.AUDITOR),
    )
    assert response.status_code == 422
