"""Risk scores on live claims and routing by grade: straight through, review, investigation, SIU."""

from datetime import timedelta
from decimal import Decimal

import pytest

from claimdesk.security.enums import Role
from tests.factories import keyed, said_in


@pytest.fixture(autouse=True)
def routing_with_straight_through_up_to_3000(container, monkeypatch):
    monkeypatch.setattr(container.settings, "risk_routing", True)
    monkeypatch.setattr(container.settings, "stp_max_amount", Decimal("3000"))


def _small_accident_claim(world, *, amount="800.00", verified=True, **extra):
    customer = world.customer(verified_account=verified)
    policy = world.policy(customer, "ACC-PLUS")
    me = world.login(Role.CUSTOMER, customer)
    response = world.report(
        me,
        policy,
        amount=amount,
        claim_type="accidental_medical",
        description="Sprained ankle, X-ray / 踝关节扭伤拍片",
        bank_account_id=customer.bank_accounts[0].id,
        **extra,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"], me


def test_a_straight_through_claim_is_paid_with_no_human_step_once_its_documents_are_read(world):
    claim_id, me = _small_accident_claim(world)
    adjuster = world.staff(Role.ADJUSTER)
    assert world.claim(adjuster, claim_id)["status"] == "reported"  # no STP with no documents

    world.evidence(me, claim_id)

    claim = world.claim(adjuster, claim_id)
    assert claim["status"] == "paid"
    assert claim["paid_amount"] == claim["approved_amount"] != "0.00"
    timeline = world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=adjuster).json()
    steps = [e for e in timeline if e["kind"] != "document_uploaded"]
    assert [e["kind"] for e in steps] == [
        "reported",
        "risk_routed",
        "request_documents",
        "submit_documents",
        "risk_routed",
        "assess",
        "verify_coverage",
        "approve",
        "pay",
    ]
    assert all(e["actor_id"] is None for e in steps[1:])  # the system, no person
    routed = steps[1]
    assert routed["data"]["route"] == "straight_through"
    assert "verified payee bank account" in routed["data"]["reasons_en"]
    waiting = {(gap["kind"], gap["problem"]) for gap in routed["data"]["waiting_for_evidence"]}
    assert ("itemised_invoice", "missing") in waiting
    assert ("itemised_invoice", "amount_differs") in waiting
    assert keyed(routed, "history.routed")["route"] == {
        "code": "route",
        "value": "straight_through",
    }
    keyed(steps[4], "history.routed_resumed")
    keyed(timeline[-1], "history.straight_through")
    zh, en = (world.timeline(adjuster, claim_id, language) for language in ("zh-CN", "en"))
    assert zh[-1]["text"].startswith("自动理赔：") and zh[-1]["text"].endswith("。")
    assert en[-1]["text"].startswith("Straight-through processing: ")
    first = next(e for e in zh if e["kind"] == "risk_routed")["text"]
    assert first.startswith("分流至自动理赔：")
    assert next(e for e in en if e["kind"] == "risk_routed")["text"].startswith(
        "Routed to straight-through processing: "
    )
    for zh_entry, en_entry in zip(zh, en, strict=True):
        if zh_entry["data"].get("message"):
            assert said_in(zh_entry["text"], "zh-CN"), zh_entry["text"]
            assert said_in(en_entry["text"], "en"), en_entry["text"]


def test_a_straight_through_claim_whose_invoice_does_not_match_waits_for_a_person(world):
    claim_id, me = _small_accident_claim(world, amount="800.00")
    world.evidence(me, claim_id, amount="1250.00")  # the invoice says more than the claim
    claim = world.claim(world.staff(Role.ADJUSTER), claim_id)
    assert (claim["status"], claim["approved_amount"]) == ("under_review", "0.00")


def test_the_customer_sees_why_it_was_paid_but_not_the_risk(world):
    claim_id, me = _small_accident_claim(world)
    timeline = world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=me).json()
    assert "risk_routed" not in [e["kind"] for e in timeline]
    assert all("risk" not in (e["reason"] or "").lower() for e in timeline)
    english = world.timeline(me, claim_id, "en")
    assert all("risk" not in (e["text"] or "").lower() for e in english)
    assert all("风险" not in (e["text"] or "") for e in world.timeline(me, claim_id, "zh-CN"))
    assert world.client.get(f"/api/v1/claims/{claim_id}/risk", headers=me).status_code == 403


def test_staff_see_the_score_grade_factors_and_history(world):
    claim_id, _ = _small_accident_claim(world)
    risk = world.client.get(
        f"/api/v1/claims/{claim_id}/risk", headers=world.staff(Role.ADJUSTER)
    ).json()
    assert (risk["score"], risk["grade"], risk["factors"]) == (0, "low", [])
    assert risk["history"][-1]["trigger"] == "reported"
    assert "Rules only" in risk["model_note"]


def test_a_claim_without_a_verified_account_stops_at_a_person(world):
    claim_id, _ = _small_accident_claim(world, verified=False)
    adjuster = world.staff(Role.ADJUSTER)
    assert world.claim(adjuster, claim_id)["status"] == "reported"
    routed = world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=adjuster).json()[-1]
    assert routed["data"]["route"] == "review"
    assert "no verified payee bank account" in routed["data"]["reasons_en"]


def test_without_a_straight_through_amount_every_claim_waits_for_a_person(world, container):
    container.settings.stp_max_amount = None
    claim_id, _ = _small_accident_claim(world)
    adjuster = world.staff(Role.ADJUSTER)
    assert world.claim(adjuster, claim_id)["status"] == "reported"
    routed = world.timeline(adjuster, claim_id, "en")[-1]
    keyed(routed, "history.routed")
    assert routed["text"].startswith("Routed to review by an adjuster: ")
    assert "straight-through processing is off" in routed["text"]
    chinese = world.timeline(adjuster, claim_id, "zh-CN")[-1]["text"]
    assert chinese.startswith("分流至人工审核：") and said_in(chinese, "zh-CN")


def test_with_routing_off_claims_are_scored_but_left_to_people(world, container):
    container.settings.risk_routing = False
    claim_id, _ = _small_accident_claim(world)
    adjuster = world.staff(Role.ADJUSTER)
    assert world.claim(adjuster, claim_id)["status"] == "reported"
    timeline = world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=adjuster).json()
    assert [e["kind"] for e in timeline] == ["reported"]
    risk = world.client.get(f"/api/v1/claims/{claim_id}/risk", headers=adjuster).json()
    assert risk["grade"] == "low"


def test_a_claim_above_the_straight_through_amount_waits_for_review(world):
    claim_id, _ = _small_accident_claim(world, amount="3500.00")
    assert world.claim(world.staff(Role.ADJUSTER), claim_id)["status"] == "reported"


def test_the_same_loss_claimed_by_two_customers_is_flagged_and_never_auto_paid(world):
    first, _ = _small_accident_claim(world)
    second, _ = _small_accident_claim(world)  # same description, amount and incident date
    adjuster = world.staff(Role.ADJUSTER)
    risk = world.client.get(f"/api/v1/claims/{second}/risk", headers=adjuster).json()
    assert [f["code"] for f in risk["factors"]] == ["duplicate_loss_line"]
    assert world.claim(adjuster, first)["number"] in risk["factors"][0]["reason_en"]
    assert risk["grade"] == "high"
    claim = world.claim(adjuster, second)
    assert claim["status"] == "investigating"
    assert claim["paid_amount"] == "0.00"


def test_a_critical_claim_is_referred_to_siu_with_the_reasons(world, clock):
    start = (clock.now() - timedelta(days=50)).date()
    incident = str(start + timedelta(days=5))  # soon after the start, reported 45 days later
    other = world.customer()
    world.report(
        world.login(Role.CUSTOMER, other),
        world.policy(other, "ACC-PLUS", start=start),
        amount="900.00",
        claim_type="accidental_medical",
        incident_date=incident,
        description="Fall on stairs",
    )
    customer = world.customer()
    policy = world.policy(customer, "ACC-PLUS", start=start)
    me = world.login(Role.CUSTOMER, customer)
    ids = []
    for description in ("Cut hand", "Bruised knee", "Fall on stairs"):
        response = world.report(
            me,
            policy,
            amount="900.00",
            claim_type="accidental_medical",
            incident_date=incident,
            description=description,
            bank_account_id=customer.bank_accounts[0].id,
        )
        ids.append(response.json()["id"])
        clock.advance(timedelta(hours=1))

    investigator = world.staff(Role.INVESTIGATOR)
    risk = world.client.get(f"/api/v1/claims/{ids[-1]}/risk", headers=investigator).json()
    assert {f["code"] for f in risk["factors"]} == {
        "early_claim",
        "late_reporting",
        "frequent_claims",
        "duplicate_loss_line",
    }
    assert risk["grade"] == "critical"
    claim = world.claim(investigator, ids[-1])
    assert (claim["status"], claim["siu_referred"], claim["paid_amount"]) == (
        "investigating",
        True,
        "0.00",
    )
    referral = world.timeline(investigator, ids[-1], "en")[-1]
    assert referral["kind"] == "refer_to_siu"
    assert keyed(referral, "history.siu_referral")["grade"] == {
        "code": "grade",
        "value": "critical",
    }
    assert referral["text"].startswith("Risk grade critical (")
    assert "Fall on stairs" in referral["text"]
    chinese = world.timeline(investigator, ids[-1], "zh-CN")[-1]["text"]
    assert chinese.startswith("风险等级极高（") and said_in(chinese, "zh-CN")
    # The first claim had two lighter flags only: a person reviews it.
    assert world.claim(investigator, ids[0])["status"] == "reported"


def test_the_score_is_recomputed_when_the_claim_changes(world):
    customer = world.customer()
    policy = world.policy(customer, "MED-HOSP", sum_insured="10000")
    me = world.login(Role.CUSTOMER, customer)
    waiting = world.report(me, policy, amount="5000.00").json()["id"]
    approved = world.report(me, policy, amount="9000.00", incident_date="2026-06-02").json()["id"]
    adjuster, senior = world.staff(Role.ADJUSTER), world.staff(Role.SENIOR_ADJUSTER)
    assert world.act(adjuster, approved, "start_review").status_code == 200
    world.evidence(me, approved)
    for action in ("assess", "verify_coverage"):
        assert world.act(adjuster, approved, action).status_code == 200
    assert world.act(senior, approved, "approve").status_code == 200

    world.act(adjuster, waiting, "start_review")  # the sum insured left is now below 5,000
    risk = world.client.get(f"/api/v1/claims/{waiting}/risk", headers=adjuster).json()
    assert [h["trigger"] for h in risk["history"]] == ["start_review", "reported"]
    assert [f["code"] for f in risk["factors"]] == ["near_sum_insured"]
    assert [h["grade"] for h in risk["history"]] == ["medium", "low"]
