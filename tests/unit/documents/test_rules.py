"""Understanding text and judging completeness: pure rules, no files, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claimdesk.documents import rules
from claimdesk.documents.enums import DocumentStatus

RULES = rules.reading_rules()


def doc(id_, kind=None, *, status=DocumentStatus.READ, detected=None, **fields):
    return rules.DocumentFacts(
        id=id_,
        filename=f"f{id_}.pdf",
        status=status,
        declared_kind=kind,
        detected_kind=detected,
        fields=fields,
    )


CLAIM = rules.ClaimFacts(
    required=("id_card", "itemised_invoice", "bank_account_proof"),
    person_names=("王小明", "Wang Xiaoming"),
    period_start=date(2026, 1, 1),
    period_end=date(2026, 12, 31),
    incident_date=date(2026, 6, 1),
    plate_number="沪A 12345",
)


def test_normalising_removes_ocr_spaces_inside_chinese_and_full_width_forms():
    raw = "患 者 姓 名 ： 王 小 明\n\n合计（小写）　：￥2,034.50  "
    assert rules.normalize_text(raw) == "患者姓名:王小明\n合计(小写):¥2,034.50"


def test_the_kind_with_the_heaviest_keywords_wins():
    text = "上海市医疗门诊收费票据\n诊断：肺炎\n合计：100.00"
    assert rules.classify(text, RULES).kind == "itemised_invoice"


def test_a_tie_goes_to_a_kind_the_claim_needs():
    text = "死亡证明 出院小结"
    assert rules.classify(text, RULES, prefer=["discharge_summary"]).kind == "discharge_summary"
    assert rules.classify(text, RULES, prefer=["death_or_disability_proof"]).kind == (
        "death_or_disability_proof"
    )


def test_text_with_too_little_evidence_has_no_kind():
    assert rules.classify("合计 total", RULES).kind is None


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("合计（小写）：¥2,034.50", "2034.50"),
        ("Total amount: CNY 1,234,567.8", "1234567.80"),
        ("小计 10.00\n合计 99\n", "99.00"),
        ("Subtotal 10.00\nTotal: 12.00\nGrand total 15.25", "15.25"),
    ],
)
def test_amounts_are_read_exactly(text, amount):
    assert rules.extract_fields(text, RULES)["amount"] == amount


def test_the_last_total_on_the_page_is_the_amount():
    text = "合计（大写）：贰仟元整\n合计：100.00\n总计：2,000.00"
    assert rules.extract_fields(text, RULES)["amount"] == "2000.00"


def test_dates_in_chinese_and_iso_forms_become_iso():
    assert rules.extract_fields("开票日期：2026年6月3日", RULES)["date"] == "2026-06-03"
    assert rules.extract_fields("Date: 2026/06/03", RULES)["date"] == "2026-06-03"
    assert "date" not in rules.extract_fields("日期：2026年13月40日", RULES)


def test_plate_numbers_and_accident_dates_are_found():
    fields = rules.extract_fields("事故时间：2026年06月01日\n车牌号码：沪A 12345", RULES)
    assert fields == {"accident_date": "2026-06-01", "plate_number": "沪A12345"}


def test_a_document_without_text_is_unreadable_unless_it_is_a_picture_kind():
    assert rules.understand("  ", RULES, declared_kind=None).status == DocumentStatus.UNREADABLE
    photo = rules.understand("", RULES, declared_kind="damage_photos")
    assert photo.status == DocumentStatus.READ


def test_names_match_regardless_of_case_spacing_and_order():
    assert rules.is_insured_name("WANG xiaoming", CLAIM.person_names)
    assert rules.is_insured_name("Xiaoming Wang", CLAIM.person_names)
    assert rules.is_insured_name("王 小明", CLAIM.person_names)
    assert not rules.is_insured_name("王小红", CLAIM.person_names)


def test_completeness_sorts_documents_into_present_missing_unreadable_and_pending():
    result = rules.assess_completeness(
        CLAIM,
        [
            doc(1, detected="id_card"),
            doc(2, status=DocumentStatus.UNREADABLE),
            doc(3, status=DocumentStatus.RECEIVED),
            doc(4),  # read, but no kind recognised
        ],
        RULES,
    )
    assert result.present == {"id_card": [1]}
    assert result.missing == ["itemised_invoice", "bank_account_proof"]
    assert [d.id for d in result.unreadable] == [2]
    assert [d.id for d in result.pending] == [3]
    assert [d.id for d in result.unrecognised] == [4]
    assert not result.complete


def test_a_claim_is_complete_when_every_required_kind_is_read():
    documents = [doc(1, "id_card"), doc(2, "itemised_invoice"), doc(3, "bank_account_proof")]
    result = rules.assess_completeness(CLAIM, documents, RULES)
    assert result.complete
    assert result.mismatched == []


def test_the_same_invoice_twice_counts_once_in_the_invoiced_total():
    documents = [
        doc(1, "itemised_invoice", invoice_number="A1", amount="100.10"),
        doc(2, "itemised_invoice", invoice_number="A1", amount="100.10"),
        doc(3, "itemised_invoice", invoice_number="B2", amount="0.20"),
    ]
    result = rules.assess_completeness(CLAIM, documents, RULES)
    assert result.invoiced_total == Decimal("100.30")


def test_mismatches_name_the_document_the_field_and_both_values():
    documents = [
        doc(1, "itemised_invoice", patient_name="李四", date="2025-12-31"),
        doc(2, "accident_report", accident_date="2026-05-30", plate_number="沪B99999"),
    ]
    result = rules.assess_completeness(CLAIM, documents, RULES)
    assert [(m.document_id, m.code, m.value) for m in result.mismatched] == [
        (1, "person_not_insured", "李四"),
        (1, "date_outside_policy_period", "2025-12-31"),
        (2, "accident_date_differs", "2026-05-30"),
        (2, "plate_differs", "沪B99999"),
    ]
    assert "沪A 12345" in result.mismatched[3].message_en


def test_the_plate_of_the_insured_vehicle_is_no_mismatch():
    result = rules.assess_completeness(
        CLAIM, [doc(1, "accident_report", plate_number="沪A12345")], RULES
    )
    assert result.mismatched == []


def test_the_request_lists_every_missing_kind_and_every_unreadable_file_in_both_languages():
    result = rules.assess_completeness(
        CLAIM, [doc(1, "id_card"), doc(2, status=DocumentStatus.UNREADABLE)], RULES
    )
    message = rules.request_message(result)
    zh, en = message.split("\n")
    assert "医疗费用发票及费用明细清单" in zh and "收款人银行卡或账户证明" in zh
    assert "Itemised medical invoice" in en and "Bank card or account proof" in en
    assert "'f2.pdf' could not be read" in en and "“f2.pdf”无法识别" in zh
