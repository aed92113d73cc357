"""The chat reads the assistant's answers as paragraphs and lists, and offers the options
and quoted phrases as answers a customer can click."""

from claimdesk.web.chat import blocks, suggestions


def test_a_claim_pick_is_a_list_whose_items_answer_with_the_claim_number():
    answer = (
        "您有多个案件，请问是哪一个？请回复案件号：\n"
        "- CLM2026000001: 住院医疗, 已报案\n- CLM2026000002: 门诊医疗, 已赔付"
    )
    first, listed = blocks(answer, "clarify")
    assert first.kind == "p" and first.text.startswith("您有多个案件")
    assert listed.kind == "ul"
    assert [i.send for i in listed.items] == ["CLM2026000001", "CLM2026000002"]
    assert listed.items[1].text == "CLM2026000002: 门诊医疗, 已赔付"


def test_numbered_options_answer_with_the_question_or_with_the_number_in_a_report():
    answer = "Did you mean:\n1. How do I claim?\n2. What is a deductible?\nReply with it."
    _, options, last = blocks(answer, "clarify")
    assert options.kind == "ol" and [i.send for i in options.items] == [
        "How do I claim?",
        "What is a deductible?",
    ]
    assert last.text == "Reply with it."
    _, steps = blocks("属于哪种损失？请回复其中一项：\n1. 住院医疗 (inpatient)", "report_claim")
    assert [i.send for i in steps.items] == ["1"]


def test_quoted_phrases_are_offered_once_each():
    said = suggestions('可以问我“还缺哪些材料”，或说“转人工”。 Or say "talk to a person"; “转人工”')
    assert said == ["还缺哪些材料", "转人工", "talk to a person"]
    assert suggestions("No quotes here.") == []
