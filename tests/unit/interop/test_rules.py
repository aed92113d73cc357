from datetime import date
from decimal import Decimal

import pytest

from claimdesk.interop.rules import (
    FhirInvalid,
    FhirVersion,
    allocate,
    claim_request,
    parse_claim,
    version_from_media_type,
)


@pytest.mark.parametrize(
    ("header", "version"),
    [
        (None, FhirVersion.R5),
        ("application/fhir+json", FhirVersion.R5),
        ("application/fhir+json; fhirVersion=5.0", FhirVersion.R5),
        ("application/fhir+json; fhirVersion=4.0", FhirVersion.R4),
        ('application/fhir+json;fhirversion="4.3"', FhirVersion.R4B),
        ("application/json; charset=utf-8", FhirVersion.R5),
    ],
)
def test_the_version_comes_from_the_media_type(header, version):
    assert version_from_media_type(header) is version


def test_r4_uses_the_r4b_models():
    assert FhirVersion.R4.model("Claim").__module__ == "fhir.resources.R4B.claim"
    assert FhirVersion.R5.model("Claim").__module__ == "fhir.resources.claim"


def test_an_unknown_version_is_a_400():
    with pytest.raises(FhirInvalid) as refused:
        version_from_media_type("application/fhir+json; fhirVersion=1.0")
    assert refused.value.status == 400


def _claim(**more):
    body = {
        "resourceType": "Claim",
        "status": "active",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                    "code": "professional",
                }
            ]
        },
        "use": "claim",
        "patient": {"identifier": {"value": "110101199001011234"}},
        "created": "2026-06-12",
        "insurance": [
            {"sequence": 1, "focal": False, "coverage": {"identifier": {"value": "OTHER"}}},
            {"sequence": 2, "focal": True, "coverage": {"identifier": {"value": "POL-1"}}},
        ],
        "item": [
            {
                "sequence": 3,
                "productOrService": {"coding": [{"code": "99213", "display": "Office visit"}]},
                "servicedDate": "2026-06-03",
                "unitPrice": {"value": 150, "currency": "CNY"},
                "quantity": {"value": 2},
            },
            {
                "sequence": 4,
                "productOrService": {"text": "Lab tests"},
                "servicedDate": "2026-06-02",
                "net": {"value": 200, "currency": "CNY"},
            },
        ],
    }
    body.update(more)
    return parse_claim(body, FhirVersion.R5)


def test_a_claim_maps_to_coverage_policy_lines_and_the_earliest_service_day():
    request = claim_request(_claim())
    assert request.policy_number == "POL-1"  # the focal insurance
    assert request.coverage_code == "outpatient"
    assert request.incident_date == date(2026, 6, 2)
    assert [(line.sequence, line.description, line.amount) for line in request.lines] == [
        (3, "3. 99213 Office visit", Decimal("300")),
        (4, "4. Lab tests", Decimal("200")),
    ]
    assert request.total == Decimal("500")
    assert request.currency == "CNY"


def test_the_accident_date_wins_and_a_claimdesk_coverage_code_overrides_the_type():
    request = claim_request(
        _claim(
            accident={"date": "2026-05-30"},
            subType={"coding": [{"system": "urn:claimdesk:coverage", "code": "inpatient"}]},
        )
    )
    assert request.incident_date == date(2026, 5, 30)
    assert request.coverage_code == "inpatient"


def test_every_business_rule_problem_is_reported_at_once():
    with pytest.raises(FhirInvalid) as refused:
        claim_request(
            _claim(
                use="predetermination",
                type={
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                            "code": "vision",
                        }
                    ]
                },
                total={"value": 1, "currency": "CNY"},
            )
        )
    assert refused.value.status == 422
    assert [issue.expression for issue in refused.value.issues] == [
        "Claim.use",
        "Claim.type",
        "Claim.total",
    ]


def test_allocation_spreads_the_coverage_figures_over_items_exactly():
    payout = {
        "items": [
            {
                "ref": "1",
                "coverage_code": "inpatient",
                "claimed": "3000.00",
                "eligible": "3000.00",
                "steps": [],
            },
            {
                "ref": "2",
                "coverage_code": "inpatient",
                "claimed": "2200.00",
                "eligible": "2200.00",
                "steps": [],
            },
            {
                "ref": "3",
                "coverage_code": "inpatient",
                "claimed": "500.00",
                "eligible": "0.00",
                "steps": [{"message_en": "Excluded: cosmetic."}],
            },
        ],
        "coverages": [
            {
                "code": "inpatient",
                "eligible": "5200.00",
                "deductible_applied": "1000.00",
                "copay": "840.00",
                "payable": "3360.00",
            }
        ],
    }
    first, second, excluded = allocate(payout)
    assert (first.deductible, first.copay, first.benefit) == (
        Decimal("576.92"),
        Decimal("484.62"),
        Decimal("1938.46"),
    )
    assert first.benefit + second.benefit == Decimal("3360.00")
    assert first.copay + second.copay == Decimal("840.00")
    assert second.eligible - second.deductible - second.copay == second.benefit
    assert (excluded.benefit, excluded.reasons) == (Decimal("0.00"), ("Excluded: cosmetic.",))


def test_amounts_finer_than_cents_are_refused():
    with pytest.raises(FhirInvalid) as refused:
        claim_request(
            _claim(
                item=[
                    {
                        "sequence": 1,
                        "productOrService": {"text": "Tablets"},
                        "servicedDate": "2026-06-03",
                        "unitPrice": {"value": 1.005, "currency": "CNY"},
                        "quantity": {"value": 3},
                    }
                ]
            )
        )
    assert refused.value.issues[0].expression == "Claim.item[0].net"
    assert "two decimal places" in refused.value.issues[0].diagnostics
