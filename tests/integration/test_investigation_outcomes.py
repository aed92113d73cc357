"""An investigation (SIU or field) ends with an outcome - fraud confirmed, cleared or
inconclusive - recorded on the claim and in the audit ledger: the fraud model's labels."""

from __future__ import annotations

from sqlalchemy import select

from claimdesk.audit.models import AuditEntry
from claimdesk.security.enums import Role
from tests.integration.web.pages import signed_in


def _investigated(world, *, siu: bool = True):
    holder = world.customer()
    policy = world.policy(holder)
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(customer, policy).json()
    adjuster = world.staff(Role.ADJUSTER)
    if siu:
        referred = world.act(adjuster, claim["id"], "refer_to_siu", reason="Duplicate invoice")
    else:
        assert world.act(adjuster, claim["id"], "start_review").status_code == 200
        referred = world.act(adjuster, claim["id"], "start_investigation")
    assert referred.status_code == 200, referred.text
    return claim["id"], customer


def _ledger(world, claim_id: int) -> list[AuditEntry]:
    with world.container.sessions() as session:
        return [
            entry
            for entry in session.scalars(
                select(AuditEntry).where(AuditEntry.action == "claim.investigation_closed")
            )
            if entry.data["claim_id"] == claim_id
        ]


def test_confirmed_fraud_is_recorded_on_the_denied_claim_and_in_the_ledger(world):
    claim_id, customer = _investigated(world)
    supervisor = world.staff(Role.SUPERVISOR)
    denied = world.act(
        supervisor,
        claim_id,
        "deny",
        reason="Invoice forged / 发票伪造",
        investigation_outcome="fraud_confirmed",
    )
    assert denied.status_code == 200, denied.text
    assert denied.json()["status"] == "denied"
    assert denied.json()["investigation_outcome"] == "fraud_confirmed"
    entries = _ledger(world, claim_id)
    assert len(entries) == 1
    assert entries[0].data["data"] == {"outcome": "fraud_confirmed", "action": "deny"}
    assert entries[0].actor_role == "supervisor"
    verdict = world.client.get("/api/v1/audit/verify", headers=world.staff(Role.AUDITOR))
    assert verdict.json()["ok"] is True, verdict.text
    # the label is internal: the customer sees neither the outcome nor its timeline entry
    assert world.claim(customer, claim_id)["investigation_outcome"] is None
    timeline = world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=customer).json()
    assert "investigation_closed" not in [e["kind"] for e in timeline]


def test_an_investigator_clears_the_claim_when_assessing_it(world):
    claim_id, _ = _investigated(world)
    investigator = world.staff(Role.INVESTIGATOR)
    cleared = world.act(investigator, claim_id, "assess", investigation_outcome="cleared")
    assert cleared.status_code == 200, cleared.text
    assert world.claim(investigator, claim_id)["investigation_outcome"] == "cleared"
    assert [e.data["data"]["outcome"] for e in _ledger(world, claim_id)] == ["cleared"]


def test_a_field_investigation_can_end_inconclusive(world):
    claim_id, _ = _investigated(world, siu=False)
    adjuster = world.staff(Role.ADJUSTER)
    done = world.act(adjuster, claim_id, "assess", investigation_outcome="inconclusive")
    assert done.status_code == 200, done.text
    assert done.json()["investigation_outcome"] == "inconclusive"


def test_confirmed_fraud_is_not_assessed_for_payment(world):
    claim_id, _ = _investigated(world)
    investigator = world.staff(Role.INVESTIGATOR)
    before = world.claim(investigator, claim_id)
    refused = world.act(investigator, claim_id, "assess", investigation_outcome="fraud_confirmed")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"][0]["field"] == "investigation_outcome"
    after = world.claim(investigator, claim_id)
    assert (after["status"], after["version"]) == (before["status"], before["version"])
    assert _ledger(world, claim_id) == []


def test_an_outcome_is_refused_when_no_investigation_ends(world):
    holder = world.customer()
    policy = world.policy(holder)
    claim = world.report(world.login(Role.CUSTOMER, holder), policy).json()
    adjuster = world.staff(Role.ADJUSTER)
    refused = world.act(adjuster, claim["id"], "start_review", investigation_outcome="cleared")
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "investigation_outcome"
    unknown = world.act(adjuster, claim["id"], "start_review", investigation_outcome="guilty")
    assert unknown.status_code == 422
    assert world.claim(adjuster, claim["id"])["status"] == "reported"


def test_the_staff_claim_page_shows_the_outcome_in_the_readers_language(world):
    claim_id, _ = _investigated(world)
    world.act(world.staff(Role.INVESTIGATOR), claim_id, "assess", investigation_outcome="cleared")
    browser = signed_in(world, Role.SUPERVISOR)
    english = browser.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert english.status_code == 200
    assert "Investigation outcome" in english.text and "Cleared" in english.text
    assert "Investigation closed" in english.text
    chinese = browser.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "zh-CN"}).text
    assert "调查结论" in chinese and "排除嫌疑" in chinese
