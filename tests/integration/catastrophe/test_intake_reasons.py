"""Why a bulk intake refused a row: a message key and parameters, said in the language
Accept-Language asks for (``text``); ``reason`` stays in English, as the command line's
rejected-rows file gives it, and the catalogue's English says the same."""

from __future__ import annotations

import re

import pytest

from claimdesk.security.enums import Role
from claimdesk.web.i18n import Translator, catalogue
from tests.integration.catastrophe.test_catastrophe_api import API, _declare, _row

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def policies(world):
    holder = world.customer()
    return {code: world.policy(holder, code) for code in ("MED-HOSP", "MOTOR-COMP")}


def _rejected(world, policies, language: str) -> dict[str, dict]:
    event_id = _declare(world, code=f"TY-2026-HAIKUI-{language[:2].upper()}")
    rows = [
        _row("R-1", policies["MED-HOSP"], "inpatient"),
        {**_row("R-2", policies["MED-HOSP"], "inpatient"), "policy_number": "NOPE-1"},
        {**_row("R-3", policies["MED-HOSP"], "inpatient"), "description": ""},
        _row("R-4", policies["MED-HOSP"], "inpatient", incident_date="2026-05-20"),
        _row("R-5", policies["MED-HOSP"], "vehicle_damage"),  # not a cover of the product
        _row("R-6", policies["MED-HOSP"], "inpatient", amount=""),
        _row("R-1", policies["MED-HOSP"], "inpatient", amount="999.00"),  # a reused reference
        "not a row",
    ]
    rows[5].pop("claimed_amount")
    response = world.client.post(
        f"{API}/{event_id}/claims",
        json=rows,
        headers={**world.staff(Role.AGENT), "Accept-Language": language},
    )
    assert response.status_code == 200, response.text
    answered = response.json()["rows"]
    assert [r["outcome"] for r in answered] == ["created", *["rejected"] * 7]
    return {str(r["line"]): r for r in answered[1:]}


def test_each_refusal_is_a_key_said_in_the_readers_language(world, policies):
    english = _rejected(world, policies, "en")
    keys = {line: r["message"]["key"] for line, r in english.items()}
    assert keys == {
        "2": "import.policy_unknown",
        "3": "import.fields_invalid",
        "4": "import.before_event",
        "5": "import.refused",
        "6": "import.amount_missing",
        "7": "import.ref_reused",
        "8": "import.row_not_object",
    }
    assert english["2"]["text"] == "Policy NOPE-1 does not exist."
    assert english["3"]["text"] == "Some fields are not valid: description: too short."
    assert "before event TY-2026-HAIKUI-EN started (2026-06-01)" in english["4"]["text"]
    assert "'vehicle_damage' is not a coverage" in english["5"]["text"]
    for row in english.values():
        assert not CJK.search(row["text"]), row["text"]
    assert english["7"]["reason"].startswith("The external reference R-1 was already used")

    chinese = _rejected(world, policies, "zh-CN")
    assert chinese["2"]["text"] == "保单 NOPE-1 不存在。"
    assert chinese["3"]["text"] == "部分字段无效：事故描述：过短。"
    assert chinese["4"]["text"].startswith("出险日期 2026-05-20 早于事件 TY-2026-HAIKUI-ZH")
    assert chinese["6"]["text"] == "请填写索赔金额或逐项损失明细。"
    assert chinese["8"]["text"] == "每一行须为带字段名的对象。"
    for line, row in chinese.items():
        if line not in ("4", "7"):  # (these name the event, and 7 a claim, of their own)
            assert row["reason"] == english[line]["reason"]  # the same, whatever the language
        assert not CJK.search(row["reason"]), row["reason"]
        assert CJK.search(row["text"]) and "import." not in row["text"], row["text"]
        assert "{" not in row["text"], row["text"]


def test_the_english_reason_is_the_catalogues_english_of_the_message(world, policies):
    """For the refusals intake words itself, ``reason`` (the file's contract) and the key's
    English text say the same, so neither drifts from the other."""
    english = Translator("en", "Asia/Shanghai")
    rows = _rejected(world, policies, "zh-CN")
    own = [r for r in rows.values() if r["message"]["key"] not in ("import.fields_invalid",)]
    assert len(own) == 6
    for row in own:
        assert english.message(row["message"]) == row["reason"], row
    assert all(k in catalogue()["zh-CN"] for k in (r["message"]["key"] for r in rows.values()))
