"""Knowledge-base entries: the shipped starter set, staff editing and publishing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from claimdesk.api.routers.assistant import get_embedder
from claimdesk.assistant.embedding import HashingEmbedder
from claimdesk.assistant.service import ensure_knowledge_base
from claimdesk.bootstrap import Container
from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role
from tests.factories import World

KB = "/api/v1/assistant/kb"


@pytest.fixture(autouse=True)
def fake_model(world: World) -> Iterator[None]:
    overrides = world.client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_embedder] = HashingEmbedder
    yield
    overrides.clear()


def _load(container: Container) -> int:
    with unit_of_work(container.sessions) as session:
        return ensure_knowledge_base(
            session, now=container.clock.now(), vector_model=container.embedder.name
        )


def test_the_starter_entries_load_once_and_staff_edits_survive_an_upgrade(
    container: Container, world: World
) -> None:
    _load(container)  # the first test of a run finds them loaded by `db upgrade` already
    entries = world.client.get(KB, params={"locale": "zh-CN"}).json()
    assert len(entries) >= 60 and {e["status"] for e in entries} == {"published"}
    entry = next(e for e in entries if e["key"] == "payout-deductible")
    agent = world.staff(Role.AGENT)
    edited = world.client.patch(
        f"{KB}/{entry['id']}", json={"body": "新的免赔额说明。"}, headers=agent
    )
    assert edited.status_code == 200, edited.text
    assert _load(container) == 0
    assert world.client.get(f"{KB}/{entry['id']}").json()["body"] == "新的免赔额说明。"


def test_a_draft_is_hidden_until_published_and_then_the_assistant_answers_from_it(
    container: Container, world: World
) -> None:
    _load(container)
    agent = world.staff(Role.AGENT)
    created = world.client.post(
        KB,
        json={
            "key": "glasses",
            "locale": "en",
            "category": "products",
            "title": "Are spectacles and contact lenses reimbursed?",
            "body": "Spectacles and contact lenses are not medical treatment and are not paid.",
        },
        headers=agent,
    )
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["status"] == "draft"
    customer = world.login(Role.CUSTOMER, world.customer())
    assert world.client.get(f"{KB}/{entry['id']}", headers=customer).status_code == 404
    question = {"text": "are spectacles and contact lenses reimbursed"}
    before = world.client.post("/api/v1/assistant/messages", json=question).json()
    assert "en/glasses" not in [s["id"] for s in before["sources"]]

    published = world.client.post(f"{KB}/{entry['id']}/publish", headers=agent)
    assert published.json()["status"] == "published"
    after = world.client.post("/api/v1/assistant/messages", json=question).json()
    assert after["sources"][0]["id"] == "en/glasses"
    assert world.client.get(f"{KB}/{entry['id']}", headers=customer).status_code == 200


def test_customers_cannot_write_entries_or_list_drafts(world: World) -> None:
    customer = world.login(Role.CUSTOMER, world.customer())
    entry = {"key": "x", "locale": "en", "category": "c", "title": "t", "body": "b"}
    assert world.client.post(KB, json=entry, headers=customer).status_code == 403
    drafts = world.client.get(KB, params={"status": "draft"}, headers=customer)
    assert drafts.status_code == 403


def test_an_entry_key_exists_once_per_language(world: World) -> None:
    agent = world.staff(Role.AGENT)
    entry = {"key": "dup", "locale": "en", "category": "c", "title": "t", "body": "b"}
    assert world.client.post(KB, json=entry, headers=agent).status_code == 201
    assert world.client.post(KB, json=entry, headers=agent).status_code == 409
    chinese = {**entry, "locale": "zh-CN"}
    assert world.client.post(KB, json=chinese, headers=agent).status_code == 201
