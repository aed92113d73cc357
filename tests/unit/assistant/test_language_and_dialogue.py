import string
from datetime import date
from decimal import Decimal

import pytest

from claimdesk.assistant import dialogue
from claimdesk.assistant.enums import Intent
from claimdesk.assistant.language import detect_locale, tokenize


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("住院要交哪些材料？", "zh-CN"),
        ("CLM20260615000001 现在什么状态", "zh-CN"),
        ("What does the deductible mean?", "en"),
        ("what does 免赔额 mean for my claim", "en"),
    ],
)
def test_the_language_of_a_message_is_read_from_its_text(text: str, locale: str) -> None:
    assert detect_locale(text) == locale


def test_chinese_is_segmented_by_jieba_keeping_insurance_words_whole() -> None:
    words = tokenize("免赔额怎么计算")
    assert "免赔额" in words
    assert "计算" in words


def test_english_words_lose_stop_words_and_plural_endings() -> None:
    assert tokenize("What are the documents for claims?") == ["document", "claim"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("转人工", Intent.HANDOFF),
        ("I'd like to talk to a person please", Intent.HANDOFF),
        ("我要投诉你们的理赔员", Intent.COMPLAINT),
        ("I want to complain about the delay", Intent.COMPLAINT),
        ("我想报案", Intent.REPORT_CLAIM),
        ("I want to report a claim", Intent.REPORT_CLAIM),
        ("我的理赔进度怎么样了", Intent.CLAIM_STATUS),
        ("status of CLM20260615000001?", Intent.CLAIM_STATUS),
        ("我的案件还缺什么材料", Intent.MISSING_DOCUMENTS),
        ("which documents are still missing for my claim", Intent.MISSING_DOCUMENTS),
        ("我的保单还剩多少保额", Intent.REMAINING),
        ("what does my policy cover", Intent.POLICY_COVER),
        ("How do I report a claim online?", Intent.QUESTION),
        ("怎么投诉？", Intent.QUESTION),
    ],
)
def test_intents_are_told_from_questions_about_the_knowledge_base(
    text: str, intent: Intent
) -> None:
    assert dialogue.intent_of(text) == intent


def test_dates_are_read_in_iso_and_chinese_forms_and_relative_words() -> None:
    today = date(2026, 6, 15)
    assert dialogue.parse_date("2026-06-01", today) == date(2026, 6, 1)
    assert dialogue.parse_date("2026年6月3日", today) == date(2026, 6, 3)
    assert dialogue.parse_date("昨天", today) == date(2026, 6, 14)
    assert dialogue.parse_date("yesterday", today) == date(2026, 6, 14)
    assert dialogue.parse_date("last spring", today) is None
    assert dialogue.parse_date("2026-02-30", today) is None


def test_amounts_are_read_with_thousands_separators_and_refused_when_zero() -> None:
    assert dialogue.parse_amount("about 5,200.5 yuan") == Decimal("5200.50")
    assert dialogue.parse_amount("0") is None
    assert dialogue.parse_amount("a lot") is None


def test_a_choice_is_taken_by_number_or_by_an_unambiguous_name() -> None:
    options = [("inpatient", ["inpatient", "住院医疗"]), ("outpatient", ["outpatient", "门诊医疗"])]
    assert dialogue.choose("2", options) == "outpatient"
    assert dialogue.choose("住院医疗吧", options) == "inpatient"
    assert dialogue.choose("3", options) is None
    assert dialogue.choose("dental", options) is None


def test_replies_exist_in_both_languages_with_the_same_placeholders() -> None:
    replies = dialogue._replies()
    assert set(replies["en"]) == set(replies["zh-CN"])
    for name, text in replies["en"].items():
        if isinstance(text, str):
            fields = set(string.Formatter().parse(text))
            assert {f[1] for f in fields} == {
                f[1] for f in string.Formatter().parse(replies["zh-CN"][name])
            }, name
        else:
            assert set(text) == set(replies["zh-CN"][name]), name


def test_a_reply_without_words_keeps_the_conversations_language() -> None:
    assert detect_locale("2", default="zh-CN") == "zh-CN"
    assert detect_locale("5200.00", default="zh-CN") == "zh-CN"
    assert detect_locale("abc", default="zh-CN") == "zh-CN"
    assert detect_locale("cancel that please", default="zh-CN") == "en"
