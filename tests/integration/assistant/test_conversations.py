"""The assistant over HTTP with the real knowledge base. Questions answered from the
knowledge base use the bundled E5 model; tests of the customer's own records and of
hand-offs use the hashing stand-in (``fake_model``), which keeps them quick."""

from __future__ import annotations

from typing import Any

from claimdesk.assistant.retrieval import ANSWER_AT
from claimdesk.customers.models import Customer
from claimdesk.security.enums import Role
from tests.factories import World
from tests.integration.support.conftest import Desk

URL = "/api/v1/assistant/messages"


def ask(world: World, text: str, headers: dict[str, str] | None = None, **more: Any) -> Any:
    response = world.client.post(URL, json={"text": text, **more}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_chinese_question_is_answered_in_chinese_citing_its_entry(world: World) -> None:
    reply = ask(world, "住院理赔需要提交哪些材料？")
    assert reply["locale"] == "zh-CN"
    assert reply["intent"] == "question"
    assert reply["sources"][0]["id"] == "zh-CN/docs-inpatient"
    assert "出院小结" in reply["answer"]
    assert reply["confidence"] >= ANSWER_AT


def test_an_english_question_is_answered_in_english_citing_its_entry(world: World) -> None:
    """The deductible entry comes first; the worked inpatient example is close behind, so
    the assistant may answer outright or offer both (with a person)."""
    reply = ask(world, "How much is the deductible for a hospital stay?")
    assert reply["locale"] == "en"
    assert reply["intent"] in ("question", "clarify")
    assert reply["sources"][0]["id"] == "en/payout-deductible"
    if reply["intent"] == "question":
        assert "1,000 CNY" in reply["answer"]
    else:
        assert reply["handoff_offered"] is True


def test_a_less_sure_english_question_is_asked_back_with_the_likely_entries(world: World) -> None:
    """ "Excess" is a synonym of deductible: not sure enough to answer outright, the assistant
    offers the entries it found, the deductible ones first, in English."""
    reply = ask(world, "How much is the excess on a hospital stay?")
    assert reply["locale"] == "en"
    assert reply["intent"] in ("question", "clarify")
    assert reply["sources"][0]["id"] in ("en/payout-deductible", "en/payout-example-inpatient")
    assert reply["handoff_offered"] is (reply["intent"] == "clarify")


def test_the_locale_field_overrides_the_language_of_the_text(world: World) -> None:
    reply = ask(world, "免赔额是多少", locale="en")
    assert reply["locale"] == "en"
    assert all(source["id"].startswith("en/") for source in reply["sources"])


def test_a_question_the_knowledge_base_cannot_answer_gets_low_confidence(world: World) -> None:
    reply = ask(world, "recommend a good restaurant near the office")
    assert reply["intent"] in ("not_found", "clarify")
    assert reply["confidence"] < ANSWER_AT


def _customer_with_claim(world: World) -> tuple[Customer, dict[str, str], dict[str, Any]]:
    customer = world.customer()
    headers = world.login(Role.CUSTOMER, customer)
    policy = world.policy(customer)
    response = world.report(headers, policy)
    assert response.status_code == 201, response.text
    return customer, headers, response.json()


def test_the_owner_gets_the_status_and_next_step_of_a_claim(world: World, fake_model: None) -> None:
    _, headers, claim = _customer_with_claim(world)
    reply = ask(world, f"What is the status of {claim['number']}?", headers)
    assert reply["intent"] == "claim_status"
    assert claim["number"] in reply["answer"]
    assert "reported" in reply["answer"] and "72 hours" in reply["answer"]
    assert reply["sources"] == [] and reply["confidence"] is None


def test_a_strangers_claim_number_gets_the_answer_of_a_number_that_does_not_exist(
    world: World,
    fake_model: None,
) -> None:
    _, _, claim = _customer_with_claim(world)
    stranger = world.login(Role.CUSTOMER, world.customer())
    theirs = ask(world, f"我的案件 {claim['number']} 进度怎么样", stranger)
    missing = ask(world, "我的案件 CLM20260615999999 进度怎么样", stranger)
    assert theirs["answer"] == missing["answer"].replace("CLM20260615999999", claim["number"])
    assert "没有找到" in theirs["answer"]
    assert "审核" not in theirs["answer"] and "已报案" not in theirs["answer"]


def test_an_anonymous_visitor_asking_about_a_claim_gets_knowledge_base_answers_only(
    world: World,
    fake_model: None,
) -> None:
    _, _, claim = _customer_with_claim(world)
    reply = ask(world, f"What is the status of my claim {claim['number']}?")
    assert reply["intent"] in ("question", "clarify", "not_found")
    assert "sign in" in reply["answer"]
    assert "is reported" not in reply["answer"]


def test_missing_documents_are_listed_from_the_claims_checklist(
    world: World, fake_model: None
) -> None:
    _, headers, claim = _customer_with_claim(world)
    reply = ask(world, "我的案件还缺哪些材料？", headers)
    assert reply["intent"] == "missing_documents"
    assert claim["number"] in reply["answer"]
    for name in ("身份证件", "疾病诊断证明书", "费用明细清单", "出院小结", "银行卡或账户证明"):
        assert name in reply["answer"]
    assert "门诊或住院病历" not in reply["answer"]


def test_policy_cover_and_remaining_sum_insured_come_from_the_policy_terms(
    world: World, fake_model: None
) -> None:
    customer = world.customer()
    headers = world.login(Role.CUSTOMER, customer)
    policy = world.policy(customer, sum_insured="300000")
    reply = ask(world, "what does my policy cover and how much is left?", headers)
    assert reply["intent"] == "policy_cover"
    assert policy.number in reply["answer"]
    assert "remaining sum insured CNY 300,000.00" in reply["answer"]
    assert "deductible CNY 1,000.00 (per policy year), your co-payment 20%" in reply["answer"]


def test_a_claim_is_opened_turn_by_turn_through_the_claims_service(
    world: World, fake_model: None
) -> None:
    customer = world.customer()
    headers = world.login(Role.CUSTOMER, customer)
    world.policy(customer)
    first = ask(world, "我要报案", headers)
    session_id = first["session_id"]
    assert "住院医疗" in first["answer"]
    for text in ("1", "2026-06-01", "肺炎住院治疗", "abc"):
        reply = ask(world, text, headers, session_id=session_id)
    assert "没有识别出金额" in reply["answer"]
    done = ask(world, "5200", headers, session_id=session_id)
    assert done["intent"] == "report_claim"
    assert "CLM" in done["answer"] and "出院小结" in done["answer"]
    claims = world.client.get("/api/v1/claims", headers=headers).json()
    assert [(c["claim_type"], c["claimed_amount"]) for c in claims] == [("inpatient", "5200.00")]


def test_asking_for_a_person_hands_the_conversation_to_a_ticket_with_its_transcript(
    world: World,
    fake_model: None,
) -> None:
    desk = Desk(world)
    customer = world.customer()
    headers = world.login(Role.CUSTOMER, customer)
    first = ask(world, "How long does a decision take?", headers)
    reply = ask(world, "转人工", headers, session_id=first["session_id"])
    assert reply["intent"] == "handoff"
    ticket_id = reply["handoff_ticket_id"]
    ticket = world.client.get(f"/api/v1/tickets/{ticket_id}", headers=headers).json()
    assert ticket["kind"] == "consultation" and ticket["channel"] == "assistant"
    assert ticket["team_id"] == desk.team_id and ticket["owner_id"] is not None
    transcript = ticket["messages"][0]["body"]
    assert "How long does a decision take?" in transcript and "转人工" in transcript
    assert first["answer"].splitlines()[0] in transcript  # the assistant's answers too
    assert ticket["number"] in reply["answer"] and "客服" in reply["answer"]
    assert "2026-06-15 10:20" in reply["answer"]  # 20 minutes, Beijing time
    after = ask(world, "还有一个问题", headers, session_id=first["session_id"])
    assert after["handoff_ticket_id"] == ticket_id
    ticket = world.client.get(f"/api/v1/tickets/{ticket_id}", headers=headers).json()
    assert ticket["messages"][-1]["body"] == "还有一个问题"


def test_a_complaint_becomes_a_complaint_ticket_with_its_due_times(
    world: World, fake_model: None
) -> None:
    Desk(world)
    headers = world.login(Role.CUSTOMER, world.customer())
    reply = ask(world, "I want to complain about how slow you are", headers)
    assert reply["intent"] == "complaint"
    ticket = world.client.get(
        f"/api/v1/tickets/{reply['handoff_ticket_id']}", headers=headers
    ).json()
    assert ticket["kind"] == "complaint"
    assert {clock["metric"] for clock in ticket["sla"]} == {"first_response", "resolution"}
    assert "2026-06-17" in reply["answer"]  # 48 hours = 2 working days from Monday


def test_two_unanswerable_questions_in_a_row_hand_over_to_a_person(world: World) -> None:
    """With the real model: the hashing stand-in cannot tell off-topic from in-scope."""
    Desk(world)
    headers = world.login(Role.CUSTOMER, world.customer())
    first = ask(world, "recommend a good restaurant near the office", headers)
    assert first["handoff_ticket_id"] is None
    second = ask(world, "who won the football match", headers, session_id=first["session_id"])
    assert second["handoff_ticket_id"] is not None
    assert second["intent"] == "handoff"


def test_a_conversation_cannot_be_continued_by_another_user(world: World, fake_model: None) -> None:
    owner = world.login(Role.CUSTOMER, world.customer())
    other = world.login(Role.CUSTOMER, world.customer())
    started = ask(world, "免赔额是多少", owner)
    response = world.client.post(
        URL, json={"text": "继续", "session_id": started["session_id"]}, headers=other
    )
    assert response.status_code == 404
    anonymous = world.client.post(URL, json={"text": "继续", "session_id": started["session_id"]})
    assert anonymous.status_code == 404
