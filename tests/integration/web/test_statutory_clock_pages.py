"""Statutory clocks on the claim pages (customer and staff, each language), the nearest
one in the staff queues, and the advance payment form on the staff claim page."""

from __future__ import annotations

from claimdesk.security.enums import Role
from tests.integration.web.pages import signed_in


def _assessed_claim(world):
    holder = world.customer("郑洁", name_en="Zheng Jie")
    policy = world.policy(holder)
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(
        customer, policy, amount="5200.00", bank_account_id=holder.bank_accounts[0].id
    ).json()
    adjuster = world.staff(Role.ADJUSTER)
    assert world.act(adjuster, claim["id"], "start_review").status_code == 200
    world.evidence(customer, claim["id"])
    assert world.act(adjuster, claim["id"], "assess").status_code == 200
    return holder, claim


def test_the_customer_sees_the_clocks_in_their_language(world):
    holder, claim = _assessed_claim(world)
    browser = signed_in(world, Role.CUSTOMER, holder)
    page = browser.get(f"/claims/{claim['id']}", headers={"Accept-Language": "zh-CN"})
    assert 'id="statutory-clocks"' in page.text
    assert "材料齐全后30日内作出核定" in page.text and "进行中" in page.text
    page = browser.get(f"/claims/{claim['id']}", headers={"Accept-Language": "en"})
    assert "Decision within 30 days of a complete claim" in page.text
    assert "材料齐全" not in page.text


def test_staff_queues_show_the_nearest_statutory_clock(world):
    _, claim = _assessed_claim(world)
    adjuster = signed_in(world, Role.ADJUSTER)
    page = adjuster.get("/staff?queue=handling", headers={"Accept-Language": "en"})
    assert claim["number"] in page.text
    assert "Decision (30 days)" in page.text


def test_a_senior_adjuster_pays_an_advance_from_the_claim_page(world):
    _, claim = _assessed_claim(world)
    senior = signed_in(world, Role.SENIOR_ADJUSTER)
    page = senior.get(f"/staff/claims/{claim['id']}", headers={"Accept-Language": "en"})
    assert 'id="advance-payment"' in page.text
    response = senior.post(f"/claims/{claim['id']}/advance-payment", {"amount": "800.00"})
    assert response.status_code == 303
    view = world.claim(world.staff(Role.ADJUSTER), claim["id"])
    assert view["paid_amount"] == "800.00" and view["status"] == "assessed"
    # Too much comes back as an error on the page and pays nothing.
    senior.post(f"/claims/{claim['id']}/advance-payment", {"amount": "999999.00"})
    assert world.claim(world.staff(Role.ADJUSTER), claim["id"])["paid_amount"] == "800.00"
