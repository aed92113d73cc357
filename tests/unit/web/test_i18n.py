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
