"""The workbench does the whole job: a claim assessed on loss lines entered in the page
(one excluded), its payout previewed as typed, its reserve changed, approved and paid in
two parts, each money step through its confirmation page."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from claimdesk.security.enums import Role
from tests.integration.web.pages import Browser, signed_in

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _reported(world, amount: str = "3000.00") -> tuple[int, dict[str, str]]:
    holder = world.customer()
    policy = world.policy(holder)
    customer = world.login(Role.CUSTOMER, holder)
    claim_id = world.report(customer, policy, amount=amount).json()["id"]
    return claim_id, customer


def _confirmed(browser: Browser, claim_id: int, form: dict[str, str], expect: str) -> str:
    """Post a money form to the confirmation page, check what it says, then confirm with
    exactly the fields the page carries; returns where the confirmation went."""
    page = browser.client.post(
        f"/staff/claims/{claim_id}/confirm",
        data={"csrf_token": browser.token, **form},
        headers=EN,
    )
    assert page.status_code == 200, page.text
    assert expect in html.unescape(page.text), page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text.split('id="confirm"')[1])
    assert action
    fields = dict(_HIDDEN.findall(page.text))
    fields.pop("csrf_token")
    response = browser.post(action.group(1), {k: html.unescape(v) for k, v in fields.items()})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def _lines(*rows: tuple[str, str, str, str]) -> dict[str, list[str]]:
    return {
        "line_coverage": [r[0] for r in rows],
        "line_description": [r[1] for r in rows],
        "line_amount": [r[2] for r in rows],
        "line_exclusion": [r[3] for r in rows],
    }


def test_a_claim_is_assessed_reserved_approved_and_paid_in_the_workbench(world):
    claim_id, customer = _reported(world)
    handler = signed_in(world, Role.SENIOR_ADJUSTER)
    handler.get(f"/staff/claims/{claim_id}")
    handler.post(f"/claims/{claim_id}/actions", {"action": "start_review"})
    world.evidence(customer, claim_id)

    page = handler.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'id="assessment-form"' in page.text
    assert "Pre-existing condition" in page.text  # exclusions offered by name
    assert 'name="action" value="assess"' not in page.text  # assessed in the editor

    lines = _lines(
        ("inpatient", "Ward and treatment", "2600.00", ""),
        ("inpatient", "Earlier knee condition", "400.00", "pre_existing"),
        ("inpatient", "", "", ""),  # the blank row
    )
    preview = handler.client.get(
        f"/staff/claims/{claim_id}/payout-preview", params=lines, headers=EN
    )
    assert preview.status_code == 200
    text = html.unescape(preview.text)
    assert "Claimed CNY 3,000.00" in text
    assert "Pre-existing condition" in text and "not payable" in text
    assert "pre_existing" not in text
    payable = Decimal(re.search(r"payable CNY ([\d,.]+)", text).group(1).replace(",", ""))
    assert Decimal(0) < payable < Decimal("2600.00")

    response = handler.post(f"/staff/claims/{claim_id}/assessment", {**lines, "reason": "核定"})
    assert response.status_code == 303
    page = handler.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'class="badge s-assessed"' in page.text, page.text
    assert "Earlier knee condition" in page.text and "Pre-existing condition" in page.text

    handler.post(f"/claims/{claim_id}/actions", {"action": "verify_coverage"})
    claim = world.claim(world.staff(Role.SUPERVISOR), claim_id)
    assert Decimal(claim["payable_amount"]) == payable
    assert Decimal(claim["assessed_amount"]) == Decimal("3000.00")

    handler.get(f"/staff/claims/{claim_id}")
    went = _confirmed(
        handler,
        claim_id,
        {"target": "reserve", "amount": "2500.00", "reason": "按核定金额调整"},
        "Set the reserve of claim",
    )
    assert went == f"/staff/claims/{claim_id}"
    assert Decimal(world.claim(world.staff(Role.SUPERVISOR), claim_id)["reserve_amount"]) == (
        Decimal("2500.00")
    )

    approver = signed_in(world, Role.SUPERVISOR)  # four eyes: not the assessor
    page = approver.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'id="warn-evidence"' not in page.text
    _confirmed(
        approver,
        claim_id,
        {"target": "action", "action": "approve"},
        f"for CNY {payable:,.2f}",
    )
    claim = world.claim(world.staff(Role.SUPERVISOR), claim_id)
    assert claim["status"] in ("approved", "partially_approved")

    page = handler.get(f"/staff/claims/{claim_id}", headers=EN)
    account = re.search(
        r'<select id="pay-account" name="bank_account_id" required>\s*'
        r'<option value="">[^<]*</option>\s*<option value="(\d+)"',
        page.text,
    )
    assert account, page.text
    _confirmed(
        handler,
        claim_id,
        {"target": "action", "action": "pay", "amount": "500.00", "bank_account_id": account[1]},
        "Pay CNY 500",
    )
    claim = world.claim(world.staff(Role.SUPERVISOR), claim_id)
    assert Decimal(claim["paid_amount"]) == Decimal("500.00"), handler.get(
        f"/staff/claims/{claim_id}", headers=EN
    ).text.split('role="alert"')[1][:600]
    assert claim["status"] in ("approved", "partially_approved")

    page = handler.get(f"/staff/claims/{claim_id}", headers=EN)
    assert f"the whole outstanding CNY {payable - 500:,.2f}" in page.text
    _confirmed(handler, claim_id, {"target": "action", "action": "pay"}, "Pay CNY")
    claim = world.claim(world.staff(Role.SUPERVISOR), claim_id)
    assert claim["status"] == "paid"
    assert Decimal(claim["paid_amount"]) == payable


def test_a_bad_loss_line_is_named_and_nothing_is_assessed(world):
    claim_id, _ = _reported(world)
    handler = signed_in(world, Role.SENIOR_ADJUSTER)
    handler.get(f"/staff/claims/{claim_id}")
    handler.post(f"/claims/{claim_id}/actions", {"action": "start_review"})
    bad = _lines(("inpatient", "Ward", "100.00", ""), ("inpatient", "Drugs", "12.345", ""))
    preview = handler.client.get(f"/staff/claims/{claim_id}/payout-preview", params=bad, headers=ZH)
    assert "损失明细 2" in preview.text and 'id="preview-error"' in preview.text
    handler.post(f"/staff/claims/{claim_id}/assessment", bad)
    page = handler.get(f"/staff/claims/{claim_id}", headers=EN)
    assert "Loss line 2: give an amount above 0" in page.text
    assert 'class="badge s-under_review"' in page.text
    wrong = _lines(("no_such_cover", "Ward", "100.00", ""))
    handler.post(f"/staff/claims/{claim_id}/assessment", wrong)
    page = handler.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'class="badge s-under_review"' in page.text and 'role="alert"' in page.text


def test_money_forms_need_a_known_target_and_warn_of_missing_evidence(world):
    claim_id, _ = _reported(world, amount="800.00")
    handler = signed_in(world, Role.SENIOR_ADJUSTER)
    handler.get(f"/staff/claims/{claim_id}")
    handler.post(f"/claims/{claim_id}/actions", {"action": "start_review"})
    handler.post(
        f"/staff/claims/{claim_id}/assessment",
        _lines(("inpatient", "Ward", "800.00", "")),
    )
    page = handler.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'id="warn-evidence"' in page.text and "is missing" in page.text
    nothing = handler.post(f"/staff/claims/{claim_id}/confirm", {"target": "elsewhere"})
    assert nothing.status_code == 404
    not_money = handler.post(
        f"/staff/claims/{claim_id}/confirm", {"target": "action", "action": "deny"}
    )
    assert not_money.status_code == 422
    reserve = handler.client.post(
        f"/staff/claims/{claim_id}/confirm",
        data={"csrf_token": handler.token, "target": "reserve", "amount": "900"},
        headers=ZH,
    )
    assert reserve.status_code == 200 and "未决准备金调整为 CNY 900.00" in reserve.text
    assert world.claim(world.staff(Role.SUPERVISOR), claim_id)["reserve_amount"] != "900.00"
    typo = handler.post(
        f"/staff/claims/{claim_id}/confirm", {"target": "reserve", "amount": "9o0", "reason": "x"}
    )
    assert typo.status_code == 200 and "调整为 9o0" in typo.text  # the action refuses it
    refused = handler.post(f"/staff/claims/{claim_id}/reserve", {"amount": "9o0", "reason": "x"})
    assert refused.status_code == 303


def test_the_preview_offers_referral_above_the_adjusters_authority(world):
    claim_id, _ = _reported(world, amount="60000.00")
    adjuster = signed_in(world, Role.ADJUSTER)
    adjuster.get(f"/staff/claims/{claim_id}")
    adjuster.post(f"/claims/{claim_id}/actions", {"action": "start_review"})
    lines = _lines(("inpatient", "Surgery", "60000.00", ""))
    preview = adjuster.client.get(
        f"/staff/claims/{claim_id}/payout-preview", params=lines, headers=EN
    )
    assert 'id="preview-authority"' in preview.text and "refer the claim" in preview.text


def test_a_high_risk_claim_is_flagged_on_the_page_and_on_the_confirmation(world):
    """A loss line another customer also claims grades the claim high (the fraud rules)."""
    other = world.customer()
    world.report(world.login(Role.CUSTOMER, other), world.policy(other), amount="5200.00")
    claim_id, _ = _reported(world, amount="5200.00")
    risk = world.client.get(
        f"/api/v1/claims/{claim_id}/risk", headers=world.staff(Role.ADJUSTER)
    ).json()
    assert risk["grade"] == "high"
    handler = signed_in(world, Role.SENIOR_ADJUSTER)
    page = handler.get(f"/staff/claims/{claim_id}", headers=EN)
    assert 'id="warn-risk"' in page.text and "Risk grade high" in page.text
    confirm = handler.client.post(
        f"/staff/claims/{claim_id}/confirm",
        data={"csrf_token": handler.token, "target": "advance", "amount": "100"},
        headers=ZH,
    )
    assert confirm.status_code == 200 and "风险等级高" in confirm.text
    low_id, _ = _reported(world, amount="900.00")
    page = handler.get(f"/staff/claims/{low_id}", headers=EN)
    assert 'id="warn-risk"' not in page.text
