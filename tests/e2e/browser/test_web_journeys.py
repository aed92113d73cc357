"""Chromium (headless, Debian's build) drives a real `claimdesk serve` process: a customer
reports a claim and uploads its documents, staff decide and pay it, the customer sees the
payment and rates the service; an agent answers a ticket; the language switch changes the
whole page. Screenshots of the main pages land in artifacts/screenshots/."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from claimdesk.analytics.service import snapshot_folder
from claimdesk.security.enums import Role
from tests import samples
from tests.e2e.browser.conftest import DESKTOP, NEEDS_CHROMIUM, signed_in, user

SHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"

pytestmark = NEEDS_CHROMIUM


class Person:
    """One signed-in browser context (its own cookies), in one language."""

    def __init__(self, browser, base_url: str, username: str, locale: str) -> None:
        self.context, self.page = signed_in(browser, base_url, username, locale, DESKTOP)

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def switch_language(self) -> None:
        self.page.locator("form[action='/language'] button").click()
        self.page.wait_for_load_state()

    def shots(self, name: str) -> None:
        """The page in both languages (switching there and back)."""
        for _ in range(2):
            self.shot(f"{name}-{self.page.locator('html').get_attribute('lang')}")
            self.switch_language()

    def act(self, action: str, reason: str | None = None) -> None:
        """One action of the claim page; an assessment in the page's editor, a money
        action through its confirmation page."""
        if action == "assess" and self.page.locator("#assessment-form").count():
            if reason is not None:
                self.page.locator("#assess-reason").fill(reason)
            self.page.locator("#assess-submit").click()
            self.page.wait_for_load_state()
            return
        form = self.page.locator(f"#actions form:has(input[name=action][value={action}])")
        if reason is not None:
            form.locator("input[name=reason]").fill(reason)
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()
        if self.page.locator("#confirm-submit").count():
            self.page.locator("#confirm-submit").click()
            self.page.wait_for_load_state()


def test_a_claim_from_report_to_payment_and_rating_in_the_browser(
    world, base_url, browser, tmp_path
):
    holder = world.customer("王小明", name_en="Wang Xiaoming")
    today = date.today()
    policy = world.policy(
        holder, start=today - timedelta(days=200), end=today + timedelta(days=160)
    )
    customer = Person(browser, base_url, user(world, Role.CUSTOMER, holder), "zh-CN")
    page = customer.page
    customer.shots("portal-home")

    page.goto("/claims/new")
    page.locator("#policy_id").select_option(str(policy.id))
    page.locator("#claim_type").select_option("inpatient")
    page.wait_for_selector("text=出院小结", state="attached")
    page.locator("#incident_date").fill(str(today - timedelta(days=3)))
    page.locator("#description").fill("肺炎住院治疗")
    page.locator("#claimed_amount").fill("15000.00")
    page.locator("#bank_account_id").select_option(index=1)
    customer.shot("report-claim-zh-CN")
    page.locator("form.steps button[type=submit]").click()
    page.wait_for_selector("text=报案成功")
    claim_url = page.url

    for sample in samples.MEDICAL:
        page.locator("#file").set_input_files(
            files=[
                {
                    "name": f"{sample.name}.pdf",
                    "mimeType": "application/pdf",
                    "buffer": samples.pdf(sample),
                }
            ]
        )
        page.locator("form.upload button[type=submit]").click()
        page.wait_for_selector(f"text={sample.name}.pdf")
    page.wait_for_selector("#documents-complete")
    customer.shots("claim-documents-complete")

    page.goto("/assistant")
    page.locator("#text").fill("住院理赔需要提交哪些材料？")
    page.locator("form[action='/assistant'] button[type=submit]").click()
    page.wait_for_selector("#chat-log li.bot")
    assert "出院小结" in page.locator("#chat-log").inner_text()
    customer.shot("assistant-zh-CN")

    adjuster = Person(browser, base_url, user(world, Role.ADJUSTER), "en")
    adjuster.page.goto(claim_url.replace("/claims/", "/staff/claims/"))
    # Complete documents took the claim back to review on their own (submit_documents).
    for action in ("assess", "verify_coverage"):
        adjuster.act(action)
    assert adjuster.page.locator("#blocked-approve").is_visible()
    assert adjuster.page.locator("#actions input[value=approve]").count() == 0
    adjuster.shots("staff-claim")

    supervisor = Person(browser, base_url, user(world, Role.SUPERVISOR), "en")
    supervisor.page.goto(claim_url.replace("/claims/", "/staff/claims/"))
    supervisor.act("approve", "Covered inpatient treatment")
    # Segregation of duties: above 10,000 someone other than the approver releases it.
    adjuster.page.goto(claim_url.replace("/claims/", "/staff/claims/"))
    adjuster.act("pay")
    adjuster.act("close")
    supervisor.page.goto("/staff")
    supervisor.shots("workbench")
    # The served job runner's 15-minute snapshot may have been written before this claim
    # existed (at a quarter hour); without a fresh snapshot the dashboard reads the database.
    shutil.rmtree(snapshot_folder(tmp_path / "data"), ignore_errors=True)
    supervisor.page.goto("/staff/dashboards")
    assert supervisor.page.locator("svg.chart").count() >= 10
    supervisor.shots("dashboards")

    page.goto(claim_url)
    payments = page.locator("#payments")
    assert "CNY 11,200.00" in payments.inner_text()
    page.locator("input[name=score][value='5']").check()
    page.locator("#comment").fill("很快，谢谢")
    customer.shot("claim-timeline-payment-zh-CN")
    page.locator("#rate button[type=submit]").click()
    page.wait_for_selector("text=感谢您的评价")


def test_an_agent_answers_a_ticket_before_its_sla(world, base_url, browser):
    holder = world.customer()
    customer = Person(browser, base_url, user(world, Role.CUSTOMER, holder), "en")
    page = customer.page
    page.goto("/tickets/new")
    page.locator("#subject").fill("Deductible question")
    page.locator("#body").fill("What is the outpatient deductible?")
    page.locator("form[action='/tickets'] button[type=submit]").click()
    page.wait_for_selector("text=Your request has been sent")
    ticket_path = page.url.split(base_url, 1)[1]

    agent = Person(browser, base_url, user(world, Role.AGENT), "en")
    agent.page.goto("/staff?queue=tickets")
    agent.shots("ticket-inbox")
    agent.page.goto(f"/staff{ticket_path}")
    agent.page.locator("#canned").select_option("received")
    agent.page.wait_for_function("document.querySelector('#body').value.length > 0")
    agent.page.locator("form[action$='/messages'] button[type=submit]").click()
    agent.page.wait_for_selector("text=Reply sent.")
    assert "met" in agent.page.locator("#sla").inner_text()
    agent.shots("ticket-answered")

    page.goto(ticket_path)
    assert "Thank you for contacting us" in page.locator(".messages").inner_text()


def test_switching_language_changes_the_whole_page(world, base_url, browser):
    holder = world.customer()
    world.policy(holder)
    person = Person(browser, base_url, user(world, Role.CUSTOMER, holder), "en")
    page = person.page
    page.goto("/policies")
    english = page.locator("body").inner_text()
    assert "My policies" in english and page.locator("html").get_attribute("lang") == "en"
    person.shot("policies-en-switch")
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    chinese = page.locator("body").inner_text()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "我的保单" in chinese and "保障内容" in chinese
    for english_word in ("My policies", "What it covers", "Sign out", "Deductible"):
        assert english_word not in chinese
    person.shot("policies-zh-CN-switch")
