"""The pure rules behind answers from a customer's records: what a cover question is
about, what the terms say of it, when approved money is due, and the answer types."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from claimdesk.assistant import rules
from claimdesk.assistant.dialogue import intent_of, policy_line
from claimdesk.assistant.enums import Intent
from claimdesk.claims.payout import CoverageTerms, PolicyTerms


def _coverage(code: str, *exclusions: str) -> CoverageTerms:
    return CoverageTerms(
        code=code,
        name_en=code,
        name_zh=code,
        deductible=Decimal("0"),
        deductible_basis="per_claim",
        copay_ratio=Decimal("0"),
        per_item_limit=None,
        annual_limit=None,
        waiting_period_days=0,
        exclusions=frozenset(exclusions),
    )


MEDICAL = PolicyTerms(
    start_date=date(2026, 1, 1),
    end_date=date(2026, 12, 31),
    sum_insured=Decimal("300000"),
    currency="CNY",
    coverages={
        "inpatient": _coverage("inpatient", "cosmetic", "pre_existing"),
        "outpatient": _coverage("outpatient", "cosmetic", "pre_existing"),
    },
    exclusions=frozenset({"war", "nuclear", "fraud"}),
)


def _topic(text: str) -> rules.Topic:
    topic = rules.find_topic(text)
    assert topic is not None
    return topic


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("我的保单保牙齿矫正吗？", "orthodontics"),  # 牙齿矫正 before 牙齿
        ("does my policy cover braces", "orthodontics"),
        ("is a filling at the dentist covered", "dental"),
        ("我的医疗险报住院吗", "hospital_stay"),
        ("Does my policy cover a nose job?", "cosmetic"),
    ],
)
def test_a_cover_question_names_its_topic_by_the_longest_word_it_uses(text: str, key: str) -> None:
    assert _topic(text).key == key


def test_a_question_about_nothing_the_vocabulary_knows_has_no_topic() -> None:
    assert rules.find_topic("does my insurance pay for a new kitchen") is None


def test_a_topic_no_coverage_pays_for_is_not_found_with_its_conditional_exclusion() -> None:
    verdict = rules.judge_cover(_topic("orthodontics"), MEDICAL)
    assert verdict.verdict == rules.Verdict.NOT_FOUND
    assert verdict.coverages == ()
    assert [(c.code, e.coverage) for c, e in verdict.conditions] == [("cosmetic", "inpatient")]


def test_an_excluded_topic_names_every_clause_that_excludes_it() -> None:
    verdict = rules.judge_cover(_topic("plastic surgery"), MEDICAL)
    assert verdict.verdict == rules.Verdict.EXCLUDED
    assert [(e.code, e.coverage) for e in verdict.exclusions] == [
        ("cosmetic", "inpatient"),
        ("cosmetic", "outpatient"),
    ]


def test_a_covered_topic_names_the_paying_coverage_and_its_conditions() -> None:
    verdict = rules.judge_cover(_topic("a hospital stay"), MEDICAL)
    assert verdict.verdict == rules.Verdict.COVERED
    assert verdict.coverages == ("inpatient",)
    assert {c.code for c, _ in verdict.conditions} == {"pre_existing", "cosmetic"}


def test_a_general_exclusion_of_the_policy_excludes_for_every_coverage() -> None:
    terms = PolicyTerms(
        start_date=MEDICAL.start_date,
        end_date=MEDICAL.end_date,
        sum_insured=MEDICAL.sum_insured,
        currency="CNY",
        coverages={"inpatient": _coverage("inpatient")},
        exclusions=frozenset({"cosmetic"}),
    )
    verdict = rules.judge_cover(_topic("cosmetic"), terms)
    assert verdict.exclusions == (rules.Exclusion("cosmetic", None),)


def test_approved_money_is_due_ten_days_after_the_decision() -> None:
    decided = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
    assert rules.payment_due(decided) == datetime(2026, 6, 25, 2, 0, tzinfo=UTC)


def test_exclusion_codes_are_shown_by_name_in_the_readers_language() -> None:
    assert rules.exclusion_label("pre_existing", "zh-CN") == "既往症"
    assert rules.exclusion_label("pre_existing", "en") == "pre-existing conditions"
    assert rules.exclusion_label("unknown_code", "en") == "unknown_code"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我的医疗险还剩多少保额？", Intent.REMAINING),
        ("how much cover do I have left", Intent.REMAINING),
        ("我的保单保牙齿矫正吗？", Intent.COVER_CHECK),
        ("what is excluded from my policy", Intent.EXCLUSIONS),
        ("what is my deductible", Intent.DEDUCTIBLE),
        ("我的理赔款什么时候到账", Intent.PAYMENT_TIMING),
        ("what does my policy cover", Intent.POLICY_COVER),
        ("理赔款一般多久能到账？", Intent.QUESTION),  # in general: the knowledge base
        ("is orthodontics covered", Intent.QUESTION),
        ("My father died in a car crash", Intent.QUESTION),
        ("免赔额是什么", Intent.QUESTION),
    ],
)
def test_the_answer_type_of_a_question(text: str, intent: Intent) -> None:
    assert intent_of(text) == intent


def test_a_question_naming_a_kind_of_policy_is_matched_to_its_line() -> None:
    assert policy_line("我的医疗险还剩多少保额") == "medical"
    assert policy_line("does my car insurance cover hail") == "motor"
    assert policy_line("我的保单保什么") is None
