"""Answers from the customer's own policy and claims, before any retrieval: cover asked
about one thing (from the terms and exclusions only), exclusions, deductibles, the
remaining sum insured, and when a claim's money arrives. Plus the four questions of the
issue that first showed the gap, answered by the real model where the knowledge base
answers them."""

from __future__ import annotations

from typing import Any

import pytest

from claimdesk.customers.models import Customer
from claimdesk.security.enums import Role
from tests.factories import World
from tests.integration.assistant.test_conversations import ask


def _approved_inpatient_claim(world: World, holder: Customer, headers: dict[str, str]) -> Any:
    """A 5,000 CNY inpatient claim approved for 3,200 (1,000 deductible, 20% co-payment)."""
    policy = world.policy(holder, sum_insured="300000")
    claim = world.report(
        headers, policy, amount="5000.00", bank_account_id=holder.bank_accounts[0].id
    ).json()
    world.settle(headers, claim["id"], until="approve")
    return policy, claim


@pytest.fixture
def holder(world: World) -> Customer:
    return world.customer("李雷")


@pytest.fixture
def headers(world: World, holder: Customer) -> dict[str, str]:
    return world.login(Role.CUSTOMER, holder)


def test_the_remaining_sum_insured_of_my_medical_policy_counts_the_approved_claims(
    world: World, fake_model: None, holder: Customer, headers: dict[str, str]
) -> None:
    policy, _ = _approved_inpatient_claim(world, holder, headers)
    world.policy(holder, "MOTOR-COMP", sum_insured="100000")
    reply = ask(world, "我的医疗险还剩多少保额？", headers)
    assert reply["intent"] == "remaining"
    assert policy.number in reply["answer"]
    assert "剩余保额 296,800.00 元" in reply["answer"]
    assert (
        "住院医疗：年度限额 200,000.00 元，已赔 3,200.00 元，还可赔 196,800.00 元"
        in (reply["answer"])
    )
    assert "机动车" not in reply["answer"]  # the motor policy was not asked about
    assert reply["sources"][0]["kind"] == "clause"
    assert reply["sources"][0]["id"] == f"policy/{policy.number}/sum_insured"


def test_orthodontics_is_not_promised_when_the_terms_do_not_list_it(
    world: World, fake_model: None, holder: Customer, headers: dict[str, str]
) -> None:
    policy = world.policy(holder)
    reply = ask(world, "我的保单保牙齿矫正吗？", headers)
    assert reply["intent"] == "cover_check"
    answer = reply["answer"]
    assert f"在保单 {policy.number}《安心住院医疗保险》的保障中找不到牙齿矫正" in answer
    assert "住院医疗、门诊医疗" in answer and "不能说这项在保障范围内" in answer
    assert "为改善牙齿外观而做的，属于责任免除“美容治疗”" in answer
    kinds = {(s["kind"], s["id"]) for s in reply["sources"]}
    assert ("entry", "zh-CN/dental-orthodontics") in kinds
    assert ("clause", f"policy/{policy.number}/cover_list") in kinds


def test_an_excluded_treatment_is_refused_citing_its_exclusion_clause(
    world: World, fake_model: None, holder: Customer, headers: dict[str, str]
) -> None:
    policy = world.policy(holder)
    reply = ask(world, "Does my policy cover a nose job?", headers)
    assert reply["intent"] == "cover_check"
    assert (
        f"Policy {policy.number} (SecureCare Hospital Medical Insurance) does not pay for "
        in (reply["answer"])
    )
    assert 'exclude it as "cosmetic treatment"' in reply["answer"]
    assert "[policy " in reply["answer"]


def test_a_covered_topic_names_its_coverage_and_terms(
    world: World, fake_model: None, holder: Customer, headers: dict[str, str]
) -> None:
    world.policy(holder, "ACC-PLUS", sum_insured="500000")
    reply = ask(world, "does my policy cover a dog bite?", headers)
    assert reply["intent"] == "cover_check"
    assert 'is covered under "Accidental medical expenses"' in reply["answer"]
    assert "deductible CNY 100.00 (per claim), your co-payment 10%" in reply["answer"]
    assert "self-inflicted" in reply["answer"]  # the exclusion that applies in some cases


def test_a_cover_question_about_something_unknown_promises_nothing(
    world: World, fake_model: None, holder: Customer, headers: dict[str, str]
) -> None:
    world.policy(holder)
    reply = ask(world, "does my insurance pay for a new kitchen?", headers)
    assert reply["intent"] == "cover_check"
    assert "could not match your question" in reply["answer"]
    assert "cannot tell you it is covered" in reply["answer"]
    assert "pre-existing conditions" in reply["answer"]


def test_deductibles_show_what_the_annual_one_has_used(
    world: World, fake_model: None, holder: Customer, headers: dict[str, str]
) -> None:
    _approved_inpatient_claim(world, holder, headers)
    reply = ask(world, "what is my deductible?", headers)
    assert reply["intent"] == "deductible"
    assert (
        "Inpatient treatment: CNY 1,000.00 per policy year; used this policy year"
        in (reply["answer"])
    )
    assert "still to bear CNY 0.00" in reply["answer"]
    assert "Outpatient treatment: CNY 200.00 per claim" in reply["answer"]


def test_the_exclusions_of_my_policy_are_listed_by_name(
    world: World, fake_model: None, holder: Customer, headers: dict[str, str]
) -> None:
    world.policy(holder, "MOTOR-COMP", sum_insured="100000")
    reply = ask(world, "我的车险哪些不赔？", headers)
    assert reply["intent"] == "exclusions"
    assert "战争、军事行动、核辐射、核污染、欺诈、赛车（全部责任）" in reply["answer"]
    assert "酒后驾驶" in reply["answer"] and "无证驾驶" in reply["answer"]


def test_an_approved_claim_is_due_ten_days_after_the_agreement(
    world: World, fake_model: None, holder: Customer, headers: dict[str, str]
) -> None:
    _, claim = _approved_inpatient_claim(world, holder, headers)
    reply = ask(world, "我的理赔款什么时候到账？", headers)
    assert reply["intent"] == "payment_timing"
    assert f"案件 {claim['number']} 已于 2026-06-15 核准 3,200.00 元" in reply["answer"]
    assert "十日内支付，即最迟 2026-06-25" in reply["answer"]
    assert {s["id"] for s in reply["sources"]} == {f"claim/{claim['number']}", "zh-CN/payment-when"}


def test_an_undecided_claim_says_the_decision_comes_first(
    world: World, fake_model: None, holder: Customer, headers: dict[str, str]
) -> None:
    policy = world.policy(holder)
    claim = world.report(headers, policy).json()
    reply = ask(world, "when will I get the money for my claim?", headers)
    assert reply["intent"] == "payment_timing"
    assert f"Claim {claim['number']} is " in reply["answer"]
    assert "paid within 10 days (Insurance Law art. 23)" in reply["answer"]


def test_when_the_money_arrives_in_general_is_answered_from_the_knowledge_base(
    world: World,
) -> None:
    reply = ask(world, "理赔款一般多久能到账？")
    assert reply["intent"] == "question"
    assert reply["sources"][0]["id"] == "zh-CN/payment-when"
    assert "十日内支付" in reply["answer"] and "第二十三条" in reply["answer"]


def test_a_death_in_a_car_crash_gets_death_claim_guidance_not_car_damage(world: World) -> None:
    reply = ask(world, "My father died in a car crash")
    # Answered, or (below the answering threshold) asked back with the death entry first.
    assert reply["intent"] in ("question", "clarify")
    assert reply["sources"][0]["id"] in ("en/death-car-crash", "en/death-claim-start")
    assert "died" in reply["answer"].lower() or "death" in reply["answer"].lower()
    assert "repair" not in reply["answer"].lower()


def test_orthodontics_asked_anonymously_is_answered_from_the_knowledge_base(
    world: World,
) -> None:
    reply = ask(world, "我的保单保牙齿矫正吗？")
    assert "请先登录" in reply["answer"]
    assert reply["sources"][0]["id"] == "zh-CN/dental-orthodontics"
