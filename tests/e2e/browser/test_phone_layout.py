"""Phone first: at 390×844 (a common phone) no page of the portal or the workbench is wider
than the screen, in either language (Chromium, Debian's build, against `claimdesk serve`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from claimdesk.security.enums import Role
from tests.e2e.browser.conftest import NEEDS_CHROMIUM, OVERFLOW, PHONE, signed_in, user

pytestmark = NEEDS_CHROMIUM


def _overflow(browser: Any, base_url: str, username: str, locale: str, paths: list[str]) -> dict:
    context, page = signed_in(browser, base_url, username, locale, PHONE)
    too_wide = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, locale)
        assert page.locator("html").get_attribute("lang") == locale
        excess = page.evaluate(OVERFLOW)
        if excess > 0:
            too_wide[f"{locale} {path}"] = excess
    context.close()
    return too_wide


def test_no_customer_or_staff_page_is_wider_than_a_phone(world, base_url, browser):
    holder = world.customer("王小明", name_en="Wang Xiaoming")
    today = date.today()
    policy = world.policy(
        holder, start=today - timedelta(days=200), end=today + timedelta(days=160)
    )
    customer = user(world, Role.CUSTOMER, holder)
    claim = world.report(
        world.sign_in(customer),
        policy,
        amount="15000.00",
        claim_type="inpatient",
        bank_account_id=holder.bank_accounts[0].id,
    ).json()
    adjuster = user(world, Role.ADJUSTER)
    customer_pages = ["/", "/policies", "/claims/new", f"/claims/{claim['id']}", "/tickets"]
    staff_pages = [
        "/staff",
        "/staff?queue=tickets",
        f"/staff/claims/{claim['id']}",
        "/staff/intake",
    ]
    too_wide = {}
    for locale in ("zh-CN", "en"):
        too_wide |= _overflow(browser, base_url, customer, locale, customer_pages)
        too_wide |= _overflow(browser, base_url, adjuster, locale, staff_pages)
    assert too_wide == {}, f"pages wider than {PHONE['width']} px (excess px): {too_wide}"
