"""Fixtures of the assistant's integration tests: the shipped knowledge base in the
database, and the hashing stand-in for the model where a test does not need its judgement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from claimdesk.api.routers.assistant import get_embedder
from claimdesk.assistant.embedding import HashingEmbedder
from claimdesk.assistant.service import ensure_knowledge_base
from claimdesk.bootstrap import Container
from claimdesk.core.db import unit_of_work
from tests.factories import World


@pytest.fixture(autouse=True)
def knowledge_base(container: Container) -> None:
    with unit_of_work(container.sessions) as session:
        ensure_knowledge_base(
            session, now=container.clock.now(), vector_model=container.embedder.name
        )


@pytest.fixture
def fake_model(world: World) -> Iterator[None]:
    overrides = world.client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_embedder] = HashingEmbedder
    yield
    overrides.clear()
