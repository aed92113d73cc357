"""The claim timeline on the portal and staff pages says what the system wrote (stored as a
message key and parameters) in the page's language only, codes by their names."""

from __future__ import annotations

import html
import re

from claimdesk.documents.checklists import template
from claimdesk.security.enums import Role
from tests import samples
from tests.factories import keyed, said_in
from tests.integration.web.pages import signed_in
from tests.integration.web.test_portal_pages import _customer, _report

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


def _system_lines(page: str) -> list[str]:
    """The rendered system messages of a page's timeline."""
    timeline = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    found = re.findall(r'<p class="reason message">(.*?)</p>', timeline, re.S)
    return [html.unescape(text) for text in found]


def test_a_document_request_is_said_in_the_pages_language_to_customer_and_staff(world):
    holder, policy, browser = _customer(world)
    claim_id = _report(browser, policy)
    api = world.login(Role.CUSTOMER, holder)
    uploaded = world.client.post(
        f"/api/v1/claims/{claim_id}/documents",
        files={"file": ("invoice.pdf", samples.pdf(samples.INVOICE_ZH), "application/pdf")},
        headers=api,
    )
    assert uploaded.status_code == 201, uploaded.text
    request = next(e for e in world.timeline(api, claim_id) if e["kind"] == "request_documents")
    keyed(request, "history.documents_requested")
    first = template(request["data"]["documents"][0])

    staff = signed_in(world, Role.ADJUSTER)
    for reader, url in ((browser, f"/claims/{claim_id}"), (staff, f"/staff/claims/{claim_id}")):
        [english] = _system_lines(reader.get(url, headers=EN).text)
        assert english.startswith("Please provide the following: ")
        assert f"{first.name_en} (must show: " in english and said_in(english, "en")
        assert first.kind not in english  # the kind by its name, not its code
        [chinese] = _system_lines(reader.get(url, headers=ZH).text)
        assert chinese.startswith(f"请补充以下材料：{first.name_zh}（须显示：")
        assert chinese.endswith("。")
        assert said_in(chinese, "zh-CN") and "Please" not in chinese


def test_an_old_entry_with_a_reason_in_words_still_shows_it(world):
    _holder, policy, browser = _customer(world)
    claim_id = _report(browser, policy)
    adjuster = world.staff(Role.ADJUSTER)
    assert world.act(adjuster, claim_id, "start_review").status_code == 200
    denied = world.act(adjuster, claim_id, "deny", reason="保单不承保此项 / Not covered")
    assert denied.status_code == 200, denied.text
    english = browser.get(f"/claims/{claim_id}", headers=EN).text
    chinese = browser.get(f"/claims/{claim_id}", headers=ZH).text
    assert '<p class="reason">Not covered</p>' in english
    assert '<p class="reason">保单不承保此项</p>' in chinese
