from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from claimdesk.fraud import rules
from claimdesk.fraud.enums import Grade, Route

CLEAN = rules.ClaimFacts(
    claim_type="accidental_medical",
    claimed_amount=Decimal("800.00"),
    currency="CNY",
    incident_date=date(2026, 6, 1),
    reported_on=date(2026, 6, 3),
    policy_start=date(2026, 1, 1),
    remaining_sum_insured=Decimal("100000.00"),
    other_claims_reported_on=(date(2025, 11, 1),),
    payee_account_added_on=date(2025, 1, 1),
    customer_since=date(2025, 1, 1),
)

CRAFTED = {
    "early_claim": {"incident_date": date(2026, 1, 20), "reported_on": date(2026, 1, 21)},
    "near_sum_insured": {"remaining_sum_insured": Decimal("850.00")},
    "frequent_claims": {"other_claims_reported_on": (date(2026, 4, 1), date(2026, 5, 20))},
    "duplicate_document": {
        "shared_documents": (rules.SharedDocument("invoice number", "INV-1", "CLM2", 7),)
    },
    "duplicate_loss_line": {
        "shared_loss_lines": (rules.SharedLossLine("X-ray", Decimal("800.00"), "CLM3", 8),)
    },
    "incident_before_cover": {"policy_start": date(2026, 6, 2)},
    "late_reporting": {"reported_on": date(2026, 7, 15)},
    "bank_account_changed": {"payee_account_added_on": date(2026, 5, 30)},
    "document_mismatch": {
        "document_conflicts": (rules.DocumentConflict("dated 2025", "日期为2025年"),)
    },
}


def test_every_configured_rule_has_a_crafted_case():
    assert set(CRAFTED) == set(rules.config().rules) == set(rules.RULES)


def test_a_clean_claim_fires_no_rule_and_is_low_risk():
    result = rules.assess(CLEAN)
    assert result.factors == ()
    assert (result.score, result.grade) == (0, Grade.LOW)


@pytest.mark.parametrize("code", sorted(CRAFTED))
def test_each_rule_fires_on_its_crafted_claim_with_reasons_in_both_languages(code):
    result = rules.assess(replace(CLEAN, **CRAFTED[code]))
    assert [f.code for f in result.factors] == [code]
    factor = result.factors[0]
    assert factor.weight == rules.config().rules[code].weight
    assert "{" not in factor.reason_en and "{" not in factor.reason_zh
    assert factor.reason_zh != factor.reason_en
    assert result.score == round(100 * factor.weight)


def test_an_account_the_customer_came_with_is_not_a_bank_account_change():
    facts = replace(
        CLEAN, payee_account_added_on=date(2026, 5, 30), customer_since=date(2026, 5, 30)
    )
    assert rules.assess(facts).factors == ()


def test_several_flags_combine_without_passing_100():
    facts = replace(CLEAN, **CRAFTED["duplicate_document"], **CRAFTED["bank_account_changed"])
    facts = replace(facts, **CRAFTED["early_claim"], **CRAFTED["document_mismatch"])
    result = rules.assess(facts)
    assert 75 <= result.score < 100
    assert result.grade == Grade.CRITICAL
    assert result.factors[0].code == "duplicate_document"  # heaviest first


def test_weights_and_thresholds_come_from_the_configuration():
    cfg = rules.config()
    lighter = replace(
        cfg,
        rules={
            **cfg.rules,
            "late_reporting": replace(cfg.rules["late_reporting"], params={"days": 60}),
        },
    )
    facts = replace(CLEAN, **CRAFTED["late_reporting"])
    assert rules.assess(facts, lighter).factors == ()


def test_a_configuration_naming_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown rule"):
        rules.parse_config(
            {
                "version": "x",
                "grades": {},
                "routing": {"simple_claim_types": []},
                "rules": {"made_up": {"weight": 0.1, "en": "", "zh": ""}},
            }
        )


def _route(grade: Grade, **overrides):
    options = {
        "score": 0,
        "grade": grade,
        "claim_type": "accidental_medical",
        "amount": Decimal("800.00"),
        "currency": "CNY",
        "max_amount": Decimal("3000"),
        "has_loss_lines": True,
        "verified_account": True,
    }
    return rules.route(**{**options, **overrides})


def test_a_low_risk_simple_small_claim_goes_straight_through():
    decision = _route(Grade.LOW)
    assert decision.route == Route.STRAIGHT_THROUGH
    assert any("verified" in r for r in decision.reasons_en)


@pytest.mark.parametrize(
    ("grade", "expected"),
    [(Grade.MEDIUM, Route.REVIEW), (Grade.HIGH, Route.INVESTIGATION), (Grade.CRITICAL, Route.SIU)],
)
def test_higher_grades_never_go_straight_through(grade, expected):
    assert _route(grade).route == expected


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"claim_type": "inpatient"}, "not a simple claim type"),
        ({"amount": Decimal("3000.01")}, "above the straight-through limit"),
        ({"verified_account": False}, "no verified payee bank account"),
        ({"has_loss_lines": False}, "no itemised loss lines"),
        ({"max_amount": None}, "straight-through processing is off"),
    ],
)
def test_a_low_risk_claim_that_is_not_simple_stops_at_review_and_says_why(override, reason):
    decision = _route(Grade.LOW, **override)
    assert decision.route == Route.REVIEW
    assert any(reason in r for r in decision.reasons_en)
