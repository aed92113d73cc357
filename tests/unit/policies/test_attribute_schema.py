"""Per-product attribute schemas: data files, validated values, labels in both languages."""

from __future__ import annotations

from datetime import date

import pytest

from claimdesk.core.errors import ValidationFailed
from claimdesk.policies.attribute_schema import (
    derive_claim_attributes,
    parse_schema,
    schema_for,
    shown,
    validate_attributes,
)


def _motor():
    schema = schema_for("MOTOR-COMP")
    assert schema is not None
    return schema


def test_the_motor_schema_names_the_first_notice_facts_and_the_insured_vehicle():
    schema = _motor()
    claim = {a.name for a in schema.claim}
    assert {"fault", "accident_area", "police_report_filed", "witness_present"} <= claim
    assert {"number_of_cars", "days_policy_accident"} <= claim
    vehicle = {a.name for a in schema.insured_object}
    assert {"make", "vehicle_category", "vehicle_price", "vehicle_age", "driver_rating"} <= vehicle
    for attribute in (*schema.claim, *schema.insured_object):
        assert attribute.label_zh and attribute.label_en


def test_a_product_without_a_schema_file_has_none():
    assert schema_for("NO-SUCH-PRODUCT") is None


def test_valid_values_are_stored_typed_in_schema_order():
    stored = validate_attributes(
        _motor(),
        "claim",
        {"witness_present": "yes", "fault": "third_party", "police_report_filed": False},
        field="attributes",
    )
    assert stored == {"fault": "third_party", "police_report_filed": False, "witness_present": True}
    assert list(stored) == ["fault", "police_report_filed", "witness_present"]


def test_an_unknown_attribute_is_refused_naming_the_field():
    with pytest.raises(ValidationFailed) as refused:
        validate_attributes(_motor(), "claim", {"colour": "red"}, field="attributes")
    assert refused.value.details[0]["field"] == "attributes.colour"


def test_a_value_outside_the_choices_is_refused_with_the_allowed_ones():
    with pytest.raises(ValidationFailed) as refused:
        validate_attributes(_motor(), "claim", {"fault": "nobody"}, field="attributes")
    detail = refused.value.details[0]
    assert detail["field"] == "attributes.fault"
    assert detail["allowed"] == ["policy_holder", "third_party"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("driver_rating", 5), ("driver_rating", "two"), ("driver_rating", True), ("make", 3)],
)
def test_an_insured_object_value_of_the_wrong_type_or_range_is_refused(name, value):
    with pytest.raises(ValidationFailed) as refused:
        validate_attributes(_motor(), "insured_object", {name: value}, field="insured_object")
    assert refused.value.details[0]["field"] == f"insured_object.{name}"


def test_a_product_without_a_schema_takes_no_claim_attributes_but_free_insured_objects():
    with pytest.raises(ValidationFailed):
        validate_attributes(None, "claim", {"fault": "third_party"}, field="attributes")
    assert validate_attributes(None, "insured_object", {"room": 12}, field="x") == {"room": "12"}


@pytest.mark.parametrize(
    ("incident", "band"),
    [
        (date(2026, 1, 1), "none"),
        (date(2026, 1, 8), "1_to_7"),
        (date(2026, 1, 9), "8_to_15"),
        (date(2026, 1, 31), "15_to_30"),
        (date(2026, 2, 1), "more_than_30"),
    ],
)
def test_days_from_policy_start_are_derived_when_not_given(incident, band):
    derived = derive_claim_attributes(
        _motor(), {"fault": "third_party"}, policy_start=date(2026, 1, 1), incident_date=incident
    )
    assert derived == {"fault": "third_party", "days_policy_accident": band}


def test_a_given_band_is_kept_over_the_derived_one():
    derived = derive_claim_attributes(
        _motor(),
        {"days_policy_accident": "none"},
        policy_start=date(2026, 1, 1),
        incident_date=date(2026, 5, 1),
    )
    assert derived == {"days_policy_accident": "none"}


def test_values_are_shown_with_labels_in_the_readers_language():
    values = {"fault": "third_party", "police_report_filed": True}
    assert [(a.label, a.value) for a in shown(_motor(), "claim", values, "zh-CN")] == [
        ("事故责任方", "第三方"),
        ("已报警", "是"),
    ]
    assert [(a.label, a.value) for a in shown(_motor(), "claim", values, "en")] == [
        ("Party at fault", "Third party"),
        ("Police report filed", "Yes"),
    ]


def test_a_schema_with_an_unknown_type_does_not_load():
    with pytest.raises(ValueError, match="unknown type"):
        parse_schema("X", '[claim.a]\ntype = "colour"\nlabel_zh = "a"\nlabel_en = "a"\n')
