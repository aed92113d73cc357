"""Triage rules (triage.toml): lanes by risk, routing and claim type; priority by severity,
amount and risk; reasons in both languages."""

from dataclasses import replace
from decimal import Decimal

import pytest

from claimdesk.catastrophe.triage import TriageFacts, config, parse_config, triage
from claimdesk.fraud.enums import Grade, Route

PROPERTY = TriageFacts(
    claim_type="vehicle_damage",
    claimed_amount=Decimal("3000.00"),
    currency="CNY",
    status="reported",
    siu_referred=False,
    grade=Grade.LOW,
    score=5,
    route=Route.REVIEW,
    route_reasons_en=("risk grade low (score 5)", "no verified payee bank account"),
    route_reasons_zh=("风险等级低（5分）", "没有已验证的收款账户"),
)


def test_a_plain_property_claim_goes_to_the_standard_lane_at_its_base_priority():
    result = triage(PROPERTY)
    assert (result.lane, result.priority, result.is_open) == ("standard", 55, True)
    assert result.reasons_en[0].startswith("Standard lane")
    assert "base priority 55" in result.reasons_en[1]
    assert "基础优先级55" in result.reasons_zh[1]


def test_straight_through_eligible_claims_take_the_fast_lane_with_the_routing_reasons():
    eligible = replace(
        PROPERTY,
        route=Route.STRAIGHT_THROUGH,
        route_reasons_en=("risk grade low (score 5)", "verified payee bank account"),
        route_reasons_zh=("风险等级低（5分）", "收款账户已验证"),
    )
    result = triage(eligible)
    assert result.lane == "fast"
    assert "straight-through eligible" in result.reasons_en[0]
    assert "verified payee bank account" in result.reasons_en[0]
    assert "收款账户已验证" in result.reasons_zh[0]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"siu_referred": True}, "referred to SIU"),
        ({"grade": Grade.HIGH, "score": 60, "route": Route.INVESTIGATION}, "risk grade high"),
        ({"grade": Grade.MEDIUM, "score": 30, "route": Route.SIU}, "routed to siu"),
    ],
)
def test_siu_referred_high_risk_or_siu_routed_claims_go_to_the_specialist_lane(change, why):
    result = triage(replace(PROPERTY, claim_type="inpatient", **change))
    assert result.lane == "specialist"  # before the injury lane: risk comes first
    assert why in result.reasons_en[0]


def test_injury_death_and_hospital_claims_come_before_property_claims():
    death = triage(replace(PROPERTY, claim_type="accidental_death_disability"))
    hospital = triage(replace(PROPERTY, claim_type="inpatient"))
    outpatient = triage(replace(PROPERTY, claim_type="outpatient"))
    car = triage(PROPERTY)
    assert death.lane == hospital.lane == "injury"
    assert death.priority < hospital.priority < outpatient.priority < car.priority
    assert "injury, death or hospital" in death.reasons_en[0]


def test_larger_amounts_come_earlier_by_the_first_band_they_reach():
    def priority(amount: str) -> int:
        return triage(replace(PROPERTY, claimed_amount=Decimal(amount))).priority

    assert priority("4999.99") == 55
    assert priority("5000.00") == 50
    assert priority("20000.00") == 45
    assert priority("250000.00") == 40
    reasons = triage(replace(PROPERTY, claimed_amount=Decimal("250000"))).reasons_en
    assert "Claimed amount CNY 250,000.00 at least CNY 100,000.00: 15 earlier" in reasons


def test_high_risk_comes_earlier_and_priority_never_drops_below_one():
    risky = triage(replace(PROPERTY, grade=Grade.CRITICAL, score=80, route=Route.SIU))
    assert risky.priority == 50
    assert "风险等级极高：提前5" in risky.reasons_zh
    worst = triage(
        replace(
            PROPERTY,
            claim_type="accidental_death_disability",
            claimed_amount=Decimal("900000"),
            grade=Grade.CRITICAL,
            score=90,
        )
    )
    assert worst.priority == 1  # 10 - 15 - 5, floored


def test_an_unscored_claim_is_triaged_by_its_type_and_amount_alone():
    result = triage(replace(PROPERTY, grade=None, score=None, route=None))
    assert (result.lane, result.priority) == ("standard", 55)


@pytest.mark.parametrize("status", ["paid", "denied", "closed", "archived", "withdrawn"])
def test_finished_claims_leave_the_open_queue(status):
    assert triage(replace(PROPERTY, status=status)).is_open is False
    assert triage(replace(PROPERTY, status="reopened")).is_open is True


def test_the_last_lane_must_take_every_claim_left():
    shipped = config()
    assert shipped.lanes[-1].code == "standard"
    data = {
        "version": "x",
        "done_statuses": [],
        "lanes": [{"code": "fast", "routes": ["straight_through"], "en": "", "zh": ""}],
        "severity": {"default": 1, "en": "", "zh": "", "claim_types": {}},
        "amount_bands": [],
        "amount": {"en": "", "zh": ""},
        "risk": {"grades": [], "earlier_by": 0, "en": "", "zh": ""},
    }
    with pytest.raises(ValueError, match="last lane"):
        parse_config(data)
