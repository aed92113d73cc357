"""Dashboards (the analytics service's KPIs as charts, with filters and a CSV export) and
the chat page (the assistant's service)."""

from __future__ import annotations

from claimdesk.api.routers.assistant import get_embedder
from claimdesk.assistant.embedding import E5Embedder, HashingEmbedder
from claimdesk.assistant.service import ensure_knowledge_base
from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role
from tests.integration.web.pages import signed_in


def _reported_claims(world, count: int) -> None:
    holder = world.customer()
    policy = world.policy(holder)
    customer = world.login(Role.CUSTOMER, holder)
    for _ in range(count):
        assert world.report(customer, policy, amount="800.00").status_code == 201


def test_dashboards_chart_the_kpis_of_the_period(world):
    _reported_claims(world, 3)
    supervisor = signed_in(world, Role.SUPERVISOR)
    page = supervisor.get(
        "/staff/dashboards?first=2026-06-01&last=2026-06-30", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    assert page.text.count('<svg class="chart" role="img"') >= 10
    assert 'aria-label="Straight-through rate"' in page.text
    assert "<dt>Claims reported</dt><dd>3</dd>" in page.text
    assert 'href="/staff/dashboards"' in page.text  # in the menu for those who may see it


def test_dashboard_filters_narrow_the_figures(world):
    _reported_claims(world, 2)
    supervisor = signed_in(world, Role.SUPERVISOR)
    page = supervisor.get(
        "/staff/dashboards?first=2026-06-01&last=2026-06-30&channel=phone",
        headers={"Accept-Language": "en"},
    )
    assert "<dt>Claims reported</dt><dd>0</dd>" in page.text


def test_dashboard_csv_export_has_one_row_per_week(world):
    _reported_claims(world, 2)
    supervisor = signed_in(world, Role.SUPERVISOR)
    response = supervisor.get("/staff/dashboards.csv?first=2026-06-01&last=2026-06-30")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    header, *rows = response.text.strip().splitlines()
    assert header.startswith('"group","claims_reported"')
    assert sum(int(row.split(",")[1]) for row in rows) == 2


def test_a_bad_date_in_the_dashboard_filter_is_explained(world):
    supervisor = signed_in(world, Role.SUPERVISOR)
    page = supervisor.get("/staff/dashboards?first=June", headers={"Accept-Language": "en"})
    assert page.status_code == 422
    assert "write it as YYYY-MM-DD" in page.text


def test_roles_without_analytics_neither_see_nor_open_the_dashboards(world):
    agent = signed_in(world, Role.AGENT)
    assert 'href="/staff/dashboards"' not in agent.get("/staff").text
    assert agent.get("/staff/dashboards").status_code == 403


def test_customer_chats_with_the_assistant(world):
    with unit_of_work(world.container.sessions) as session:
        ensure_knowledge_base(session, now=world.now, vector_model=world.container.embedder.name)
    customer = signed_in(world, Role.CUSTOMER, world.customer())
    customer.get("/assistant")
    reply = customer.client.post(
        "/assistant",
        data={"text": "住院理赔需要提交哪些材料？"},
        headers={"HX-Request": "true", "X-CSRF-Token": customer.token},
    )
    assert reply.status_code == 200
    assert '<li class="me">' in reply.text and "出院小结" in reply.text


def test_an_empty_chat_message_is_refused_with_a_message(world):
    customer = signed_in(world, Role.CUSTOMER, world.customer())
    customer.get("/assistant")
    page = customer.post("/assistant", {"text": ""}, headers={"Accept-Language": "en"})
    assert page.status_code == 422
    assert "Write your question" in page.text


def test_the_conversation_is_still_there_after_a_reload(world):
    world.client.app.dependency_overrides[get_embedder] = HashingEmbedder
    with unit_of_work(world.container.sessions) as session:
        ensure_knowledge_base(session, now=world.now, vector_model=world.container.embedder.name)
    customer = signed_in(world, Role.CUSTOMER, world.customer())
    customer.get("/assistant")
    first = customer.post("/assistant", {"text": "住院理赔需要提交哪些材料？"})
    second = customer.post("/assistant", {"text": "我的医疗险还剩多少保额？"})
    assert first.status_code == second.status_code == 200
    page = customer.get("/assistant")
    assert page.text.count('<li class="me">') == 2
    assert "住院理赔需要提交哪些材料？" in page.text and "我的医疗险还剩多少保额？" in page.text
    assert "没有找到您名下的保单" in page.text  # the second answer, from the records
    stranger = signed_in(world, Role.CUSTOMER, world.customer())
    assert '<li class="me">' not in stranger.get("/assistant").text
    world.client.app.dependency_overrides.clear()


def test_an_answer_the_assistant_is_unsure_of_offers_a_person(world):
    # The real model: how sure the assistant is was fitted on its vectors (reranker.toml),
    # and the starter entries ship with them.
    model = E5Embedder()
    world.client.app.dependency_overrides[get_embedder] = lambda: model
    with unit_of_work(world.container.sessions) as session:
        ensure_knowledge_base(session, now=world.now, vector_model=model.name)
    customer = signed_in(world, Role.CUSTOMER, world.customer())
    customer.get("/assistant")
    page = customer.post("/assistant", {"text": "zxqv plorth"}, headers={"Accept-Language": "en"})
    assert 'class="handoff-offer"' in page.text
    assert 'name="text" value="talk to a person"' in page.text
    world.client.app.dependency_overrides.clear()
