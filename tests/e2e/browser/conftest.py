"""What the browser tests share: Debian's Chromium driven by Playwright (no browser download),
a real `claimdesk serve` process (the fixture of tests/e2e/test_served_process.py), signed-in
browser contexts, and the phone's size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claimdesk.security.enums import Role
from tests.e2e.test_served_process import server  # noqa: F401 - a fixture, used by name
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium package (bash scripts/setup --dev)"
)
TIMEOUT_MS = 60_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1200, "height": 900}
# How far the page reaches past the right edge of a 390 px screen (0: it fits).
OVERFLOW = (
    f"Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - {PHONE['width']}"
)


@pytest.fixture
def base_url(server) -> str:  # noqa: F811 - the fixture imported above
    """The served process's address, for Playwright's base_url."""
    return str(server.base_url).rstrip("/")


@pytest.fixture
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


def user(world, role: Role, customer=None) -> str:
    """A new user of this role (a customer's login when ``customer``); its username."""
    world.login(role, customer)
    return str(world.last_username)


def signed_in(
    browser: Any,
    base_url: str,
    username: str,
    locale: str,
    viewport: dict[str, int] = PHONE,
    *,
    password: str = PASSWORD,
    **options: Any,
) -> tuple[Any, Any]:
    """A new browser context (its own cookies) in ``locale``, signed in: (context, page).
    ``options`` go to the context (``bypass_csp=True`` to inject a test's script)."""
    context = browser.new_context(base_url=base_url, locale=locale, viewport=viewport, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_load_state()
    return context, page
