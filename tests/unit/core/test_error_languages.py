"""Errors in the reader's language: a bilingual text is taken apart, and every error code
has its own message in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from claimdesk.api.errors import HTTP_ERROR_CODES
from claimdesk.core import errors
from claimdesk.core.errors import LANGUAGES, code_messages, split_languages

SOURCE = Path(__file__).resolve().parents[3] / "claimdesk"


@pytest.mark.parametrize(
    ("text", "english", "chinese"),
    [
        (
            "A waiver needs a reason (why the documents are not needed). 免除材料须说明理由。",
            "A waiver needs a reason (why the documents are not needed).",
            "免除材料须说明理由。",
        ),
        (
            "Say why the reserve changes. / 请说明调整准备金的原因。",
            "Say why the reserve changes.",
            "请说明调整准备金的原因。",
        ),
        (
            "'Health check' needs 500 points and the balance is 20; earn 480 more first. "
            "/ 积分不足：兑换「体检」需要 500 分，当前余额 20 分。",
            "'Health check' needs 500 points and the balance is 20; earn 480 more first.",
            "积分不足：兑换「体检」需要 500 分，当前余额 20 分。",
        ),
        (
            "No background task 'a.b'; was it renamed? 找不到后台任务 'a.b'。",
            "No background task 'a.b'; was it renamed?",
            "找不到后台任务 'a.b'。",
        ),
        (
            "Run `claimdesk db upgrade` first. "
            "数据库中没有标准产品，请先运行 `claimdesk db upgrade`。",
            "Run `claimdesk db upgrade` first.",
            "数据库中没有标准产品，请先运行 `claimdesk db upgrade`。",
        ),
    ],
)
def test_a_bilingual_message_splits_into_its_two_languages(text, english, chinese):
    assert split_languages(text) == {"en": english, "zh-CN": chinese}


def test_a_message_in_one_language_stays_whole_even_with_a_name_of_the_other():
    assert split_languages("No customer named 韩梅梅 was found.") == {
        "en": "No customer named 韩梅梅 was found."
    }
    assert split_languages("第3行：at 须为日期时间。") == {"zh-CN": "第3行：at 须为日期时间。"}
    assert split_languages("Four-eyes rule: approve it.") == {"en": "Four-eyes rule: approve it."}


def test_an_error_is_said_in_the_language_asked_else_by_its_code():
    both = errors.Conflict("The survey is closed. 问卷已关闭。")
    assert both.message_in("en") == "The survey is closed."
    assert both.message_in("zh-CN") == "问卷已关闭。"
    english_only = errors.PermissionDenied("Only supervisors may do this.")
    assert english_only.message_in("en") == "Only supervisors may do this."
    assert english_only.message_in("zh-CN") == code_messages()["zh-CN"]["permission_denied"]
    given_apart = errors.NotFound("No such ticket.", zh="没有该工单。")
    assert given_apart.message_in("zh-CN") == "没有该工单。"


def _codes_in_source() -> set[str]:
    """Every error code the code base can answer with: the ``code`` of each error class
    and each code written into an error body."""
    codes: set[str] = set(HTTP_ERROR_CODES.values()) | {"http_error", "error"}
    class_code = re.compile(
        r'^class \w+\([\w.]+\):\n(?:    """[\s\S]*?"""\n\n?)?    code = "(\w+)"', re.M
    )
    body_code = re.compile(r'error_body\(\s*"(\w+)"')
    for path in SOURCE.rglob("*.py"):
        text = path.read_text("utf-8")
        codes |= set(class_code.findall(text)) | set(body_code.findall(text))
    return codes


def test_every_error_code_has_its_message_in_both_languages():
    codes = _codes_in_source()
    assert {"not_found", "evidence_missing", "csrf_failed", "server_busy"} <= codes, codes
    for language in LANGUAGES:
        missing = codes - set(code_messages()[language])
        assert not missing, f"{language} has no message for {sorted(missing)}"
    assert set(code_messages()["en"]) == set(code_messages()["zh-CN"])


def test_the_busy_answer_of_the_write_admission_follows_accept_language_too():
    import json

    from claimdesk.api.admission import _busy_body

    def busy(headers: list[tuple[bytes, bytes]]) -> str:
        return json.loads(_busy_body({"headers": headers}))["error"]["message"]

    assert busy([(b"accept-language", b"zh-CN")]) == code_messages()["zh-CN"]["server_busy"]
    assert busy([(b"Accept-Language", b"en-GB,en;q=0.9")]) == code_messages()["en"]["server_busy"]
    assert "服务器正忙" in busy([]) and "The server is busy" in busy([])  # as before
