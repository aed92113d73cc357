"""Certificates gate who may assess, approve and deny claims (R10 compliance)."""

from claimdesk.security.enums import Role

API = "/api/v1/compliance"


def _me(world, headers) -> int:
    return world.client.get("/api/v1/auth/me", headers=headers).json()["user_id"]


def _certify(world, user_id, kind, expires, issued="2024-01-01"):
    response = world.client.post(
        f"{API}/staff/{user_id}/qualifications",
        json={
            "kind": kind,
            "number": f"{kind}-{user_id}",
            "issuer": "中国保险行业协会",
            "issued_on": issued,
            "expires_on": expires,
        },
        headers=world.staff(Role.SUPERVISOR),
    )
    assert response.status_code == 201, response.text
    return response.json()


def _claim_under_review(world):
    holder = world.customer()
    policy = world.policy(holder)
    customer = world.login(Role.CUSTOMER, holder)
    reported = world.report(customer, policy, amount="5200.00")
    claim_id = reported.json()["id"]
    assert world.act(world.staff(Role.ADJUSTER), claim_id, "start_review").status_code == 200
    world.evidence(customer, claim_id)  # read, and back under review
    return claim_id


def test_assessor_with_an_expired_certificate_cannot_assess(world):
    claim_id = _claim_under_review(world)
    assessor = world.login(Role.ADJUSTER, qualified=False)
    user_id = _me(world, assessor)
    _certify(world, user_id, "claims_adjuster", "2027-12-31")
    _certify(world, user_id, "medical_claims", "2026-06-01")

    refused = world.act(assessor, claim_id, "assess")

    assert refused.status_code == 403
    error = refused.json()["error"]
    assert "Medical claims certificate (medical_claims) expired on 2026-06-01" in error["message"]
    assert "医疗理赔资格证已于 2026-06-01 过期" in error["message"]
    assert f"/api/v1/compliance/staff/{user_id}/qualifications" in error["message"]
    assert error["details"][0]["problem"] == "expired"
    assert world.claim(assessor, claim_id)["status"] == "under_review"


def test_assessor_with_valid_certificates_can_assess(world):
    claim_id = _claim_under_review(world)
    assessor = world.login(Role.ADJUSTER, qualified=False)
    user_id = _me(world, assessor)
    _certify(world, user_id, "claims_adjuster", "2027-12-31")
    _certify(world, user_id, "medical_claims", "2026-06-15")  # its last valid day

    response = world.act(assessor, claim_id, "assess")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "assessed"


def test_renewing_an_expired_certificate_lets_the_assessor_act_again(world):
    claim_id = _claim_under_review(world)
    assessor = world.login(Role.ADJUSTER, qualified=False)
    user_id = _me(world, assessor)
    _certify(world, user_id, "claims_adjuster", "2026-01-31")
    _certify(world, user_id, "medical_claims", "2028-01-31")
    assert world.act(assessor, claim_id, "assess").status_code == 403

    _certify(world, user_id, "claims_adjuster", "2029-01-31", issued="2026-06-10")

    assert world.act(assessor, claim_id, "assess").status_code == 200


def test_approver_without_any_certificate_is_told_what_is_missing(world):
    claim_id = _claim_under_review(world)
    adjuster = world.staff(Role.ADJUSTER)
    for action in ("assess", "verify_coverage"):
        assert world.act(adjuster, claim_id, action).status_code == 200
    uncertified = world.login(Role.SENIOR_ADJUSTER, qualified=False)

    refused = world.act(uncertified, claim_id, "approve")

    assert refused.status_code == 403
    assert "no Claims adjuster licence (claims_adjuster) is on record" in refused.text
    assert {d["kind"] for d in refused.json()["error"]["details"]} == {
        "claims_adjuster",
        "medical_claims",
    }
    approved = world.act(world.staff(Role.SENIOR_ADJUSTER), claim_id, "approve")
    assert approved.status_code == 200, approved.text


def test_steps_without_a_gate_need_no_certificate(world):
    claim_id = _claim_under_review(world)
    uncertified = world.login(Role.ADJUSTER, qualified=False)

    response = world.act(uncertified, claim_id, "request_documents", reason="需要发票 invoice")

    assert response.status_code == 200, response.text


def test_staff_read_their_own_certificates_with_expiry_state(world):
    adjuster = world.login(Role.ADJUSTER, qualified=False)
    user_id = _me(world, adjuster)
    _certify(world, user_id, "claims_adjuster", "2026-07-01")

    mine = world.client.get(f"{API}/staff/{user_id}/qualifications", headers=adjuster)

    assert mine.status_code == 200
    (certificate,) = mine.json()
    assert certificate["state"] == "expiring"
    assert certificate["days_left"] == 16
    assert certificate["kind_zh"] == "理赔从业资格证"
    someone_else = world.login(Role.ADJUSTER)
    other = world.client.get(
        f"{API}/staff/{_me(world, someone_else)}/qualifications", headers=adjuster
    )
    assert other.status_code == 403


def test_expiry_warnings_list_expired_and_soon_expiring_certificates_but_not_renewed_ones(
    world,
):
    soon = _me(world, world.login(Role.ADJUSTER, qualified=False))
    renewed = _me(world, world.login(Role.ADJUSTER, qualified=False))
    _certify(world, soon, "motor_assessor", "2026-07-10")
    _certify(world, soon, "claims_adjuster", "2026-06-01")
    _certify(world, soon, "medical_claims", "2027-06-01")
    _certify(world, renewed, "claims_adjuster", "2026-06-20")
    _certify(world, renewed, "claims_adjuster", "2029-06-20", issued="2026-06-12")

    response = world.client.get(
        f"{API}/qualifications/expiring?days=30", headers=world.staff(Role.AUDITOR)
    )

    assert response.status_code == 200, response.text
    rows = [(r["user_id"], r["kind"], r["state"]) for r in response.json()]
    assert rows == [(soon, "claims_adjuster", "expired"), (soon, "motor_assessor", "expiring")]


def test_only_supervisors_and_administrators_record_certificates(world):
    adjuster = world.staff(Role.ADJUSTER)
    response = world.client.post(
        f"{API}/staff/{_me(world, adjuster)}/qualifications",
        json={"kind": "claims_adjuster", "issued_on": "2026-01-01", "expires_on": "2030-01-01"},
        headers=adjuster,
    )
    assert response.status_code == 403


def test_an_unknown_kind_or_a_customer_cannot_be_certified(world):
    admin = world.staff(Role.ADMIN)
    adjuster_id = _me(world, world.staff(Role.ADJUSTER))
    unknown = world.client.post(
        f"{API}/staff/{adjuster_id}/qualifications",
        json={"kind": "astrologer", "issued_on": "2026-01-01"},
        headers=admin,
    )
    assert unknown.status_code == 422
    assert "claims_adjuster" in unknown.json()["error"]["message"]
    customer_id = _me(world, world.login(Role.CUSTOMER, world.customer()))
    customer = world.client.post(
        f"{API}/staff/{customer_id}/qualifications",
        json={"kind": "claims_adjuster", "issued_on": "2026-01-01"},
        headers=admin,
    )
    assert customer.status_code == 404
