"""The customer portal as a browser sees it: sign-in, language, reporting a claim,
documents, the timeline, tickets and the satisfaction survey."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from claimdesk.security.enums import Role
from tests import samples
from tests.factories import PASSWORD
from tests.integration.web.pages import Browser, signed_in

CLAIM_FORM = {
    "claim_type": "outpatient",
    "incident_date": "2026-06-10",
    "incident_location": "北京",
    "description": "门诊治疗肺炎",
    "claimed_amount": "2034.50",
}


def _customer(world):
    holder = world.customer("王小明", name_en="Wang Xiaoming")
    policy = world.policy(holder)
    return holder, policy, signed_in(world, Role.CUSTOMER, holder)


def _report(browser: Browser, policy, **changes) -> int:
    browser.get("/claims/new")
    response = browser.post("/claims", {"policy_id": str(policy.id), **CLAIM_FORM, **changes})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[-1])


def test_pages_that_need_sign_in_send_the_visitor_to_login(client):
    response = client.get("/staff", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff"
    assert client.get("/claims/1", follow_redirects=False).headers["location"].startswith("/login")


def test_home_page_is_the_portal_not_the_api_explorer(client):
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Welcome to ClaimDesk" in page.text
    assert '<script src="/static/htmx.min.js"' in page.text
    assert client.get("/static/htmx.min.js").status_code == 200


def test_wrong_password_is_refused_with_the_username_kept(world):
    world.login(Role.AGENT)
    browser = Browser(TestClient(world.client.app))
    browser.get("/login", headers={"Accept-Language": "en"})
    page = browser.post(
        "/login",
        {"username": world.last_username, "password": "not-the-password"},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 401
    assert "Wrong username or password" in page.text
    assert f'value="{world.last_username}"' in page.text


def test_a_form_post_without_the_session_csrf_token_is_refused(world):
    _holder, policy, browser = _customer(world)
    browser.token = "forged"
    response = browser.post("/claims", {"policy_id": str(policy.id), **CLAIM_FORM})
    assert response.status_code == 403
    assert "并非来自本站" in response.text and "did not come" not in response.text
    english = browser.post(
        "/claims", {"policy_id": str(policy.id), **CLAIM_FORM}, headers={"Accept-Language": "en"}
    )
    assert english.status_code == 403 and "did not come from this site" in english.text


def test_session_cookie_is_httponly_and_samesite_lax(world):
    world.login(Role.AGENT)
    browser = Browser(TestClient(world.client.app))
    browser.get("/login")
    response = browser.post("/login", {"username": world.last_username, "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_language_follows_accept_language_until_the_user_chooses(world):
    _holder, _policy, browser = _customer(world)
    english = browser.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "My claims" in english.text
    chinese = browser.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-CN">' in chinese.text and "我的理赔" in chinese.text
    browser.post("/language", {"locale": "en", "next": "/"})
    chosen = browser.get("/", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in chosen.text and "我的理赔" not in chosen.text


def test_sign_out_ends_the_session(world):
    _holder, _policy, browser = _customer(world)
    browser.get("/")
    assert browser.post("/logout").status_code == 303
    assert browser.client.get("/policies", follow_redirects=False).status_code == 303


def test_customer_sees_policies_and_what_they_cover(world):
    _holder, policy, browser = _customer(world)
    page = browser.get("/policies", headers={"Accept-Language": "en"})
    assert policy.number in page.text
    assert "Outpatient" in page.text and "Deductible" in page.text


def test_claim_form_shows_the_documents_the_chosen_claim_type_needs(world):
    _holder, policy, browser = _customer(world)
    fragment = browser.get(
        f"/claims/new/coverage?policy_id={policy.id}&claim_type=outpatient",
        headers={"Accept-Language": "en"},
    )
    assert "Itemised medical invoice and expense list" in fragment.text
    assert "Outpatient" in fragment.text


def test_a_rejected_claim_form_keeps_what_was_typed_and_names_the_field(world):
    _holder, policy, browser = _customer(world)
    browser.get("/claims/new")
    page = browser.post(
        "/claims",
        {"policy_id": str(policy.id), **CLAIM_FORM, "claimed_amount": "lots"},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 422
    assert "Enter the amount you claim" in page.text
    assert 'aria-invalid="true" aria-describedby="claimed_amount-error"' in page.text
    assert "门诊治疗肺炎" in page.text and 'value="2026-06-10"' in page.text


def test_a_claim_in_the_future_is_refused_on_the_date_field(world):
    _holder, policy, browser = _customer(world)
    browser.get("/claims/new")
    page = browser.post(
        "/claims", {"policy_id": str(policy.id), **CLAIM_FORM, "incident_date": "2027-01-01"}
    )
    assert page.status_code == 422
    assert 'aria-describedby="incident_date-error"' in page.text


def test_customer_reports_a_claim_and_sees_its_checklist_and_timeline(world):
    _holder, policy, browser = _customer(world)
    claim_id = _report(browser, policy)
    page = browser.get(f"/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Your claim has been reported" in page.text
    assert "still missing" in page.text
    assert "Reported" in page.text


def test_uploading_a_document_answers_with_the_updated_checklist(world):
    _holder, policy, browser = _customer(world)
    claim_id = _report(browser, policy)
    browser.get(f"/claims/{claim_id}")
    fragment = browser.client.post(
        f"/claims/{claim_id}/documents",
        files={"file": ("invoice.pdf", samples.pdf(samples.INVOICE_ZH), "application/pdf")},
        headers={"HX-Request": "true", "X-CSRF-Token": browser.token, "Accept-Language": "en"},
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="documents"')
    assert "invoice.pdf" in fragment.text
    assert re.search(
        r"Itemised medical invoice and expense list</strong> —\s*received", fragment.text
    )


def test_an_unreadable_upload_is_refused_with_the_reason_on_the_page(world):
    _holder, policy, browser = _customer(world)
    claim_id = _report(browser, policy)
    browser.get(f"/claims/{claim_id}")
    fragment = browser.client.post(
        f"/claims/{claim_id}/documents",
        files={"file": ("notes.txt", b"just some text", "text/plain")},
        headers={"HX-Request": "true", "X-CSRF-Token": browser.token},
    )
    assert fragment.status_code == 200
    assert 'class="error" role="alert"' in fragment.text


def test_a_strangers_claim_is_not_found(world):
    _holder, policy, owner = _customer(world)
    claim_id = _report(owner, policy)
    stranger = signed_in(world, Role.CUSTOMER, world.customer())
    page = stranger.get(f"/claims/{claim_id}")
    assert page.status_code == 404
    assert "Traceback" not in page.text
    assert stranger.get(f"/claims/{claim_id}/documents").status_code == 404


def test_customers_cannot_open_the_staff_workbench(world):
    _holder, _policy, browser = _customer(world)
    assert browser.get("/staff").status_code == 404


def test_customer_opens_a_ticket_and_reads_the_reply(world):
    _holder, _policy, browser = _customer(world)
    browser.get("/tickets/new")
    response = browser.post(
        "/tickets", {"kind": "consultation", "subject": "保额问题", "body": "门诊的免赔额是多少？"}
    )
    assert response.status_code == 303, response.text
    page = browser.get(response.headers["location"])
    assert "门诊的免赔额是多少？" in page.text


def test_an_empty_ticket_is_refused_with_field_messages(world):
    _holder, _policy, browser = _customer(world)
    browser.get("/tickets/new")
    page = browser.post(
        "/tickets",
        {"kind": "consultation", "subject": "", "body": ""},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 422
    assert "Give your request a short title." in page.text


def test_repeated_wrong_passwords_lock_the_account_and_the_page_says_until_when(world):
    world.login(Role.AGENT)
    browser = Browser(TestClient(world.client.app))
    browser.get("/login")
    for _ in range(5):
        page = browser.post("/login", {"username": world.last_username, "password": "wrong-guess"})
    assert page.status_code == 423
    assert "分钟后再试" in page.text and "locked" not in page.text  # the reader's language
    refused = browser.post("/login", {"username": world.last_username, "password": PASSWORD})
    assert refused.status_code == 423
