"""Sign-in, customers, policies and the probes."""

from datetime import date, timedelta

from claimdesk.security.enums import Role
from tests.factories import PASSWORD


def test_wrong_password_is_refused_with_the_error_shape(world):
    world.login(Role.AGENT)
    response = world.client.post(
        "/api/v1/auth/token", data={"username": "nobody", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_api_needs_a_token(world):
    response = world.client.get("/api/v1/claims")
    assert response.status_code == 401
    assert "Bearer" in response.json()["error"]["message"]
    bad = world.client.get("/api/v1/claims", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401


def test_expired_token_is_refused(world, clock):
    headers = world.login(Role.AGENT)
    clock.advance(timedelta(hours=9))
    assert world.client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_staff_register_a_customer_whose_account_a_second_person_verifies(world):
    agent = world.staff(Role.AGENT)
    response = world.client.post(
        "/api/v1/customers",
        json={
            "name": "赵敏",
            "name_en": "Zhao Min",
            "id_number": "110101199003071234",
            "phone": "+86 138 0013 8000",
            "email": "zhao.min@example.com",
            "bank_accounts": [
                {
                    "bank_name": "招商银行",
                    "account_number": "6225 8800 1234 5678",
                    "holder_name": "Zhao Min",
                }
            ],
        },
        headers=agent,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    account = body["bank_accounts"][0]
    assert account["verified"] is False  # payees are verified by someone other than who added them
    assert account["account_number"] == "6225880012345678"
    verify = f"/api/v1/customers/{body['id']}/bank-accounts/{account['id']}/verify"
    assert world.client.post(verify, headers=agent).status_code == 403  # not an agent's call
    supervisor = world.login(Role.SUPERVISOR)
    verified = world.client.post(verify, headers=supervisor)
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True
    fetched = world.client.get(f"/api/v1/customers/{body['id']}", headers=agent)
    assert fetched.json()["name"] == "赵敏"


def test_customers_cannot_register_customers_nor_read_others(world):
    me = world.customer()
    headers = world.login(Role.CUSTOMER, me)
    response = world.client.post(
        "/api/v1/customers", json={"name": "x", "id_number": "12345678"}, headers=headers
    )
    assert response.status_code == 403
    other = world.customer()
    assert world.client.get(f"/api/v1/customers/{other.id}", headers=headers).status_code == 404
    assert world.client.get(f"/api/v1/customers/{me.id}", headers=headers).status_code == 200


def test_invalid_customer_is_refused_field_by_field(world):
    response = world.client.post(
        "/api/v1/customers",
        json={"name": "", "id_number": "1", "email": "not-an-email"},
        headers=world.staff(Role.AGENT),
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {"name", "id_number", "email"} <= fields


def test_policy_shows_product_terms_holder_and_remaining_sum_insured(world):
    holder = world.customer("周杰")
    spouse = world.customer("昆凌")
    response = world.client.post(
        "/api/v1/policies",
        json={
            "product_code": "MOTOR-COMP",
            "holder_id": holder.id,
            "insured": [
                {"customer_id": holder.id},
                {"customer_id": spouse.id, "relationship_to_holder": "spouse"},
            ],
            "start_date": "2026-03-01",
            "end_date": "2027-02-28",
            "sum_insured": "800000.00",
            "premium": "5200.00",
            "insured_object": {"plate": "沪A12345", "vin": "LSVAU2180N2183456"},
        },
        headers=world.staff(Role.AGENT),
    )
    assert response.status_code == 201, response.text
    policy = response.json()
    assert policy["number"].startswith("P2026MO")
    assert policy["status"] == "in_force"
    assert policy["product"]["name_zh"] == "机动车综合商业保险"
    assert policy["product"]["coverages"][0]["deductible"] == "500.00"
    assert policy["remaining_sum_insured"] == "800000.00"
    assert [p["relationship_to_holder"] for p in policy["insured"]] == ["self", "spouse"]


def test_policy_list_is_scoped_for_customers(world):
    mine = world.customer()
    world.policy(mine)
    world.policy(world.customer())
    customer = world.login(Role.CUSTOMER, mine)
    assert len(world.client.get("/api/v1/policies", headers=customer).json()) == 1
    assert len(world.client.get("/api/v1/policies", headers=world.staff(Role.AGENT)).json()) == 2


def test_an_insured_family_member_sees_the_policy(world):
    holder, child = world.customer(), world.customer()
    policy = world.policy(holder, insured=[holder, child])
    headers = world.login(Role.CUSTOMER, child)
    assert world.client.get(f"/api/v1/policies/{policy.id}", headers=headers).status_code == 200


def test_expired_policy_reports_its_status(world):
    holder = world.customer()
    policy = world.policy(holder, start=date(2025, 1, 1), end=date(2025, 12, 31))
    view = world.client.get(f"/api/v1/policies/{policy.id}", headers=world.staff(Role.AGENT))
    assert view.json()["status"] == "expired"


def test_policies_need_a_known_product_and_an_ordered_period(world):
    holder = world.customer()
    agent = world.staff(Role.AGENT)
    base = {
        "holder_id": holder.id,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "sum_insured": "1000",
    }
    unknown = world.client.post(
        "/api/v1/policies", json={**base, "product_code": "NOPE"}, headers=agent
    )
    assert unknown.status_code == 422
    assert "MED-HOSP" in unknown.json()["error"]["message"]
    backwards = {**base, "product_code": "MED-HOSP", "end_date": "2025-01-01"}
    assert world.client.post("/api/v1/policies", json=backwards, headers=agent).status_code == 422
    customer = world.login(Role.CUSTOMER, holder)
    as_customer = world.client.post(
        "/api/v1/policies", json={**base, "product_code": "MED-HOSP"}, headers=customer
    )
    assert as_customer.status_code == 403


def test_probes_and_openapi(world):
    assert world.client.get("/healthz").json() == {"status": "ok"}
    assert world.client.get("/readyz").json()["database"] == "ok"
    spec = world.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/claims/{claim_id}/transitions" in spec["paths"]


def test_unknown_route_uses_the_error_shape(world):
    response = world.client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_signing_out_revokes_the_token_at_once(world):
    headers = world.login(Role.AGENT)
    assert world.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert world.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    refused = world.client.get("/api/v1/auth/me", headers=headers)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]["message"]
