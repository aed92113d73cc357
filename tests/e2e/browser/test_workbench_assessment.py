"""The workbench in Chromium on a 390 px phone: a handler edits the loss lines, adds one
and excludes it, watches the payout preview follow the typing, assesses, and sets the
reserve through its confirmation; the ticket inbox and its customer panel fit too."""

from __future__ import annotations

from datetime import timedelta

from claimdesk.security.enums import Role
from tests.e2e.browser.conftest import NEEDS_CHROMIUM, OVERFLOW, PHONE, signed_in, user

pytestmark = NEEDS_CHROMIUM


def test_a_handler_assesses_on_a_phone_with_the_preview_following_the_typing(
    world, base_url, browser
):
    holder = world.customer()
    today = world.now.date()  # the in-process client's clock reports the claim
    policy = world.policy(
        holder, start=today - timedelta(days=200), end=today + timedelta(days=160)
    )
    api = world.login(Role.CUSTOMER, holder)
    reported = world.report(
        api, policy, amount="3000.00", incident_date=str(today - timedelta(days=3))
    )
    assert reported.status_code == 201, reported.text
    claim = reported.json()
    handler = user(world, Role.SENIOR_ADJUSTER)
    assert world.act(world.sign_in(handler), claim["id"], "start_review").status_code == 200

    context, page = signed_in(browser, base_url, handler, "en", PHONE)
    page.goto(f"/staff/claims/{claim['id']}")
    assert page.evaluate(OVERFLOW) <= 0
    page.wait_for_selector("#preview-total")  # the preview loads with the page
    assert "payable" in page.locator("#preview-total").inner_text()

    page.locator("#line-amount-1").fill("2000.00")
    page.wait_for_selector("#preview-total:has-text('Claimed CNY 2,000.00')")
    page.locator("#add-line").click()
    new_row = page.locator("fieldset.loss-line").last
    assert new_row.locator("legend").inner_text() == "Loss line 3"
    new_row.locator("input[name=line_description]").fill("Cosmetic filler")
    new_row.locator("input[name=line_amount]").fill("500.00")
    new_row.locator("select[name=line_exclusion]").select_option("cosmetic")
    page.wait_for_selector("#payout-preview:has-text('Cosmetic treatment')")
    assert "Claimed CNY 2,500.00" in page.locator("#preview-total").inner_text()
    assert page.evaluate(OVERFLOW) <= 0

    page.locator("#assess-submit").click()
    page.wait_for_selector("text=Done.")
    assert "Cosmetic filler" in page.locator("#loss-lines").inner_text()
    assert "Cosmetic treatment" in page.locator("#loss-lines").inner_text()

    page.locator("#reserve-new").fill("1800.00")
    page.locator("#reserve-reason").fill("As assessed")
    page.locator("#reserve-form button[type=submit]").click()
    page.wait_for_selector("#confirm-what")
    assert "CNY 1,800.00" in page.locator("#confirm-what").inner_text()
    assert page.evaluate(OVERFLOW) <= 0
    page.locator("#confirm-submit").click()
    page.wait_for_selector("text=Reserve changed.")
    assert "CNY 1,800.00" in page.locator("#reserve-amount").inner_text()
    context.close()


def test_the_ticket_inbox_and_customer_panel_fit_a_phone(world, base_url, browser):
    holder = world.customer()
    policy = world.policy(holder)
    world.report(world.login(Role.CUSTOMER, holder), policy)
    customer = user(world, Role.CUSTOMER, holder)
    opened = world.client.post(
        "/api/v1/tickets",
        json={"kind": "consultation", "subject": "免赔额是多少", "body": "请问门诊免赔额？"},
        headers=world.sign_in(customer),
    )
    assert opened.status_code == 201, opened.text
    supervisor = user(world, Role.SUPERVISOR)
    for locale in ("zh-CN", "en"):
        context, page = signed_in(browser, base_url, supervisor, locale, PHONE)
        for path in ("/staff?queue=tickets", f"/staff/tickets/{opened.json()['id']}"):
            page.goto(path)
            assert page.evaluate(OVERFLOW) <= 0, (locale, path)
        assert page.locator("#customer-panel").is_visible()
        assert page.locator("#assign-form button[type=submit]").is_visible()
        context.close()
