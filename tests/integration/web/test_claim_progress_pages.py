"""The customer's claim page follows the claim: a progress tracker (where it is, what is
next, by when), and once decided no upload form and nothing "missing"."""

from __future__ import annotations

from tests.integration.web.test_portal_pages import _customer, _report

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


def test_an_open_claim_shows_where_it_is_what_is_next_and_by_when(world):
    _holder, policy, browser = _customer(world)
    claim_id = _report(browser, policy)
    page = browser.get(f"/claims/{claim_id}", headers=EN).text
    assert 'id="progress"' in page and 'aria-current="step"' in page
    assert 'id="progress-next"' in page and "Send the documents listed below" in page
    assert 'class="upload"' in page and "still missing" in page


def test_a_paid_claim_asks_for_nothing_more_in_either_language(world):
    holder, policy, browser = _customer(world)
    claim_id = _report(browser, policy, bank_account_id=str(holder.bank_accounts[0].id))
    world.settle(world.sign_in(world.last_username), claim_id, until="pay")
    english = browser.get(f"/claims/{claim_id}", headers=EN).text
    assert "The money has been paid" in english
    assert 'class="upload"' not in english and "still missing" not in english
    assert 'id="documents-decided"' in english
    chinese = browser.get(f"/claims/{claim_id}", headers=ZH).text
    assert "赔款已支付" in chinese and "尚缺" not in chinese
