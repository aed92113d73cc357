"""Claims carry what adjusters collect at first notice; policies carry their insured object.
Both are validated against the product's attribute schema at intake; what is unknown or
invalid is refused with 422 naming the field, and nothing is created."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from claimdesk.claims.models import Claim
from claimdesk.security.enums import Role
from tests.integration.web.pages import signed_in

FIRST_NOTICE = {
    "fault": "third_party",
    "accident_area": "urban",
    "police_report_filed": True,
    "witness_present": False,
    "number_of_cars": "2",
}


def _motor(world, holder=None):
    holder = holder or world.customer()
    return holder, world.policy(holder, "MOTOR-COMP", start=date(2026, 5, 20))


def _claims(world) -> int:
    with world.container.sessions() as session:
        return session.scalar(select(func.count()).select_from(Claim)) or 0


def _report(world, headers, policy, **extra):
    return world.report(headers, policy, claim_type="vehicle_damage", amount="8650.00", **extra)


def test_a_motor_claim_keeps_its_first_notice_attributes_and_derives_the_policy_age(world):
    holder, policy = _motor(world)
    customer = world.login(Role.CUSTOMER, holder)
    response = _report(world, customer, policy, attributes=FIRST_NOTICE)
    assert response.status_code == 201, response.text
    claim = world.claim(world.staff(Role.ADJUSTER), response.json()["id"])
    # incident 2026-06-01, policy from 2026-05-20: 12 days
    assert claim["attributes"] == {**FIRST_NOTICE, "days_policy_accident": "8_to_15"}
    with world.container.sessions() as session:
        stored = session.get(Claim, claim["id"])
        assert stored is not None
        assert stored.attributes["police_report_filed"] is True


def test_an_unknown_attribute_is_refused_with_422_naming_it(world):
    holder, policy = _motor(world)
    response = _report(
        world, world.login(Role.CUSTOMER, holder), policy, attributes={"colour": "red"}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["details"][0]["field"] == "attributes.colour"
    assert _claims(world) == 0


def test_an_invalid_attribute_value_is_refused_with_422_naming_it(world):
    holder, policy = _motor(world)
    customer = world.login(Role.CUSTOMER, holder)
    for attributes, field in (
        ({"fault": "the other driver"}, "attributes.fault"),
        ({"police_report_filed": "perhaps"}, "attributes.police_report_filed"),
        ({"number_of_cars": "seven"}, "attributes.number_of_cars"),
    ):
        response = _report(world, customer, policy, attributes=attributes)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"][0]["field"] == field
    assert _claims(world) == 0


def test_a_product_without_claim_attributes_refuses_them(world):
    holder = world.customer()
    policy = world.policy(holder)
    response = world.report(
        world.login(Role.CUSTOMER, holder), policy, attributes={"fault": "third_party"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "attributes.fault"


def test_a_policy_insured_object_is_validated_against_the_schema(world):
    holder = world.customer()
    base = {
        "product_code": "MOTOR-COMP",
        "holder_id": holder.id,
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "sum_insured": "300000.00",
    }
    agent = world.staff(Role.AGENT)
    bad = world.client.post(
        "/api/v1/policies",
        json={**base, "insured_object": {"make": "honda", "driver_rating": 9}},
        headers=agent,
    )
    assert bad.status_code == 422, bad.text
    assert bad.json()["error"]["details"][0]["field"] == "insured_object.driver_rating"
    good = world.client.post(
        "/api/v1/policies",
        json={
            **base,
            "insured_object": {
                "make": "honda",
                "vehicle_category": "sport",
                "vehicle_price": "more_than_69000",
                "vehicle_age": "3_years",
                "driver_rating": "1",
            },
        },
        headers=agent,
    )
    assert good.status_code == 201, good.text
    assert good.json()["insured_object"]["driver_rating"] == 1


def test_the_staff_claim_page_shows_the_attributes_with_their_labels(world):
    holder, policy = _motor(world)
    claim_id = _report(
        world, world.login(Role.CUSTOMER, holder), policy, attributes=FIRST_NOTICE
    ).json()["id"]
    browser = signed_in(world, Role.ADJUSTER)
    english = browser.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"}).text
    assert "Party at fault" in english and "Third party" in english
    assert "Police report filed" in english
    chinese = browser.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "zh-CN"}).text
    assert "事故责任方" in chinese and "第三方" in chinese
    assert "保单起期至事故天数" in chinese


def test_the_web_report_form_takes_the_attributes_and_names_a_bad_one(world):
    holder, policy = _motor(world)
    browser = signed_in(world, Role.CUSTOMER, holder)
    form = {
        "policy_id": str(policy.id),
        "claim_type": "vehicle_damage",
        "incident_date": "2026-06-01",
        "description": "追尾 / Rear-ended at a junction",
        "claimed_amount": "8650.00",
    }
    page = browser.get(f"/claims/new?policy_id={policy.id}", headers={"Accept-Language": "en"})
    assert 'name="attributes.fault"' in page.text
    refused = browser.post("/claims", {**form, "attributes.number_of_cars": "seven"})
    assert refused.status_code == 422
    assert 'id="attributes.number_of_cars-error"' in refused.text
    assert _claims(world) == 0
    created = browser.post(
        "/claims",
        {**form, "attributes.fault": "policy_holder", "attributes.witness_present": "true"},
    )
    assert created.status_code == 303, created.text
    claim_id = int(created.headers["location"].rsplit("/", 1)[-1])
    claim = world.claim(world.staff(Role.ADJUSTER), claim_id)
    assert claim["attributes"]["fault"] == "policy_holder"
    assert claim["attributes"]["witness_present"] is True


def test_catastrophe_bulk_intake_validates_and_stores_the_attributes(world):
    _holder, policy = _motor(world)
    declared = world.client.post(
        "/api/v1/catastrophes",
        json={
            "code": "HL-2026-SH",
            "name_zh": "上海冰雹",
            "name_en": "Shanghai hailstorm",
            "peril": "hail",
            "region": "上海 Shanghai",
            "started_at": "2026-06-01T00:00:00+08:00",
        },
        headers=world.staff(Role.SUPERVISOR),
    )
    assert declared.status_code == 201, declared.text
    row = {
        "policy_number": policy.number,
        "claim_type": "vehicle_damage",
        "incident_date": "2026-06-02",
        "description": "冰雹砸车 / Hail dents",
        "claimed_amount": "3200.00",
    }
    response = world.client.post(
        f"/api/v1/catastrophes/{declared.json()['id']}/claims",
        json=[
            {**row, "external_ref": "A-1", "attributes": {"accident_area": "urban"}},
            {**row, "external_ref": "A-2", "attributes": {"accident_area": "downtown"}},
        ],
        headers=world.staff(Role.AGENT),
    )
    assert response.status_code == 200, response.text
    first, second = response.json()["rows"]
    assert first["outcome"] == "created"
    assert (
        world.claim(world.staff(Role.ADJUSTER), first["claim_id"])["attributes"]["accident_area"]
        == "urban"
    )
    assert second["outcome"] == "rejected" and "attributes.accident_area" in second["reason"]
