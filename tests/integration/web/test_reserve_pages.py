"""The staff claim page shows the case reserve (outstanding, paid, incurred) and its
history, and lets a handler change it with a reason, in the reader's language."""

from __future__ import annotations

from claimdesk.security.enums import Role
from tests.integration.web.pages import signed_in


def _claim(world) -> int:
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    return world.report(customer, world.policy(holder), amount="5000.00").json()["id"]


def test_the_claim_page_shows_the_reserve_and_its_history(world):
    claim_id = _claim(world)
    adjuster = signed_in(world, Role.ADJUSTER)
    page = adjuster.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert "Outstanding reserve" in page.text
    assert "Incurred (paid + outstanding)" in page.text
    assert 'id="reserve-form"' in page.text
    assert "Set at report" in page.text
    assert "claimed amount × 1.10" in page.text
    zh = adjuster.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "zh-CN"})
    assert "未决准备金" in zh.text and "报案时立案" in zh.text


def test_a_handler_changes_the_reserve_from_the_page(world):
    claim_id = _claim(world)
    adjuster = signed_in(world, Role.ADJUSTER)
    adjuster.get(f"/staff/claims/{claim_id}")
    response = adjuster.post(
        f"/staff/claims/{claim_id}/reserve", {"amount": "6100.00", "reason": "Surgery planned"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/claims/{claim_id}"
    page = adjuster.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert "Reserve changed." in page.text
    assert "Surgery planned" in page.text
    assert world.claim(world.staff(Role.AUDITOR), claim_id)["reserve_amount"] == "6100.00"


def test_a_negative_reserve_from_the_page_is_explained_in_the_readers_language(world):
    claim_id = _claim(world)
    adjuster = signed_in(world, Role.ADJUSTER)
    adjuster.get(f"/staff/claims/{claim_id}")
    adjuster.post(f"/staff/claims/{claim_id}/reserve", {"amount": "-5", "reason": "oops"})
    page = adjuster.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "zh-CN"})
    assert "准备金不能为负数。" in page.text
    assert "cannot be negative" not in page.text
    adjuster.post(
        f"/staff/claims/{claim_id}/reserve",
        {"amount": "lots", "reason": "oops"},
        headers={"Accept-Language": "en"},
    )
    page = adjuster.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert "at most two decimal places" in page.text
    assert world.claim(world.staff(Role.AUDITOR), claim_id)["reserve_amount"] == "5500.00"


def test_staff_who_do_not_handle_claims_see_the_reserve_but_no_form(world):
    claim_id = _claim(world)
    auditor = signed_in(world, Role.AUDITOR)
    page = auditor.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert "Outstanding reserve" in page.text
    assert 'id="reserve-form"' not in page.text
    response = auditor.post(
        f"/staff/claims/{claim_id}/reserve", {"amount": "1.00", "reason": "not mine"}
    )
    assert response.status_code in (303, 403)
    assert world.claim(world.staff(Role.AUDITOR), claim_id)["reserve_amount"] == "5500.00"


def test_the_dashboards_show_reserve_development_and_flags(world):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    small = world.policy(holder, sum_insured="900")
    claim = world.report(customer, small, amount="800.00", claim_type="outpatient").json()
    supervisor = signed_in(world, Role.SUPERVISOR)
    page = supervisor.get(
        "/staff/dashboards?first=2026-05-01&last=2026-06-30", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    assert "Outstanding reserve at month end" in page.text
    assert "Incurred at month end" in page.text
    assert f'<a href="/staff/claims/{claim["id"]}">{claim["number"]}</a>' in page.text
    assert "Reserve above 80.0% of the remaining sum insured" in page.text
    zh = supervisor.get("/staff/dashboards", headers={"Accept-Language": "zh-CN"})
    assert "月末未决准备金" in zh.text and "准备金超过剩余保额的 80.0%" in zh.text
