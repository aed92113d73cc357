"""Health claims in and out as HL7 FHIR: Claim -> ClaimDesk claim -> ClaimResponse / EOB."""

import json
from decimal import Decimal

import pytest
from fhir.resources.claim import Claim as ClaimR5
from fhir.resources.claimresponse import ClaimResponse as ClaimResponseR5
from fhir.resources.explanationofbenefit import ExplanationOfBenefit as EobR5
from fhir.resources.operationoutcome import OperationOutcome as OutcomeR5
from fhir.resources.R4B.claim import Claim as ClaimR4B
from fhir.resources.R4B.claimresponse import ClaimResponse as ClaimResponseR4B
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit as EobR4B

from claimdesk.security.enums import Role

FHIR = "/api/v1/fhir"
R5 = "application/fhir+json; fhirVersion=5.0"
R4 = "application/fhir+json; fhirVersion=4.0"
MODELS = {
    R5: (ClaimR5, ClaimResponseR5, EobR5),
    R4: (ClaimR4B, ClaimResponseR4B, EobR4B),
}


def fhir_claim(media_type, policy, patient, *, identifier="HIS-2026-0001", items=None, **more):
    """A FHIR Claim as a hospital sends it, built with the version's own model."""
    claim_model = MODELS[media_type][0]
    items = items or [("Ward and nursing 病房护理", "3000.00"), ("Medicines 药品", "2200.00")]
    body = {
        "resourceType": "Claim",
        "identifier": [{"system": "urn:oid:1.2.156.999.1", "value": identifier}],
        "status": "active",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                    "code": "institutional",
                }
            ]
        },
        "use": "claim",
        "patient": {
            "identifier": {"system": "urn:oid:2.16.156.10011.1.5", "value": patient.id_number}
        },
        "created": "2026-06-12",
        "provider": {"display": "北京协和医院 Peking Union Medical College Hospital"},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [
            {
                "sequence": 1,
                "focal": True,
                "coverage": {
                    "identifier": {"system": "urn:claimdesk:policy", "value": policy.number}
                },
            }
        ],
        "diagnosis": [
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {
                    "coding": [
                        {
                            "system": "http://hl7.org/fhir/sid/icd-10",
                            "code": "J18.9",
                            "display": "Pneumonia, unspecified",
                        }
                    ]
                },
            }
        ],
        "item": [
            {
                "sequence": n,
                "diagnosisSequence": [1],
                "productOrService": {"text": text},
                "servicedDate": "2026-06-01",
                "net": {"value": amount, "currency": "CNY"},
            }
            for n, (text, amount) in enumerate(items, start=1)
        ],
        "total": {
            "value": str(sum(Decimal(a) for _, a in items)),
            "currency": "CNY",
        },
    }
    body.update(more)
    return claim_model.model_validate(body).model_dump_json()


def submit(world, headers, body, media_type=R5):
    return world.client.post(
        f"{FHIR}/Claim", content=body, headers={**headers, "Content-Type": media_type}
    )


@pytest.fixture
def family(world):
    holder = world.customer("王芳")
    daughter = world.customer("李小雨")
    policy = world.policy(holder, insured=[holder, daughter])
    return policy, holder, daughter


def adjudicate(world, claim_id, *actions):
    """Take these steps; before the approval the agent uploads the claim's papers."""
    adjuster, senior = world.staff(Role.ADJUSTER), world.staff(Role.SENIOR_ADJUSTER)
    for action in actions:
        if action == "approve":
            world.evidence(world.staff(Role.AGENT), claim_id)
        who = senior if action in ("approve", "pay") else adjuster
        response = world.act(who, claim_id, action)
        assert response.status_code == 200, (action, response.text)


def amounts(adjudication):
    return {
        a["category"]["coding"][0]["code"]: Decimal(str(a["amount"]["value"])) for a in adjudication
    }


@pytest.mark.parametrize("media_type", [R5, R4], ids=["R5", "R4"])
def test_a_fhir_claim_is_adjudicated_like_any_other_and_answered_in_its_version(
    world, family, media_type
):
    policy, _holder, daughter = family
    _, response_model, eob_model = MODELS[media_type]
    agent = world.staff(Role.AGENT)

    submitted = submit(world, agent, fhir_claim(media_type, policy, daughter), media_type)

    assert submitted.status_code == 201, submitted.text
    assert submitted.headers["content-type"].startswith("application/fhir+json")
    queued = response_model.model_validate(submitted.json())
    assert queued.outcome == "queued"
    claim_id = int(queued.id)
    assert submitted.headers["location"] == f"{FHIR}/ClaimResponse/{claim_id}"
    claim = world.claim(world.staff(Role.ADJUSTER), claim_id)
    assert claim["customer_id"] == daughter.id  # the patient is the insured daughter
    assert (claim["claim_type"], claim["claimed_amount"], claim["channel"]) == (
        "inpatient",
        "5200.00",
        "api",
    )
    assert [line["amount"] for line in claim["loss_lines"]] == ["3000.00", "2200.00"]
    assert "J18.9" in claim["description"]
    not_paid = world.client.get(f"{FHIR}/ExplanationOfBenefit/{claim_id}", headers=agent)
    assert not_paid.status_code == 404
    assert not_paid.json()["resourceType"] == "OperationOutcome"

    adjudicate(world, claim_id, "start_review", "assess", "verify_coverage", "approve", "pay")

    answer = world.client.get(f"{FHIR}/ClaimResponse/{claim_id}", headers=agent)
    assert answer.status_code == 200
    assert f"fhirVersion={media_type.rsplit('=', 1)[1][:3]}" in answer.headers["content-type"]
    decided = response_model.model_validate(answer.json())
    assert decided.outcome == "complete"
    assert decided.request.identifier.value == "HIS-2026-0001"
    ward, medicines = (amounts(item.model_dump()["adjudication"]) for item in decided.item)
    # 5,200 eligible, 1,000 annual deductible, 20 % co-pay: 3,360 paid, spread by eligible.
    assert ward == {
        "submitted": Decimal("3000"),
        "eligible": Decimal("3000"),
        "deductible": Decimal("576.92"),
        "copay": Decimal("484.62"),
        "benefit": Decimal("1938.46"),
    }
    assert medicines["benefit"] + ward["benefit"] == Decimal("3360")
    assert amounts(answer.json()["total"]) == {
        "submitted": Decimal("5200"),
        "benefit": Decimal("3360"),
    }
    assert decided.payment.amount.value == Decimal("3360")
    assert decided.payment.type.coding[0].code == "complete"

    eob = world.client.get(f"{FHIR}/ExplanationOfBenefit/{claim_id}", headers=agent)
    assert eob.status_code == 200, eob.text
    explanation = eob_model.model_validate(eob.json())
    assert explanation.insurance[0].coverage.identifier.value == policy.number
    assert explanation.provider.display.startswith("北京协和医院")
    assert [item.productOrService.text for item in explanation.item] == [
        "Ward and nursing 病房护理",
        "Medicines 药品",
    ]
    assert explanation.payment.amount.value == Decimal("3360")


def test_a_r5_claim_response_carries_the_decision(world, family):
    policy, holder, _ = family
    agent = world.staff(Role.AGENT)
    submitted = submit(world, agent, fhir_claim(R5, policy, holder, identifier="HIS-7"))
    claim_id = int(submitted.json()["id"])
    assert submitted.json()["decision"]["coding"][0]["code"] == "pended"

    adjudicate(world, claim_id, "start_review", "assess", "verify_coverage", "approve")

    answer = world.client.get(f"{FHIR}/ClaimResponse/{claim_id}", headers=agent).json()
    assert answer["decision"]["coding"][0]["code"] == "partial"
    assert "Partially approved" in answer["disposition"]


def test_submitting_the_same_claim_identifier_again_returns_the_same_claim(world, family):
    policy, holder, _ = family
    agent = world.staff(Role.AGENT)
    body = fhir_claim(R5, policy, holder, identifier="HIS-RETRY")

    first = submit(world, agent, body)
    again = submit(world, agent, body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


def test_an_assessors_restated_lines_come_back_as_added_items(world, family):
    policy, holder, _ = family
    agent = world.staff(Role.AGENT)
    claim_id = int(submit(world, agent, fhir_claim(R5, policy, holder)).json()["id"])
    adjuster = world.staff(Role.ADJUSTER)
    assert world.act(adjuster, claim_id, "start_review").status_code == 200
    restated = [{"description": "Ward (assessed) 病房核定", "amount": "4000.00"}]
    assert world.act(adjuster, claim_id, "assess", loss_lines=restated).status_code == 200
    adjudicate(world, claim_id, "verify_coverage", "approve")

    answer = world.client.get(f"{FHIR}/ClaimResponse/{claim_id}", headers=agent).json()

    ClaimResponseR5.model_validate(answer)
    assert [amounts(item["adjudication"]) for item in answer["item"]] == [
        {"submitted": Decimal("3000")},
        {"submitted": Decimal("2200")},
    ]
    (added,) = answer["addItem"]
    assert added["productOrService"]["text"] == "Ward (assessed) 病房核定"
    # 4,000 - 1,000 deductible = 3,000; 80 % = 2,400.
    assert amounts(added["adjudication"])["benefit"] == Decimal("2400")


def outcome(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    return OutcomeR5.model_validate(response.json())


def test_a_claim_missing_required_elements_gets_an_operation_outcome_400(world):
    agent = world.staff(Role.AGENT)
    body = json.dumps({"resourceType": "Claim", "status": "active", "use": "claim"})

    result = outcome(submit(world, agent, body), 400)

    missing = {issue.expression[0] for issue in result.issue if issue.code == "required"}
    assert {"Claim.patient", "Claim.type"} <= missing
    assert all(issue.severity == "error" for issue in result.issue)


def test_a_claim_containing_a_resource_of_an_unknown_type_gets_an_operation_outcome_400(world):
    agent = world.staff(Role.AGENT)
    body = json.dumps(
        {"resourceType": "Claim", "contained": [{"resourceType": "NoSuchResource", "id": "x"}]}
    )

    result = outcome(submit(world, agent, body), 400)

    assert result.issue[0].code == "structure"
    assert "NoSuchResource" in result.issue[0].diagnostics


def test_a_body_that_is_not_a_claim_or_not_json_gets_a_400(world):
    agent = world.staff(Role.AGENT)
    assert (
        "got 'Patient'"
        in outcome(submit(world, agent, json.dumps({"resourceType": "Patient"})), 400)
        .issue[0]
        .diagnostics
    )
    assert outcome(submit(world, agent, "{not json"), 400).issue[0].code == "structure"


def test_business_rule_violations_get_a_422_naming_where(world, family):
    policy, holder, _ = family
    stranger = world.customer("陌生人")
    agent = world.staff(Role.AGENT)

    unknown_policy = outcome(
        submit(
            world,
            agent,
            fhir_claim(
                R5,
                policy,
                holder,
                insurance=[
                    {
                        "sequence": 1,
                        "focal": True,
                        "coverage": {"identifier": {"value": "NO-SUCH-POLICY"}},
                    }
                ],
            ),
        ),
        422,
    )
    assert unknown_policy.issue[0].code == "not-found"
    assert unknown_policy.issue[0].expression == ["Claim.insurance"]

    not_insured = outcome(submit(world, agent, fhir_claim(R5, policy, stranger)), 422)
    assert not_insured.issue[0].expression == ["Claim.patient"]

    wrong_total = outcome(
        submit(world, agent, fhir_claim(R5, policy, holder, total={"value": 1, "currency": "CNY"})),
        422,
    )
    assert "not the sum" in wrong_total.issue[0].diagnostics

    preauth = outcome(
        submit(world, agent, fhir_claim(R5, policy, holder, use="preauthorization")), 422
    )
    assert preauth.issue[0].code == "not-supported"


def test_a_motor_policy_cannot_take_a_health_claim(world):
    holder = world.customer()
    motor = world.policy(holder, "MOTOR-COMP")
    result = outcome(submit(world, world.staff(Role.AGENT), fhir_claim(R5, motor, holder)), 422)
    assert "medical policy" in result.issue[0].diagnostics


def test_an_unknown_fhir_version_is_refused(world, family):
    policy, holder, _ = family
    response = submit(
        world,
        world.staff(Role.AGENT),
        fhir_claim(R5, policy, holder),
        "application/fhir+json; fhirVersion=3.0",
    )
    assert outcome(response, 400).issue[0].code == "not-supported"


def test_customers_cannot_use_the_partner_fhir_endpoint(world, family):
    policy, holder, _ = family
    customer = world.login(Role.CUSTOMER, holder)
    response = submit(world, customer, fhir_claim(R5, policy, holder))
    assert response.status_code == 403


def test_a_claim_reported_through_the_rest_api_is_exported_as_a_claim_response(world, family):
    policy, holder, _ = family
    claim_id = world.report(world.login(Role.CUSTOMER, holder), policy, amount="5200.00").json()[
        "id"
    ]
    adjudicate(world, claim_id, "start_review", "assess", "verify_coverage", "approve")

    answer = world.client.get(f"{FHIR}/ClaimResponse/{claim_id}", headers=world.staff(Role.AGENT))

    assert answer.status_code == 200, answer.text
    response = ClaimResponseR5.model_validate(answer.json())
    assert response.patient.identifier.value == str(holder.id)
    assert response.type.coding[0].code == "institutional"
    assert amounts(answer.json()["total"])["benefit"] == Decimal("3360")


def test_a_motor_claim_has_no_fhir_claim_response(world):
    holder = world.customer()
    motor = world.policy(holder, "MOTOR-COMP")
    claim_id = world.report(
        world.login(Role.CUSTOMER, holder), motor, claim_type="vehicle_damage"
    ).json()["id"]

    answer = world.client.get(f"{FHIR}/ClaimResponse/{claim_id}", headers=world.staff(Role.AGENT))

    assert "health claims only" in outcome(answer, 422).issue[0].diagnostics


def test_an_unknown_claim_is_a_404_operation_outcome(world):
    answer = world.client.get(f"{FHIR}/ClaimResponse/999999", headers=world.staff(Role.AGENT))
    assert outcome(answer, 404).issue[0].code == "not-found"
