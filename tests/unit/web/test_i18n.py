"""The web pages' languages: the catalogue is complete in both, Accept-Language is read
with its q-values, and every text key a template names exists."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from claimdesk.web.i18n import Translator, catalogue, negotiate

TEMPLATES = Path(__file__).resolve().parents[3] / "claimdesk" / "web" / "templates"


def test_both_languages_have_the_same_texts():
    texts = catalogue()
    assert set(texts["en"]) == set(texts["zh-CN"])


def test_every_literal_key_in_the_templates_is_in_the_catalogue():
    used = {
        key
        for template in TEMPLATES.rglob("*.html")
        for key in re.findall(
            r"""\bt\(["']([a-z_]+\.[a-z_0-9]+)["']\s*[,)]""", template.read_text()
        )
    }
    assert used, "no keys found: the pattern is wrong"
    assert used - set(catalogue()["en"]) == set()


def test_accept_language_picks_the_preferred_supported_language():
    assert negotiate("en-US,en;q=0.9,zh-CN;q=0.8") == "en"
    assert negotiate("zh-TW,zh;q=0.9") == "zh-CN"
    assert negotiate("fr-FR,en;q=0.5,zh;q=0.7") == "zh-CN"
    assert negotiate("de-DE") == "zh-CN"
    assert negotiate(None) == "zh-CN"
    assert negotiate("en;q=0, zh;q=0.1") == "zh-CN"


def test_times_are_shown_in_the_display_zone_and_money_with_its_currency():
    from datetime import UTC, datetime

    t = Translator("en", "Asia/Shanghai")
    assert t.when(datetime(2026, 6, 15, 2, 0, tzinfo=UTC)) == "2026-06-15 10:00"
    assert t.money(Decimal("11200")) == "CNY 11,200.00"
    assert Translator("zh-CN", "Asia/Shanghai").status("paid") == "已支付"


CLAIMDESK = TEMPLATES.parent.parent


def test_every_message_key_the_system_stores_is_in_both_catalogues():
    """Keys written by ``claimdesk.core.messages.message(...)`` (history rows' texts)."""
    used = {
        key
        for source in CLAIMDESK.rglob("*.py")
        for key in re.findall(
            r"""\bmessage\(\s*["']([a-z_]+\.[a-z_0-9]+)["']""", source.read_text()
        )
    }
    assert {"history.documents_requested", "history.routed", "history.dispute_award"} <= used
    texts = catalogue()
    assert used - set(texts["en"]) == set()
    assert used - set(texts["zh-CN"]) == set()


def test_a_stored_message_is_rendered_in_the_readers_language_with_codes_by_name():
    from claimdesk.core import messages

    request = messages.message(
        "history.documents_requested",
        items=messages.each(
            messages.message(
                "history.document_needed",
                kind=messages.code("document", "discharge_summary"),
                must_show=messages.code("document_must_show", "discharge_summary"),
            ),
            messages.message("history.document_unreadable", file="a.png"),
        ),
    )
    zh = Translator("zh-CN", "Asia/Shanghai").message(request)
    en = Translator("en", "Asia/Shanghai").message(request)
    assert zh.startswith("请补充以下材料：出院小结（须显示：") and "；“a.png”无法识别" in zh
    assert zh.endswith("。")
    assert en.startswith("Please provide the following: Discharge summary (must show: ")
    assert "; 'a.png' could not be read" in en and en.endswith(".")

    award = messages.message(
        "history.dispute_award",
        dispute=7,
        stage=messages.code("dispute_stage", "mediation"),
        amount=messages.money(Decimal("500"), "CNY"),
    )
    assert (
        Translator("zh-CN", "UTC").message(award) == "争议 7 于调解阶段解决：裁决金额 CNY 500.00。"
    )
    assert Translator("en", "UTC").message(award) == (
        "Dispute 7 settled at the Mediation stage: award of CNY 500.00."
    )
    routed = messages.message(
        "history.routed",
        route=messages.code("route", "siu"),
        reasons=messages.both("评分高", "high score"),
    )
    assert Translator("zh-CN", "UTC").message(routed) == "分流至反欺诈调查（SIU）：评分高"
    assert Translator("en", "UTC").message(routed) == (
        "Routed to the special investigations unit (SIU): high score"
    )


def test_an_old_entry_with_only_a_reason_still_says_its_reason():
    t, en = Translator("zh-CN", "UTC"), Translator("en", "UTC")
    assert t.entry("客户来电补充说明", {}) == "客户来电补充说明"
    assert en.entry("Legacy claim: fraud / 历史案件：欺诈", {}) == "Legacy claim: fraud"
    keyed = {"message": {"key": "history.documents_complete", "params": {}}}
    assert t.entry("已核对", keyed) == "所需材料已齐全。\n已核对"
    assert en.entry(None, keyed) == "All required documents have been received."


def test_loyalty_reasons_are_named_not_shown_as_codes():
    zh, en = Translator("zh-CN", "UTC"), Translator("en", "UTC")
    assert zh.code("loyalty_reason", "self_service_claim") == "在线报案"
    assert en.code("loyalty_reason", "benefit:health_checkup") == "An annual health check-up"
    assert zh.code("loyalty_reason", "benefit:health_checkup") == "年度体检一次"


def test_a_stored_message_missing_a_parameter_its_text_names_still_renders():
    old = {"key": "history.dispute_award", "params": {"dispute": 3}}
    assert Translator("en", "UTC").message(old) == (
        "Dispute 3 settled at the {stage} stage: award of {amount}."
    )
