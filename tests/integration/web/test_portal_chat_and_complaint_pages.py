"""The portal's chat shows lists and clickable answers and says when it is typing or
failed; a complaint shows its reply deadline on the ticket and on the claim."""

from __future__ import annotations

import re

from claimdesk.api.routers.assistant import get_embedder
from claimdesk.assistant.embedding import HashingEmbedder
from claimdesk.assistant.service import ensure_knowledge_base
from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role
from tests.integration.web.pages import signed_in

EN = {"Accept-Language": "en"}


def test_a_list_of_claims_in_the_chat_is_a_list_of_buttons_that_answer(world):
    world.client.app.dependency_overrides[get_embedder] = HashingEmbedder
    try:
        with unit_of_work(world.container.sessions) as session:
            ensure_knowledge_base(
                session, now=world.now, vector_model=world.container.embedder.name
            )
        holder = world.customer()
        policy = world.policy(holder)
        api = world.login(Role.CUSTOMER, holder)
        numbers = [world.report(api, policy).json()["number"] for _ in range(2)]
        customer = signed_in(world, Role.CUSTOMER, holder)
        page = customer.get("/assistant")
        assert 'id="typing"' in page.text and 'id="chat-error"' in page.text
        page = customer.post("/assistant", {"text": "我的理赔进度怎么样？"})
        assert page.status_code == 200
        last = page.text.split('<li class="bot">')[-1]
        assert '<ul class="chat-list">' in last, last
        for number in numbers:
            assert re.search(rf'name="text" value="{number}"><button[^>]*>{number}:', last), last
        page = customer.post("/assistant", {"text": numbers[0]})
        last = page.text.split('<li class="bot">')[-1]
        assert numbers[0] in last and 'class="chat-list"' not in last
        reloaded = customer.get("/assistant")
        assert reloaded.text.count('<li class="me">') == 2
        assert reloaded.text.count('<ul class="chat-list">') == 1  # the history keeps lists
        assert 'name="text" value="' + numbers[1] not in reloaded.text  # old options: text
    finally:
        world.client.app.dependency_overrides.clear()


def test_a_complaint_shows_when_it_will_be_answered(world):
    holder = world.customer()
    policy = world.policy(holder)
    claim = world.report(world.login(Role.CUSTOMER, holder), policy).json()
    customer = signed_in(world, Role.CUSTOMER, holder)
    customer.get("/tickets/new")
    opened = customer.post(
        "/tickets",
        {
            "kind": "complaint",
            "subject": "处理太慢",
            "body": "两周没有消息",
            "claim_id": claim["id"],
        },
    )
    assert opened.status_code == 303, opened.text
    ticket = customer.get(opened.headers["location"], headers=EN)
    deadline = re.search(
        r'id="reply-deadline">We will answer your complaint by ([\d-]+ [\d:]+)\.', ticket.text
    )
    assert deadline, ticket.text
    page = customer.get(f"/claims/{claim['id']}", headers=EN)
    assert f"We will answer your complaint by {deadline[1]}." in page.text
    asked = customer.post(
        "/tickets",
        {"kind": "consultation", "subject": "问题", "body": "?", "claim_id": claim["id"]},
    )
    assert 'id="reply-deadline"' not in customer.get(asked.headers["location"]).text
