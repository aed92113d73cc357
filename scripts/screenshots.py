"""Screenshots of the main pages in both languages for docs/screenshots/, taken in Chromium
(Debian's build, through Playwright) from a server holding the demo data set:

    export CLAIMDESK_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/demo
    export CLAIMDESK_DATA_DIR=/tmp/demo
    .venv/bin/claimdesk demo
    .venv/bin/claimdesk serve --port 8000 &
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000

Pages: the portal home, a customer's paid claim, reporting a claim and the assistant (demo
customer1); the workbench, a claim awaiting a decision and the ticket inbox (supervisor);
the dashboards (supervisor). Each as <page>-zh-CN.png and <page>-en.png, 1200 px wide.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LOCALES = ("zh-CN", "en")
QUESTION = {
    "zh-CN": "住院理赔需要提交哪些材料？",
    "en": "Which documents does an inpatient claim need?",
}


def signed_in(browser: Any, base_url: str, username: str, locale: str) -> Any:
    """A page signed in as a demo user (password: <username>-demo-1)."""
    context = browser.new_context(
        base_url=base_url, locale=locale, viewport={"width": 1200, "height": 900}
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(f"{username}-demo-1")
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_load_state()
    return page


def links(page: Any, prefix: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
    return [h for h in hrefs if h.startswith(prefix) and h.split("/")[-1].isdigit()]


def paid_claim(page: Any) -> str:
    """The first claim on the customer's home page that shows a payment."""
    page.goto("/")
    claims = links(page, "/claims/")
    for href in claims:
        page.goto(href)
        if page.locator("#payments").count():
            return href
    return claims[0]


def shoot(page: Any, path: str, name: str, locale: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}-{locale}.png"), full_page=True)
    print(f"{name}-{locale}.png  {path}")


def main(base_url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        for locale in LOCALES:
            customer = signed_in(browser, base_url, "customer1", locale)
            shoot(customer, "/", "portal-home", locale)
            shoot(customer, paid_claim(customer), "claim", locale)
            shoot(customer, "/claims/new", "report-claim", locale)
            customer.goto("/assistant")
            customer.locator("#text").fill(QUESTION[locale])
            customer.locator("form[action='/assistant'] button[type=submit]").click()
            customer.wait_for_selector("#chat-log li.bot")
            customer.screenshot(path=str(OUT / f"assistant-{locale}.png"), full_page=True)
            print(f"assistant-{locale}.png  /assistant")

            supervisor = signed_in(browser, base_url, "supervisor", locale)
            shoot(supervisor, "/staff", "workbench", locale)
            supervisor.goto("/staff?queue=decision")
            decision = links(supervisor, "/staff/claims/") or ["/staff"]
            shoot(supervisor, decision[0], "staff-claim", locale)
            shoot(supervisor, "/staff?queue=tickets", "ticket-inbox", locale)
            shoot(supervisor, "/staff/dashboards", "dashboards", locale)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
