"""Codes are shown by their names, and texts stored in both languages in the reader's."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from claimdesk.web.i18n import Translator

EN, ZH = Translator("en", "Asia/Shanghai"), Translator("zh-CN", "Asia/Shanghai")


def _standard_products() -> list[dict]:
    text = resources.files("claimdesk.policies").joinpath("catalogue.toml").read_text("utf-8")
    return tomllib.loads(text)["products"]


def test_claim_types_products_and_exclusions_have_names_in_both_languages():
    for product in _standard_products():
        for t in (EN, ZH):
            assert t.code("product", product["code"]) != product["code"]
        for coverage in product["coverages"]:
            for t in (EN, ZH):
                assert t.code("claim_type", coverage["code"]) != coverage["code"]
        codes = set(product["exclusions"]).union(
            *(set(c.get("exclusions", [])) for c in product["coverages"])
        )
        for code in codes:
            for t in (EN, ZH):
                assert t.code("exclusion", code) != code, f"{t.locale}: no name for {code}"


def test_a_code_is_named_in_the_readers_language():
    assert EN.code("claim_type", "inpatient") == "Inpatient treatment"
    assert ZH.code("claim_type", "vehicle_damage") == "车辆损失"
    assert EN.code("product", "MED-HOSP") == "SecureCare Hospital Medical Insurance"
    assert ZH.code("exclusion", "pre_existing") == "既往症"
    assert EN.code("product", "HOME-NEW") == "HOME-NEW"  # nobody named it: as it is


@pytest.mark.parametrize(
    "text",
    [
        "按保单条款核定赔付。 / Approved as calculated under the policy terms.",
        "Approved as calculated under the policy terms. / 按保单条款核定赔付。",
    ],
)
def test_a_text_stored_in_both_languages_is_shown_in_the_readers(text):
    assert EN.own(text) == "Approved as calculated under the policy terms."
    assert ZH.own(text) == "按保单条款核定赔付。"


def test_a_persons_words_in_one_language_are_shown_as_written():
    assert ZH.own("The customer phoned twice.") == "The customer phoned twice."
    assert EN.own("客户来电两次。") == "客户来电两次。"
    assert EN.own(None) == ""


def test_a_payout_steps_exclusion_codes_are_named():
    step = {
        "code": "excluded",
        "message_en": "Excluded from Inpatient treatment (exclusion: cosmetic, pre_existing)",
        "message_zh": "属于住院医疗的除外责任（除外事由：pre_existing）",
    }
    assert EN.step(step) == (
        "Excluded from Inpatient treatment (exclusion: Cosmetic treatment, Pre-existing condition)"
    )
    assert ZH.step(step) == "属于住院医疗的除外责任（除外事由：既往症）"
