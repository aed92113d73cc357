"""Hand-checked examples for the pure payout calculator.

Three products: a medical policy, a motor policy and an accident policy. Every expected
figure is worked out by hand in a comment next to the assertion.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimdesk.claims.payout import (
    CoverageTerms,
    LossItem,
    PayoutResult,
    PolicyTerms,
    PriorUsage,
    calculate_payout,
    to_cents,
)

D = Decimal
START = date(2024, 1, 1)
END = date(2024, 12, 31)
MID_YEAR = date(2024, 6, 15)

# --------------------------------------------------------------------------- products

INPATIENT = CoverageTerms(
    code="inpatient",
    name_en="Inpatient medical",
    name_zh="住院医疗",
    deductible=D("1000"),
    deductible_basis="annual",
    copay_ratio=D("0.2"),
    per_item_limit=None,
    annual_limit=D("200000"),
    waiting_period_days=30,
    exclusions=frozenset({"cosmetic", "pre_existing"}),
)
OUTPATIENT = CoverageTerms(
    code="outpatient",
    name_en="Outpatient medical",
    name_zh="门诊医疗",
    deductible=D("200"),
    deductible_basis="per_claim",
    copay_ratio=D("0.3"),
    per_item_limit=D("2000"),
    annual_limit=D("10000"),
    waiting_period_days=30,
    exclusions=frozenset(),
)
MEDICAL = PolicyTerms(
    start_date=START,
    end_date=END,
    sum_insured=D("300000"),
    currency="CNY",
    coverages={"inpatient": INPATIENT, "outpatient": OUTPATIENT},
    exclusions=frozenset({"war", "nuclear"}),
)

VEHICLE_DAMAGE = CoverageTerms(
    code="vehicle_damage",
    name_en="Vehicle damage",
    name_zh="车辆损失",
    deductible=D("500"),
    deductible_basis="per_claim",
    copay_ratio=D("0"),
    per_item_limit=None,
    annual_limit=None,
    waiting_period_days=0,
    exclusions=frozenset({"drunk_driving", "unlicensed_driver"}),
)
THIRD_PARTY = CoverageTerms(
    code="third_party",
    name_en="Third-party liability",
    name_zh="第三者责任",
    deductible=D("0"),
    deductible_basis="per_claim",
    copay_ratio=D("0"),
    per_item_limit=None,
    annual_limit=D("1000000"),
    waiting_period_days=0,
    exclusions=frozenset(),
)
MOTOR = PolicyTerms(
    start_date=START,
    end_date=END,
    sum_insured=D("1000000"),
    currency="CNY",
    coverages={"vehicle_damage": VEHICLE_DAMAGE, "third_party": THIRD_PARTY},
    exclusions=frozenset({"war", "nuclear"}),
)

ACCIDENT_EXCLUSIONS = frozenset({"self_inflicted", "drunk_driving"})
ACCIDENTAL_MEDICAL = CoverageTerms(
    code="accidental_medical",
    name_en="Accidental medical expenses",
    name_zh="意外医疗",
    deductible=D("100"),
    deductible_basis="per_claim",
    copay_ratio=D("0.1"),
    per_item_limit=None,
    annual_limit=D("20000"),
    waiting_period_days=0,
    exclusions=ACCIDENT_EXCLUSIONS,
)
ACCIDENTAL_DEATH_DISABILITY = CoverageTerms(
    code="accidental_death_disability",
    name_en="Accidental death and disability",
    name_zh="意外身故及伤残",
    deductible=D("0"),
    deductible_basis="per_claim",
    copay_ratio=D("0"),
    per_item_limit=None,
    annual_limit=None,
    waiting_period_days=0,
    exclusions=ACCIDENT_EXCLUSIONS,
)
ACCIDENT = PolicyTerms(
    start_date=START,
    end_date=END,
    sum_insured=D("500000"),
    currency="CNY",
    coverages={
        "accidental_medical": ACCIDENTAL_MEDICAL,
        "accidental_death_disability": ACCIDENTAL_DEATH_DISABILITY,
    },
    exclusions=frozenset(),
)


def item(ref: str, coverage: str, amount: str, *causes: str) -> LossItem:
    return LossItem(
        ref=ref,
        coverage_code=coverage,
        description=f"{coverage} loss {ref}",
        amount=D(amount),
        cause_codes=frozenset(causes),
    )


def step_codes(result: PayoutResult) -> list[tuple[str, str]]:
    return [(step.code, step.subject) for step in result.all_steps()]


# --------------------------------------------------------------------------- medical


def test_medical_inpatient_claim_applies_deductible_then_copay() -> None:
    result = calculate_payout(
        MEDICAL,
        MID_YEAR,
        [item("H1", "inpatient", "3200"), item("H2", "inpatient", "2000")],
    )

    (inpatient,) = result.coverages
    # eligible 3,200 + 2,000 = 5,200
    assert inpatient.eligible == D("5200.00")
    # deductible 1,000: 5,200 - 1,000 = 4,200
    assert inpatient.deductible_applied == D("1000.00")
    # co-pay 20% of 4,200 = 840
    assert inpatient.copay == D("840.00")
    # payable 4,200 - 840 = 3,360
    assert inpatient.payable == D("3360.00")
    assert result.total_claimed == D("5200.00")
    assert result.total_payable == D("3360.00")
    assert result.currency == "CNY"

    deductible_step, copay_step = inpatient.steps
    assert deductible_step.code == "deductible"
    assert deductible_step.subject == "inpatient"
    assert (deductible_step.amount_before, deductible_step.amount_after) == (
        D("5200.00"),
        D("4200.00"),
    )
    assert deductible_step.message_en == "Deductible of 1,000.00 CNY applied: 5,200.00 → 4,200.00"
    assert deductible_step.message_zh == "扣除免赔额 1,000.00 元：5,200.00 → 4,200.00"
    assert copay_step.code == "copay"
    assert (copay_step.amount_before, copay_step.amount_after) == (D("4200.00"), D("3360.00"))
    assert "20%" in copay_step.message_en
    assert "840.00 CNY" in copay_step.message_en
    assert "4,200.00 → 3,360.00" in copay_step.message_en
    assert "自付比例 20%" in copay_step.message_zh
    assert "840.00 元" in copay_step.message_zh
    assert "4,200.00 → 3,360.00" in copay_step.message_zh

    # nothing happened at item or claim level
    assert all(item_result.steps == () for item_result in result.items)
    assert result.steps == ()


def test_annual_deductible_partly_used_by_an_earlier_claim_only_takes_the_rest() -> None:
    prior = PriorUsage(
        paid_total=D("10000"),
        paid_by_coverage={"inpatient": D("10000")},
        deductible_used_by_coverage={"inpatient": D("600")},
    )
    result = calculate_payout(MEDICAL, MID_YEAR, [item("H1", "inpatient", "5200")], prior)

    (inpatient,) = result.coverages
    # remaining deductible 1,000 - 600 = 400; 5,200 - 400 = 4,800
    assert inpatient.deductible_applied == D("400.00")
    # co-pay 20% of 4,800 = 960; payable 4,800 - 960 = 3,840
    assert inpatient.copay == D("960.00")
    assert result.total_payable == D("3840.00")
    deductible_step = inpatient.steps[0]
    assert deductible_step.message_en == (
        "Deductible of 400.00 CNY applied (annual deductible 1,000.00 CNY, "
        "600.00 CNY already used this policy period): 5,200.00 → 4,800.00"
    )
    assert "已使用 600.00 元" in deductible_step.message_zh
    assert "5,200.00 → 4,800.00" in deductible_step.message_zh


def test_annual_deductible_fully_used_earlier_is_not_applied_again() -> None:
    prior = PriorUsage(deductible_used_by_coverage={"inpatient": D("1000")})
    result = calculate_payout(MEDICAL, MID_YEAR, [item("H1", "inpatient", "5200")], prior)

    (inpatient,) = result.coverages
    # no deductible left; co-pay 20% of 5,200 = 1,040; payable 5,200 - 1,040 = 4,160
    assert inpatient.deductible_applied == D("0.00")
    assert [step.code for step in inpatient.steps] == ["copay"]
    assert result.total_payable == D("4160.00")


def test_per_claim_deductible_ignores_deductible_used_by_earlier_claims() -> None:
    prior = PriorUsage(deductible_used_by_coverage={"outpatient": D("200")})
    result = calculate_payout(MEDICAL, MID_YEAR, [item("O1", "outpatient", "1200")], prior)

    # 1,200 - 200 = 1,000; co-pay 30% of 1,000 = 300; payable 700
    assert result.deductible_by_coverage() == {"outpatient": D("200.00")}
    assert result.total_payable == D("700.00")


def test_deductible_larger_than_the_eligible_amount_leaves_nothing_to_pay() -> None:
    result = calculate_payout(MEDICAL, MID_YEAR, [item("H1", "inpatient", "600")])

    (inpatient,) = result.coverages
    # 600 is all absorbed by the 1,000 deductible; no co-pay step on 0
    assert inpatient.deductible_applied == D("600.00")
    assert inpatient.copay == D("0.00")
    assert inpatient.payable == D("0.00")
    assert [step.code for step in inpatient.steps] == ["deductible"]
    assert inpatient.steps[0].message_en == (
        "Deductible of 600.00 CNY applied (deductible 1,000.00 CNY, limited to the "
        "eligible amount): 600.00 → 0.00"
    )


def test_outpatient_per_item_limit_caps_only_the_item_above_it() -> None:
    result = calculate_payout(
        MEDICAL,
        MID_YEAR,
        [item("O1", "outpatient", "2500"), item("O2", "outpatient", "800")],
    )

    o1, o2 = result.items
    # O1: min(2,500, 2,000) = 2,000; O2: 800 is under the limit, no step
    assert o1.claimed == D("2500.00")
    assert o1.eligible == D("2000.00")
    assert [step.code for step in o1.steps] == ["per_item_limit"]
    assert o1.steps[0].message_en == (
        "Per-item limit of 2,000.00 CNY for Outpatient medical: 2,500.00 → 2,000.00"
    )
    assert o1.steps[0].message_zh == "门诊医疗单项赔付限额 2,000.00 元：2,500.00 → 2,000.00"
    assert o2.eligible == D("800.00")
    assert o2.steps == ()

    (outpatient,) = result.coverages
    # eligible 2,000 + 800 = 2,800; deductible 200 -> 2,600; co-pay 30% = 780; 2,600 - 780 = 1,820
    assert outpatient.eligible == D("2800.00")
    assert outpatient.copay == D("780.00")
    assert outpatient.payable == D("1820.00")
    assert result.total_claimed == D("3300.00")  # 2,500 + 800
    assert result.total_payable == D("1820.00")


def test_excluded_cause_zeroes_the_item_and_says_why_in_both_languages() -> None:
    result = calculate_payout(
        MEDICAL,
        MID_YEAR,
        [item("H1", "inpatient", "8000", "cosmetic"), item("H2", "inpatient", "3000")],
    )

    h1, h2 = result.items
    assert h1.eligible == D("0.00")
    (step,) = h1.steps
    assert step.code == "excluded"
    assert step.subject == "H1"
    assert (step.amount_before, step.amount_after) == (D("8000.00"), D("0.00"))
    assert step.message_en == (
        "Excluded from Inpatient medical (exclusion: cosmetic); not payable: 8,000.00 → 0.00"
    )
    assert step.message_zh == (
        "属于住院医疗的除外责任（除外事由：cosmetic），不予赔付：8,000.00 → 0.00"
    )
    assert h2.eligible == D("3000.00")

    # only H2 counts: 3,000 - 1,000 = 2,000; co-pay 20% = 400; payable 1,600
    assert result.total_claimed == D("11000.00")  # 8,000 + 3,000
    assert result.total_payable == D("1600.00")


def test_general_exclusion_of_the_product_applies_to_every_coverage() -> None:
    result = calculate_payout(
        MEDICAL,
        MID_YEAR,
        [item("O1", "outpatient", "900", "war", "nuclear", "flu")],
    )

    (o1,) = result.items
    assert o1.eligible == D("0.00")
    assert o1.steps[0].code == "excluded"
    # both matching codes are named, sorted; the non-excluded "flu" is not
    assert "exclusion: nuclear, war" in o1.steps[0].message_en
    assert "nuclear, war" in o1.steps[0].message_zh
    assert "flu" not in o1.steps[0].message_en
    assert result.coverages[0].steps == ()
    assert result.total_payable == D("0.00")


def test_incident_within_the_waiting_period_is_not_payable() -> None:
    # start 2024-01-01 + 30 days = 2024-01-31; 2024-01-30 is the last day of waiting
    result = calculate_payout(MEDICAL, date(2024, 1, 30), [item("H1", "inpatient", "5000")])

    (h1,) = result.items
    assert h1.eligible == D("0.00")
    assert [step.code for step in h1.steps] == ["waiting_period"]
    assert "30-day waiting period" in h1.steps[0].message_en
    assert "2024-01-31" in h1.steps[0].message_en
    assert "30 天等待期" in h1.steps[0].message_zh
    assert "不予赔付" in h1.steps[0].message_zh
    assert result.total_payable == D("0.00")


def test_incident_on_the_first_day_after_the_waiting_period_is_payable() -> None:
    result = calculate_payout(MEDICAL, date(2024, 1, 31), [item("H1", "inpatient", "5000")])

    # 5,000 - 1,000 = 4,000; co-pay 20% = 800; payable 3,200
    assert result.items[0].steps == ()
    assert result.total_payable == D("3200.00")


def test_cover_without_waiting_period_pays_an_incident_on_the_start_date() -> None:
    result = calculate_payout(MOTOR, START, [item("V1", "vehicle_damage", "1500")])

    # 1,500 - 500 deductible = 1,000; no co-pay
    assert result.total_payable == D("1000.00")


@pytest.mark.parametrize("incident_date", [date(2023, 12, 31), date(2025, 1, 1)])
def test_incident_outside_the_policy_period_is_not_payable(incident_date: date) -> None:
    result = calculate_payout(
        MEDICAL,
        incident_date,
        [item("H1", "inpatient", "5000"), item("O1", "outpatient", "300")],
    )

    assert [step_code for step_code, _ in step_codes(result)] == [
        "outside_policy_period",
        "outside_policy_period",
    ]
    step = result.items[0].steps[0]
    assert step.message_en == (
        f"Incident date {incident_date.isoformat()} is outside the policy period "
        "2024-01-01 to 2024-12-31; not payable: 5,000.00 → 0.00"
    )
    assert "不在保险期间 2024-01-01 至 2024-12-31 内" in step.message_zh
    assert result.total_payable == D("0.00")
    # every coverage with items still appears in the result, with zeros
    assert result.payable_by_coverage() == {"inpatient": D("0.00"), "outpatient": D("0.00")}


def test_incident_on_the_inclusive_end_date_is_payable() -> None:
    result = calculate_payout(MEDICAL, END, [item("O1", "outpatient", "1200")])

    # 1,200 - 200 = 1,000; co-pay 30% = 300; payable 700
    assert result.total_payable == D("700.00")


def test_item_under_a_coverage_the_policy_does_not_have_is_not_covered() -> None:
    result = calculate_payout(
        MEDICAL,
        MID_YEAR,
        [item("D1", "dental", "1500"), item("O1", "outpatient", "1200")],
    )

    d1, o1 = result.items
    assert d1.eligible == D("0.00")
    assert [step.code for step in d1.steps] == ["not_covered"]
    assert "'dental'" in d1.steps[0].message_en
    assert "“dental”" in d1.steps[0].message_zh
    assert o1.eligible == D("1200.00")
    # coverage order is the order of first appearance; dental appears with zeros
    assert [coverage.code for coverage in result.coverages] == ["dental", "outpatient"]
    # outpatient: 1,200 - 200 = 1,000; co-pay 30% = 300; payable 700
    assert result.payable_by_coverage() == {"dental": D("0.00"), "outpatient": D("700.00")}
    assert result.total_payable == D("700.00")


def test_annual_limit_counts_what_earlier_claims_were_paid_under_the_coverage() -> None:
    prior = PriorUsage(
        paid_total=D("190000"),
        paid_by_coverage={"inpatient": D("190000")},
        deductible_used_by_coverage={"inpatient": D("1000")},
    )
    result = calculate_payout(MEDICAL, MID_YEAR, [item("H1", "inpatient", "20000")], prior)

    (inpatient,) = result.coverages
    # deductible used up; co-pay 20% of 20,000 = 4,000 -> 16,000
    # annual limit left 200,000 - 190,000 = 10,000 -> payable 10,000
    assert inpatient.copay == D("4000.00")
    assert inpatient.payable == D("10000.00")
    assert [step.code for step in inpatient.steps] == ["copay", "annual_limit"]
    limit_step = inpatient.steps[-1]
    assert limit_step.message_en == (
        "Annual limit of 200,000.00 CNY for Inpatient medical (190,000.00 CNY already paid "
        "this policy period, 10,000.00 CNY remaining): 16,000.00 → 10,000.00"
    )
    assert "住院医疗年度赔付限额 200,000.00 元" in limit_step.message_zh
    assert "剩余 10,000.00 元" in limit_step.message_zh
    # sum insured left 300,000 - 190,000 = 110,000 does not bite
    assert result.steps == ()
    assert result.total_payable == D("10000.00")


def test_annual_limit_already_exhausted_pays_nothing_for_that_coverage() -> None:
    prior = PriorUsage(paid_total=D("10500"), paid_by_coverage={"outpatient": D("10500")})
    result = calculate_payout(MEDICAL, MID_YEAR, [item("O1", "outpatient", "1200")], prior)

    # 1,200 - 200 = 1,000; co-pay 300 -> 700; limit left max(0, 10,000 - 10,500) = 0
    (outpatient,) = result.coverages
    assert outpatient.steps[-1].code == "annual_limit"
    assert (outpatient.steps[-1].amount_before, outpatient.steps[-1].amount_after) == (
        D("700.00"),
        D("0.00"),
    )
    assert result.total_payable == D("0.00")


def test_copay_is_rounded_half_up_to_cents() -> None:
    result = calculate_payout(MEDICAL, MID_YEAR, [item("O1", "outpatient", "533.33")])

    (outpatient,) = result.coverages
    # 533.33 - 200 = 333.33; co-pay 0.3 * 333.33 = 99.999 -> 100.00; payable 233.33
    assert outpatient.copay == D("100.00")
    assert outpatient.payable == D("233.33")


def test_a_half_cent_copay_rounds_up_not_to_even() -> None:
    result = calculate_payout(ACCIDENT, MID_YEAR, [item("M1", "accidental_medical", "200.05")])

    (medical,) = result.coverages
    # 200.05 - 100 = 100.05; co-pay 0.1 * 100.05 = 10.005 -> 10.01 (half-even would be 10.00)
    assert medical.copay == D("10.01")
    # payable 100.05 - 10.01 = 90.04
    assert medical.payable == D("90.04")


def test_to_cents_rounds_half_up() -> None:
    assert to_cents(D("2.345")) == D("2.35")
    assert to_cents(D("2.344999")) == D("2.34")
    assert to_cents(D("7")) == D("7.00")


def test_sub_cent_claimed_amounts_are_taken_to_cents() -> None:
    result = calculate_payout(MOTOR, MID_YEAR, [item("T1", "third_party", "100.005")])

    # 100.005 -> 100.01; no deductible, no co-pay
    assert result.items[0].claimed == D("100.01")
    assert result.total_payable == D("100.01")


# --------------------------------------------------------------------------- motor


def test_motor_drunk_driving_excludes_own_damage_but_third_party_is_paid() -> None:
    result = calculate_payout(
        MOTOR,
        MID_YEAR,
        [
            item("V1", "vehicle_damage", "12000", "drunk_driving"),
            item("T1", "third_party", "8000", "drunk_driving"),
        ],
    )

    assert result.payable_by_coverage() == {
        "vehicle_damage": D("0.00"),  # excluded
        "third_party": D("8000.00"),  # no deductible, no co-pay
    }
    assert result.items[0].steps[0].code == "excluded"
    assert "drunk_driving" in result.items[0].steps[0].message_en
    assert "drunk_driving" in result.items[0].steps[0].message_zh
    assert result.total_payable == D("8000.00")


def test_motor_claim_pays_damage_less_per_claim_deductible_and_third_party_in_full() -> None:
    result = calculate_payout(
        MOTOR,
        MID_YEAR,
        [
            item("V1", "vehicle_damage", "6000"),
            item("T1", "third_party", "15000"),
            item("V2", "vehicle_damage", "1500"),
        ],
    )

    # vehicle_damage: 6,000 + 1,500 = 7,500; - 500 = 7,000; third_party: 15,000
    assert result.payable_by_coverage() == {
        "vehicle_damage": D("7000.00"),
        "third_party": D("15000.00"),
    }
    assert result.deductible_by_coverage() == {
        "vehicle_damage": D("500.00"),
        "third_party": D("0.00"),
    }
    # 7,000 + 15,000 = 22,000
    assert result.total_payable == D("22000.00")
    assert step_codes(result) == [("deductible", "vehicle_damage")]


def test_claim_is_capped_at_the_remaining_sum_insured_and_later_coverages_are_reduced() -> None:
    terms = replace(MOTOR, sum_insured=D("200000"))
    prior = PriorUsage(paid_total=D("150000"), paid_by_coverage={"vehicle_damage": D("150000")})
    result = calculate_payout(
        terms,
        MID_YEAR,
        [
            item("V1", "vehicle_damage", "30500"),
            item("T1", "third_party", "40000"),
        ],
        prior,
    )

    # vehicle_damage 30,500 - 500 = 30,000; third_party 40,000; sum 70,000
    # remaining sum insured 200,000 - 150,000 = 50,000 -> total 50,000
    assert result.total_payable == D("50000.00")
    # the first coverage keeps 30,000, the later one gets 50,000 - 30,000 = 20,000
    assert result.payable_by_coverage() == {
        "vehicle_damage": D("30000.00"),
        "third_party": D("20000.00"),
    }
    assert sum(result.payable_by_coverage().values()) == result.total_payable

    (claim_step,) = result.steps
    assert claim_step.code == "sum_insured_cap"
    assert claim_step.subject == "claim"
    assert (claim_step.amount_before, claim_step.amount_after) == (D("70000.00"), D("50000.00"))
    assert claim_step.message_en == (
        "Capped at the remaining sum insured of 50,000.00 CNY (sum insured 200,000.00 CNY, "
        "150,000.00 CNY already paid this policy period): 70,000.00 → 50,000.00"
    )
    assert claim_step.message_zh == (
        "以剩余保额 50,000.00 元为限（保额 200,000.00 元，本保险期间已赔付 150,000.00 元）："
        "70,000.00 → 50,000.00"
    )
    third_party = result.coverages[1]
    assert third_party.steps[-1].code == "sum_insured_cap"
    assert (third_party.steps[-1].amount_before, third_party.steps[-1].amount_after) == (
        D("40000.00"),
        D("20000.00"),
    )
    # the claim-level step comes last
    assert result.all_steps()[-1] is claim_step


def test_sum_insured_cap_follows_the_order_coverages_first_appear_in() -> None:
    terms = replace(MOTOR, sum_insured=D("50000"))
    result = calculate_payout(
        terms,
        MID_YEAR,
        [item("T1", "third_party", "40000"), item("V1", "vehicle_damage", "30500")],
    )

    # third_party first: keeps 40,000; vehicle_damage 30,000 -> 50,000 - 40,000 = 10,000
    assert result.payable_by_coverage() == {
        "third_party": D("40000.00"),
        "vehicle_damage": D("10000.00"),
    }
    assert result.total_payable == D("50000.00")
    # no prior payments: the message does not mention any
    assert result.steps[0].message_en == (
        "Capped at the remaining sum insured of 50,000.00 CNY: 70,000.00 → 50,000.00"
    )


def test_sum_insured_already_used_up_pays_nothing() -> None:
    prior = PriorUsage(paid_total=D("1200000"))
    result = calculate_payout(MOTOR, MID_YEAR, [item("T1", "third_party", "40000")], prior)

    # remaining sum insured max(0, 1,000,000 - 1,200,000) = 0
    assert result.total_payable == D("0.00")
    assert result.payable_by_coverage() == {"third_party": D("0.00")}
    assert result.steps[0].amount_after == D("0.00")


# --------------------------------------------------------------------------- accident


def test_accident_claim_pays_medical_after_deductible_and_copay_and_disability_in_full() -> None:
    result = calculate_payout(
        ACCIDENT,
        MID_YEAR,
        [
            item("M1", "accidental_medical", "1100"),
            item("B1", "accidental_death_disability", "50000"),
        ],
    )

    # medical: 1,100 - 100 = 1,000; co-pay 10% = 100; payable 900
    # disability: 50,000, no deductible, no co-pay, no limit
    assert result.payable_by_coverage() == {
        "accidental_medical": D("900.00"),
        "accidental_death_disability": D("50000.00"),
    }
    # 900 + 50,000 = 50,900
    assert result.total_payable == D("50900.00")
    assert result.total_claimed == D("51100.00")  # 1,100 + 50,000


def test_accident_self_inflicted_injury_is_excluded_from_every_accident_coverage() -> None:
    result = calculate_payout(
        ACCIDENT,
        MID_YEAR,
        [
            item("M1", "accidental_medical", "1100", "self_inflicted"),
            item("B1", "accidental_death_disability", "50000", "self_inflicted"),
        ],
    )

    assert [code for code, _ in step_codes(result)] == ["excluded", "excluded"]
    assert result.total_payable == D("0.00")


def test_accidental_medical_annual_limit_with_earlier_claims() -> None:
    prior = PriorUsage(
        paid_total=D("18500"),
        paid_by_coverage={"accidental_medical": D("18500")},
    )
    result = calculate_payout(ACCIDENT, MID_YEAR, [item("M1", "accidental_medical", "3100")], prior)

    # 3,100 - 100 = 3,000; co-pay 10% = 300 -> 2,700; limit left 20,000 - 18,500 = 1,500
    assert result.total_payable == D("1500.00")
    assert [code for code, _ in step_codes(result)] == ["deductible", "copay", "annual_limit"]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("amount", ["0", "-100", "-0.01"])
def test_non_positive_item_amount_is_rejected(amount: str) -> None:
    with pytest.raises(ValueError, match="amount must be a positive"):
        calculate_payout(MEDICAL, MID_YEAR, [item("H1", "inpatient", amount)])


@pytest.mark.parametrize("ratio", ["-0.1", "1.5"])
def test_copay_ratio_outside_zero_to_one_is_rejected(ratio: str) -> None:
    terms = replace(
        MEDICAL,
        coverages={"inpatient": replace(INPATIENT, copay_ratio=D(ratio))},
    )
    with pytest.raises(ValueError, match="copay_ratio must be between 0 and 1"):
        calculate_payout(terms, MID_YEAR, [item("H1", "inpatient", "100")])


def test_copay_ratio_of_exactly_one_leaves_nothing_to_pay() -> None:
    terms = replace(MEDICAL, coverages={"inpatient": replace(INPATIENT, copay_ratio=D("1"))})
    result = calculate_payout(terms, MID_YEAR, [item("H1", "inpatient", "5200")])

    # 5,200 - 1,000 = 4,200; the insured bears 100% = 4,200; payable 0
    assert result.total_payable == D("0.00")
    assert "100%" in result.coverages[0].steps[-1].message_en


def test_unknown_deductible_basis_is_rejected() -> None:
    terms = replace(
        MEDICAL, coverages={"inpatient": replace(INPATIENT, deductible_basis="monthly")}
    )
    with pytest.raises(ValueError, match="deductible_basis"):
        calculate_payout(terms, MID_YEAR, [item("H1", "inpatient", "100")])


# --------------------------------------------------------------------------- serialisation


def test_to_dict_is_json_ready_with_money_as_strings() -> None:
    result = calculate_payout(
        MEDICAL,
        MID_YEAR,
        [item("O1", "outpatient", "2500"), item("H1", "inpatient", "1234.5", "cosmetic")],
    )

    data = result.to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["currency"] == "CNY"
    # 2,500 + 1,234.50 = 3,734.50
    assert data["total_claimed"] == "3734.50"
    # O1 limited to 2,000; - 200 = 1,800; co-pay 30% = 540; payable 1,260
    assert data["total_payable"] == "1260.00"
    assert data["items"][1] == {
        "ref": "H1",
        "coverage_code": "inpatient",
        "claimed": "1234.50",
        "eligible": "0.00",
        "steps": [
            {
                "code": "excluded",
                "subject": "H1",
                "amount_before": "1234.50",
                "amount_after": "0.00",
                "message_en": (
                    "Excluded from Inpatient medical (exclusion: cosmetic); "
                    "not payable: 1,234.50 → 0.00"
                ),
                "message_zh": (
                    "属于住院医疗的除外责任（除外事由：cosmetic），不予赔付：1,234.50 → 0.00"
                ),
            }
        ],
    }
    assert data["coverages"][0] == {
        "code": "outpatient",
        "eligible": "2000.00",
        "deductible_applied": "200.00",
        "copay": "540.00",
        "payable": "1260.00",
        "steps": [step.to_dict() for step in result.coverages[0].steps],
    }
    assert data["coverages"][0]["steps"][0]["amount_before"] == "2000.00"
    assert data["steps"] == []


def test_all_steps_lists_item_then_coverage_then_claim_steps() -> None:
    terms = replace(MEDICAL, sum_insured=D("1000"))
    result = calculate_payout(
        terms,
        MID_YEAR,
        [item("O1", "outpatient", "2500"), item("H1", "inpatient", "5200")],
    )

    # O1 2,500 -> 2,000 -> 1,800 -> co-pay 540 -> 1,260
    # H1 5,200 -> 4,200 -> co-pay 840 -> 3,360; total 4,620 capped at 1,000
    # outpatient keeps min(1,260, 1,000) = 1,000, inpatient gets 0
    assert step_codes(result) == [
        ("per_item_limit", "O1"),
        ("deductible", "outpatient"),
        ("copay", "outpatient"),
        ("sum_insured_cap", "outpatient"),
        ("deductible", "inpatient"),
        ("copay", "inpatient"),
        ("sum_insured_cap", "inpatient"),
        ("sum_insured_cap", "claim"),
    ]
    assert result.payable_by_coverage() == {"outpatient": D("1000.00"), "inpatient": D("0.00")}
    assert result.total_payable == D("1000.00")


# --------------------------------------------------------------------------- property

MONEY = st.decimals(min_value=D("0.01"), max_value=D("400000"), places=2)
PRIOR_MONEY = st.decimals(min_value=D("0"), max_value=D("400000"), places=2)
ITEMS = st.lists(
    st.builds(
        LossItem,
        ref=st.text(alphabet="ABCXYZ0123456789", min_size=1, max_size=4),
        coverage_code=st.sampled_from(["inpatient", "outpatient", "dental"]),
        description=st.just("loss"),
        amount=MONEY,
        cause_codes=st.frozensets(st.sampled_from(["cosmetic", "war", "flu", "fracture"])),
    ),
    max_size=8,
)
PRIORS = st.builds(
    PriorUsage,
    paid_total=PRIOR_MONEY,
    paid_by_coverage=st.fixed_dictionaries(
        {}, optional={"inpatient": PRIOR_MONEY, "outpatient": PRIOR_MONEY}
    ),
    deductible_used_by_coverage=st.fixed_dictionaries(
        {},
        optional={
            "inpatient": st.decimals(min_value=D("0"), max_value=D("1500"), places=2),
            "outpatient": st.decimals(min_value=D("0"), max_value=D("300"), places=2),
        },
    ),
)
INCIDENT_DATES = st.dates(min_value=START - timedelta(days=10), max_value=END + timedelta(days=10))


@settings(max_examples=300, deadline=None, database=None)
@given(
    sum_insured=st.decimals(min_value=D("0"), max_value=D("400000"), places=2),
    incident_date=INCIDENT_DATES,
    items=ITEMS,
    prior=PRIORS,
)
def test_total_payable_never_exceeds_the_remaining_sum_insured(
    sum_insured: Decimal, incident_date: date, items: list[LossItem], prior: PriorUsage
) -> None:
    terms = replace(MEDICAL, sum_insured=sum_insured)
    result = calculate_payout(terms, incident_date, items, prior)

    assert D("0") <= result.total_payable <= max(D("0"), sum_insured - prior.paid_total)
    assert result.total_payable <= result.total_claimed
    assert sum(result.payable_by_coverage().values(), D("0")) == result.total_payable
    assert result.total_claimed == sum((i.amount for i in items), D("0"))
    for coverage in result.coverages:
        assert D("0") <= coverage.payable <= coverage.eligible
        assert coverage.eligible == sum(
            (r.eligible for r in result.items if r.coverage_code == coverage.code), D("0")
        )
    for item_result in result.items:
        assert D("0") <= item_result.eligible <= item_result.claimed
    # every money figure is in cents
    for step in result.all_steps():
        assert step.amount_before == to_cents(step.amount_before)
        assert step.amount_after == to_cents(step.amount_after)
        assert step.message_en
        assert step.message_zh
