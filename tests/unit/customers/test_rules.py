"""Lifecycle stage, next best service and loyalty tiers: pure rules on hand-made facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from claimdesk.core.errors import Conflict
from claimdesk.customers import rules
from claimdesk.customers.rules import CustomerFacts, Stage

TODAY = date(2026, 6, 15)
LOW = 2
ACTIVE = CustomerFacts(
    today=TODAY,
    first_policy_start=date(2024, 1, 1),
    policies_in_force=1,
    last_policy_end=date(2026, 12, 31),
    renewals_due=(),
    lowest_recent_score=None,
    open_complaints=0,
    recent_denials=0,
    claims_awaiting_documents=0,
    uses_self_service=True,
)


def stage(**changes) -> rules.Labelled:
    return rules.lifecycle_stage(replace(ACTIVE, **changes), low_score=LOW)


def test_a_customer_who_never_held_a_policy_is_a_prospect():
    assert stage(first_policy_start=None, policies_in_force=0).code == Stage.PROSPECT


def test_a_customer_with_no_policy_in_force_has_lapsed_and_the_reason_gives_the_date():
    lapsed = stage(policies_in_force=0, last_policy_end=date(2025, 12, 31))
    assert (lapsed.code, lapsed.rule) == (Stage.LAPSED, "none_in_force")
    assert "2025-12-31" in lapsed.reason_en and "2025-12-31" in lapsed.reason_zh


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"lowest_recent_score": 2}, "low_csat"),
        ({"open_complaints": 1}, "open_complaint"),
        ({"recent_denials": 1}, "claim_denied"),
        ({"renewals_due": (("P1", date(2026, 7, 1)),)}, "all_policies_ending"),
    ],
)
def test_signs_of_churn_put_a_customer_at_risk_naming_the_rule(changes, rule):
    at_risk = stage(**changes)
    assert (at_risk.code, at_risk.rule) == (Stage.AT_RISK, rule)


def test_a_score_above_the_low_threshold_is_no_risk():
    assert stage(lowest_recent_score=3).code == Stage.ACTIVE


def test_one_of_two_policies_ending_is_no_risk_but_a_renewal_reminder():
    facts = replace(ACTIVE, policies_in_force=2, renewals_due=(("P1", date(2026, 7, 1)),))
    labelled = rules.lifecycle_stage(facts, low_score=LOW)
    assert labelled.code == Stage.ACTIVE
    assert rules.next_best_service(facts, labelled).code == "remind_renewal"


def test_a_customer_is_new_for_90_days_after_the_first_policy_starts():
    assert stage(first_policy_start=date(2026, 4, 1)).code == Stage.NEW
    assert stage(first_policy_start=date(2026, 3, 1)).code == Stage.ACTIVE


def test_the_next_best_service_after_a_low_score_is_a_call():
    facts = replace(ACTIVE, lowest_recent_score=1)
    nbs = rules.next_best_service(facts, rules.lifecycle_stage(facts, low_score=LOW))
    assert nbs.code == "call_after_low_csat" and "1/5" in nbs.reason_en


def test_offline_customers_waiting_on_documents_are_offered_online_upload():
    facts = replace(ACTIVE, claims_awaiting_documents=1, uses_self_service=False)
    nbs = rules.next_best_service(facts, rules.lifecycle_stage(facts, low_score=LOW))
    assert nbs.code == "offer_self_service_upload"
    online = replace(facts, uses_self_service=True)
    assert (
        rules.next_best_service(online, rules.lifecycle_stage(online, low_score=LOW)).code == "none"
    )


def test_tiers_follow_points_ever_earned():
    config = rules.load_loyalty()
    assert [config.tier_for(p).code for p in (0, 499, 500, 1500, 4000)] == [
        "standard",
        "standard",
        "silver",
        "gold",
        "platinum",
    ]
    assert config.tier_for(1500).service_tier == "vip"


def test_a_benefit_dearer_than_the_balance_cannot_be_bought():
    config = rules.load_loyalty()
    checkup = config.benefits["health_checkup"]
    rules.check_spend(checkup.points, checkup)
    with pytest.raises(Conflict):
        rules.check_spend(checkup.points - 1, checkup)


def test_tiers_out_of_order_are_refused_at_load():
    raw = {
        "earn": {},
        "benefits": {},
        "tiers": [
            {"code": c, "min_points": p, "service_tier": "standard", "priority": "normal",
             "name_zh": c, "name_en": c, "benefits_zh": [], "benefits_en": []}
            for c, p in (("a", 0), ("b", 900), ("c", 500))
        ],
    }  # fmt: skip
    with pytest.raises(ValueError, match="rising"):
        rules.parse_loyalty(raw)


def test_full_years_count_anniversaries_passed():
    assert rules.full_years(date(2023, 6, 16), TODAY) == 2
    assert rules.full_years(date(2023, 6, 15), TODAY) == 3
    assert rules.full_years(date(2024, 2, 29), date(2025, 2, 28)) == 1
