"""Phone first: at 390×844 (a common phone) no page of the portal or the workbench is wider
than the screen, in either language (Chromium, Debian's build, against `claimdesk serve`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from claimdesk.security.enums import Role
from tests.e2e.browser.test_web_journeys import CHROMIUM, TIMEOUT_MS, _user
from tests.factories import PASSWORD

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package")


@pytest.fixture
def chromium() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


PHONE = {"width": 390, "height": 844}
# How far the page reaches past the right edge of a 390 px screen (0: it fits).
OVERFLOW = (
    f"Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - {PHONE['width']}"
)


def _overflow(chromium: Any, base_url: str, username: str, locale: str, paths: list[str]) -> dict:
    context = chromium.new_context(base_url=base_url, locale=locale, viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_load_state()
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


def test_no_customer_or_staff_page_is_wider_than_a_phone(world, server, chromium):
    base_url = str(server.base_url).rstrip("/")
    holder = world.customer("王小明", name_en="Wang Xiaoming")
    today = date.today()
    policy = world.policy(
        holder, start=today - timedelta(days=200), end=today + timedelta(days=160)
    )
    customer = _user(world, Role.CUSTOMER, holder)
    claim = world.report(
        world.sign_in(customer),
        policy,
        amount="15000.00",
        claim_type="inpatient",
        bank_account_id=holder.bank_accounts[0].id,
    ).json()
    adjuster = _user(world, Role.ADJUSTER)
    customer_pages = ["/", "/policies", "/claims/new", f"/claims/{claim['id']}", "/tickets"]
    staff_pages = [
        "/staff",
        "/staff?queue=tickets",
        f"/staff/claims/{claim['id']}",
        "/staff/intake",
    ]
    too_wide = {}
    for locale in ("zh-CN", "en"):
        too_wide |= _overflow(chromium, base_url, customer, locale, customer_pages)
        too_wide |= _overflow(chromium, base_url, adjuster, locale, staff_pages)
    assert too_wide == {}, f"pages wider than {PHONE['width']} px (excess px): {too_wide}"
