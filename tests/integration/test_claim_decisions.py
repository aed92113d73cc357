"""Assessment, approval authority, four-eyes, payments and who may see a claim."""

import pytest

from claimdesk.security.enums import Role

# Large claims need a field investigation before approval (field_investigation.toml);
# these tests are about other rules, so a supervisor waives it.
WAIVE_FIELD_INVESTIGATION = {
    "waive_field_investigation": True,
    "reason": "Facts established by the police report.",
}


@pytest.fixture
def holder(world):
    return world.customer("韩梅梅")


@pytest.fixture
def customer(world, holder):
    return world.login(Role.CUSTOMER, holder)


def verified_claim(world, holder, customer, *, amount: str, product="ACC-PLUS", claim_type=None):
    """A claim reported, reviewed, its documents uploaded and read, assessed and
    coverage-verified by one adjuster."""
    policy = world.policy(holder, product, sum_insured="500000")
    claim_type = claim_type or "accidental_death_disability"
    claim = world.report(
        customer,
        policy,
        amount=amount,
        claim_type=claim_type,
        bank_account_id=holder.bank_accounts[0].id,
    ).json()
    return review_with_documents(world, customer, claim["id"])


def review_with_documents(world, customer, claim_id):
    """Review, the customer's documents uploaded and read, assessment and coverage."""
    adjuster = world.staff(Role.ADJUSTER)
    assert world.act(adjuster, claim_id, "start_review").status_code == 200
    world.evidence(customer, claim_id)
    for action in ("assess", "verify_coverage"):
        assert world.act(adjuster, claim_id, action).status_code == 200
    return claim_id


def test_assessor_cannot_approve_own_claim(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="800.00")
    response = world.act(world.staff(Role.ADJUSTER), claim_id, "approve")
    assert response.status_code == 403
    assert "Four-eyes" in response.json()["error"]["message"]
    assert world.claim(customer, claim_id)["status"] == "coverage_verified"


def test_adjuster_cannot_approve_above_their_authority(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="25000.00")
    other_adjuster = world.login(Role.ADJUSTER)
    response = world.act(other_adjuster, claim_id, "approve")
    assert response.status_code == 403
    assert "10,000.00" in response.json()["error"]["message"]
    assert world.act(world.staff(Role.SENIOR_ADJUSTER), claim_id, "approve").status_code == 200


def test_senior_limit_is_100000_and_supervisor_has_none(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="150000.00")
    assert world.act(world.staff(Role.SENIOR_ADJUSTER), claim_id, "approve").status_code == 403
    response = world.act(
        world.staff(Role.SUPERVISOR), claim_id, "approve", **WAIVE_FIELD_INVESTIGATION
    )
    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_payout_below_the_claim_is_a_partial_approval(world, holder, customer):
    claim_id = verified_claim(
        world, holder, customer, amount="1100.00", claim_type="accidental_medical"
    )
    response = world.act(world.staff(Role.SENIOR_ADJUSTER), claim_id, "approve")
    # (1,100 - 100 deductible) x 90% = 900.00
    assert response.json()["status"] == "partially_approved"
    assert response.json()["approved_amount"] == "900.00"


def test_nothing_payable_cannot_be_approved_only_denied(world, holder, customer):
    policy = world.policy(holder, "ACC-PLUS")
    claim = world.report(
        customer,
        policy,
        amount="300.00",
        claim_type="accidental_medical",
        loss_lines=[
            {"description": "Bar fight", "amount": "300.00", "cause_codes": ["drunk_driving"]}
        ],
    ).json()
    adjuster = world.staff(Role.ADJUSTER)
    for action in ("start_review", "assess", "verify_coverage"):
        world.act(adjuster, claim["id"], action)
    senior = world.staff(Role.SENIOR_ADJUSTER)
    assert world.act(senior, claim["id"], "approve").status_code == 409
    denied = world.act(senior, claim["id"], "deny", reason="Excluded cause: drunk driving")
    assert denied.json()["status"] == "denied"
    assert denied.json()["decision_reason"] == "Excluded cause: drunk driving"


def test_identical_payment_requests_pay_exactly_once(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="800.00")
    senior = world.staff(Role.SENIOR_ADJUSTER)
    world.act(senior, claim_id, "approve")
    first = world.act(senior, claim_id, "pay", idempotency_key="pay-1")
    again = world.act(senior, claim_id, "pay", idempotency_key="pay-1")
    assert first.status_code == again.status_code == 200
    claim = again.json()
    assert claim["status"] == "paid"
    assert len(claim["payments"]) == 1
    assert claim["paid_amount"] == "800.00"


def test_pay_without_a_key_is_still_idempotent(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="800.00")
    senior = world.staff(Role.SENIOR_ADJUSTER)
    world.act(senior, claim_id, "approve")
    world.act(senior, claim_id, "pay")
    assert len(world.act(senior, claim_id, "pay").json()["payments"]) == 1


def test_partial_payments_add_up_to_the_approved_amount(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="800.00")
    senior = world.staff(Role.SENIOR_ADJUSTER)
    world.act(senior, claim_id, "approve")
    part = world.act(senior, claim_id, "pay", amount="300.00", idempotency_key="a").json()
    assert part["status"] == "approved"
    assert part["outstanding_amount"] == "500.00"
    too_much = world.act(senior, claim_id, "pay", amount="600.00", idempotency_key="b")
    assert too_much.status_code == 422
    rest = world.act(senior, claim_id, "pay", idempotency_key="c").json()
    assert rest["status"] == "paid"
    assert [p["amount"] for p in rest["payments"]] == ["300.00", "500.00"]


def test_payment_needs_a_verified_account(world, customer):
    stranger_account = world.customer("张三", verified_account=False)
    customer = world.login(Role.CUSTOMER, stranger_account)
    claim_id = verified_claim(world, stranger_account, customer, amount="800.00")
    senior = world.staff(Role.SENIOR_ADJUSTER)
    world.act(senior, claim_id, "approve")
    response = world.act(senior, claim_id, "pay")
    assert response.status_code == 422
    assert "not verified" in response.json()["error"]["message"]
    assert world.claim(customer, claim_id)["paid_amount"] == "0.00"


def test_customer_is_refused_another_customers_claim(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="800.00")
    other = world.login(Role.CUSTOMER, world.customer("路人"))
    assert world.client.get(f"/api/v1/claims/{claim_id}", headers=other).status_code == 404
    assert world.client.get(f"/api/v1/claims/{claim_id}/timeline", headers=other).status_code == 404
    assert world.client.get("/api/v1/claims", headers=other).json() == []
    assert world.act(other, claim_id, "withdraw", reason="mine now").status_code == 404


def test_stale_version_is_a_conflict(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="800.00")
    version = world.claim(customer, claim_id)["version"]
    senior = world.staff(Role.SENIOR_ADJUSTER)
    response = world.act(senior, claim_id, "approve", expected_version=version - 1)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"
    assert world.act(senior, claim_id, "approve", expected_version=version).status_code == 200


def test_wrong_state_gives_409_with_a_clear_message(world, holder, customer):
    policy = world.policy(holder)
    claim = world.report(customer, policy).json()
    response = world.act(world.staff(Role.SUPERVISOR), claim["id"], "pay")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert "'reported' cannot be 'pay'" in error["message"]


def test_siu_referral_is_hidden_from_the_customer(world, holder, customer):
    policy = world.policy(holder)
    claim = world.report(customer, policy).json()
    world.act(world.staff(Role.ADJUSTER), claim["id"], "refer_to_siu", reason="Duplicate invoice")
    staff_view = world.claim(world.staff(Role.INVESTIGATOR), claim["id"])
    assert staff_view["siu_referred"] is True
    kinds = [
        e["kind"]
        for e in world.client.get(f"/api/v1/claims/{claim['id']}/timeline", headers=customer).json()
    ]
    assert "refer_to_siu" not in kinds
    assert world.act(world.staff(Role.ADJUSTER), claim["id"], "assess").status_code == 403
    assert world.act(world.staff(Role.INVESTIGATOR), claim["id"], "assess").status_code == 200


def test_reopened_claim_can_get_an_extra_payment(world, holder, customer):
    claim_id = verified_claim(world, holder, customer, amount="800.00")
    senior, adjuster = world.staff(Role.SENIOR_ADJUSTER), world.staff(Role.ADJUSTER)
    for action in ("approve", "pay", "close"):
        world.act(senior, claim_id, action)
    world.act(senior, claim_id, "reopen", reason="Mediation outcome: extra 200 owed")
    world.act(adjuster, claim_id, "start_review")
    world.act(
        adjuster,
        claim_id,
        "assess",
        loss_lines=[{"description": "Disability benefit, re-assessed", "amount": "1000.00"}],
    )
    world.act(adjuster, claim_id, "verify_coverage")
    assert world.act(senior, claim_id, "approve").json()["approved_amount"] == "1000.00"
    paid = world.act(senior, claim_id, "pay").json()
    assert [p["amount"] for p in paid["payments"]] == ["800.00", "200.00"]
    assert paid["status"] == "paid"


def test_sum_insured_is_shared_by_the_claims_of_a_policy(world, holder, customer):
    policy = world.policy(holder, "ACC-PLUS", sum_insured="1000")
    senior = world.staff(Role.SENIOR_ADJUSTER)
    amounts = []
    for day, amount in (("2026-06-01", "700.00"), ("2026-06-05", "700.00")):
        claim = world.report(
            customer,
            policy,
            amount=amount,
            claim_type="accidental_death_disability",
            incident_date=day,
        ).json()
        review_with_documents(world, customer, claim["id"])
        amounts.append(world.act(senior, claim["id"], "approve").json()["approved_amount"])
    assert amounts == ["700.00", "300.00"]
    view = world.client.get(f"/api/v1/policies/{policy.id}", headers=customer).json()
    assert view["remaining_sum_insured"] == "0.00"


def test_reapproval_at_the_amount_already_paid_settles_without_a_zero_payment(
    world, holder, customer
):
    claim_id = verified_claim(world, holder, customer, amount="800.00")
    senior, adjuster = world.staff(Role.SENIOR_ADJUSTER), world.staff(Role.ADJUSTER)
    for action in ("approve", "pay", "close"):
        world.act(senior, claim_id, action)
    world.act(senior, claim_id, "reopen", reason="Customer asked for a second look")
    for action in ("start_review", "assess", "verify_coverage"):
        world.act(adjuster, claim_id, action)
    world.act(senior, claim_id, "approve")
    settled = world.act(senior, claim_id, "pay").json()
    assert settled["status"] == "paid"
    assert [p["amount"] for p in settled["payments"]] == ["800.00"]


def test_approvals_never_exceed_the_sum_insured_when_verified_side_by_side(world, holder, customer):
    policy = world.policy(holder, "ACC-PLUS", sum_insured="100000")
    supervisor = world.staff(Role.SUPERVISOR)
    claims = []
    for day in ("2026-06-01", "2026-06-05"):
        claim = world.report(
            customer,
            policy,
            amount="80000.00",
            claim_type="accidental_death_disability",
            incident_date=day,
        ).json()
        review_with_documents(world, customer, claim["id"])
        claims.append(claim["id"])
    approved = [
        world.act(supervisor, c, "approve", **WAIVE_FIELD_INVESTIGATION).json() for c in claims
    ]
    assert [a["approved_amount"] for a in approved] == ["80000.00", "20000.00"]
    assert approved[1]["status"] == "partially_approved"
    timeline = world.client.get(f"/api/v1/claims/{claims[1]}/timeline", headers=supervisor)
    assert timeline.json()[-1]["data"]["recalculated"] == {
        "verified": "80000.00",
        "payable": "20000.00",
    }
