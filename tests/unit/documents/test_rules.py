"""Understanding text and judging completeness: pure rules, no files, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claimdesk.documents import rules
from claimdesk.documents.enums import DocumentStatus
from claimdesk.web.i18n import Translator

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
    message = rules.request_message(result)  # a key and codes, said when read
    assert message["key"] == "history.documents_requested"
    stored = str(message)
    assert not any("\u4e00" <= c <= "\u9fff" for c in stored) and "Itemised" not in stored
    zh = Translator("zh-CN", "UTC").message(message)
    en = Translator("en", "UTC").message(message)
    assert "医疗费用发票及费用明细清单" in zh and "收款人银行卡或账户证明" in zh
    assert "Itemised medical invoice" in en and "Bank card or account proof" in en
    assert "'f2.pdf' could not be read" in en and "“f2.pdf”无法识别" in zh


# ---------------------------------------------------------------- reading through OCR noise


def test_a_table_row_read_as_one_line_is_cut_at_its_labels():
    text = "患者姓名 董萱桐 性别 女\n票据号码 1010694518 开票日期 2026-09-29\n医院 北京协和医院"
    fields = rules.extract_fields(text, RULES)
    assert fields["patient_name"] == "董萱桐"
    assert fields["invoice_number"] == "1010694518"
    assert fields["date"] == "2026-09-29"
    assert fields["issuer"] == "北京协和医院"


@pytest.mark.parametrize(
    ("words", "amount"),
    [
        ("贰仟零叁拾肆元伍角", "2034.50"),
        ("陆仟伍佰壹拾伍元柒角", "6515.70"),
        ("壹万零捌元整", "10008.00"),
        ("壹拾贰万叁仟肆佰伍拾陆元零柒分", "123456.07"),
        ("零元伍角伍分", "0.55"),
    ],
)
def test_amounts_in_words_are_read(words, amount):
    assert f"{rules.parse_amount_words(words):.2f}" == amount


def test_the_amount_in_words_confirms_the_figures_or_wins_against_them():
    agreeing = rules.read_fields("合计(小写):¥6,515.70\n合计(大写):陆仟伍佰壹拾伍元柒角", RULES)
    assert agreeing.values["amount"] == "6515.70"
    assert agreeing.confidence["amount"] >= 0.95
    # OCR misread a digit of the figures: the words hold, and someone should look
    disagreeing = rules.read_fields("合计(小写):¥6,545.70\n合计(大写):陆仟伍佰壹拾伍元柒角", RULES)
    assert disagreeing.values["amount"] == "6515.70"
    assert disagreeing.confidence["amount"] < RULES.min_confidence
    assert "amount_words" not in disagreeing.values


def test_misread_thousands_separators_and_look_alike_letters_are_undone():
    assert rules.extract_fields("合计:¥10.657.88", RULES)["amount"] == "10657.88"
    assert rules.extract_fields("Tota1 amount: CNY 5 910.37", RULES)["amount"] == "5910.37"


def test_id_numbers_are_checked_against_their_gb_11643_check_digit():
    good = rules.read_fields("公民身份号码 11010519491231002X", RULES)
    assert good.values["id_number"] == "11010519491231002X"
    assert good.confidence["id_number"] >= 0.95
    bad = rules.read_fields("公民身份号码 110105194912310021", RULES)
    assert bad.confidence["id_number"] < RULES.min_confidence


def test_bank_card_number_and_holder_are_read_from_the_bank_proof_with_a_luhn_check():
    proof = rules.read_fields("银行卡账户证明\n户名:周欣怡\n账号:6222 0200 0000 0000 000", RULES)
    assert proof.values["account_holder"] == "周欣怡"
    assert proof.values["account_number"] == "6222020000000000000"
    assert rules.luhn_valid("6222020000000000000") and rules.luhn_valid("4111111111111111")
    assert proof.confidence["account_number"] >= 0.95
    misread = rules.read_fields("账号:6222 0200 0000 0000 001", RULES)
    assert misread.confidence["account_number"] < RULES.min_confidence


def test_english_labels_and_names_survive_dropped_spaces():
    text = "TRAFFICACCIDENTREPORT\nDateofaccident:2026-07-07\nPatient: WuXiuying"
    assert rules.classify(text, RULES).kind == "accident_report"
    fields = rules.extract_fields(text, RULES)
    assert fields["accident_date"] == "2026-07-07"
    assert fields["patient_name"] == "Wu Xiuying"


def test_a_seal_beside_the_issuer_does_not_end_up_in_its_name():
    assert rules.extract_fields("医院:天津医科大学总医院医科大学总", RULES)["issuer"] == (
        "天津医科大学总医院"
    )
    assert rules.extract_fields("Hospital: Suzhou Municipal Hospital 用", RULES)["issuer"] == (
        "Suzhou Municipal Hospital"
    )


def test_a_latin_name_on_a_chinese_document_is_not_trusted():
    # what Tesseract made of a clean "周欣怡": a name on its own must not look like fraud
    chinese = rules.read_fields("门诊收费票据\n患者姓名:JAA\n收款单位:北京协和医院", RULES)
    assert chinese.values["patient_name"] == "JAA"
    assert chinese.confidence["patient_name"] < RULES.min_confidence
    sure = rules.read_fields("门诊收费票据\n患者姓名:周欣怡\n收款单位:北京协和医院", RULES)
    assert sure.confidence["patient_name"] >= 0.9


def test_a_low_confidence_name_needs_a_look_and_raises_no_risk_factor():
    from claimdesk.fraud import rules as fraud

    unsure = rules.DocumentFacts(
        id=7,
        filename="发票.jpg",
        status=DocumentStatus.READ,
        declared_kind="itemised_invoice",
        detected_kind=None,
        fields={"patient_name": "JAA", "date": "2026-06-03"},
        confidence={"patient_name": 0.3, "date": 0.95},
    )
    result = rules.assess_completeness(CLAIM, [unsure], RULES)
    assert result.mismatched == []
    assert [(m.document_id, m.field, m.code) for m in result.needs_look] == [
        (7, "patient_name", "needs_look")
    ]
    assert "JAA" in result.needs_look[0].message_en and "核实" in result.needs_look[0].message_zh
    facts = fraud.ClaimFacts(
        claim_type="inpatient",
        claimed_amount=Decimal("800.00"),
        currency="CNY",
        incident_date=date(2026, 6, 1),
        reported_on=date(2026, 6, 3),
        policy_start=date(2026, 1, 1),
        remaining_sum_insured=Decimal("100000.00"),
        document_conflicts=tuple(
            fraud.DocumentConflict(m.message_en, m.message_zh) for m in result.mismatched
        ),
    )
    assert "document_mismatch" not in {f.code for f in fraud.assess(facts).factors}
    # the same name read with confidence is a mismatch, as before
    sure = rules.DocumentFacts(**{**vars(unsure), "confidence": {"patient_name": 0.95}})
    mismatched = rules.assess_completeness(CLAIM, [sure], RULES).mismatched
    assert [m.code for m in mismatched] == ["person_not_insured"]
