"""Passage vectors and search terms kept with the knowledge-base entries: made by the
job runner when entries change (inline in tests), only for what changed, and loaded by
the index instead of embedding again."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import select, update

from claimdesk.assistant import service
from claimdesk.assistant.embedding import HashingEmbedder
from claimdesk.assistant.knowledge import SHIPPED_VECTORS
from claimdesk.assistant.language import TERMS_VERSION
from claimdesk.assistant.models import KbEntry
from claimdesk.bootstrap import Container
from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role
from tests.factories import World


class RefusingEmbedder(HashingEmbedder):
    """The same model as the job's, which must not be asked to embed passages again."""

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError(f"embedded {len(texts)} passages instead of loading them")

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])  # questions may be embedded


def _rows(container: Container) -> dict[tuple[str, str], KbEntry]:
    with container.sessions() as session:
        rows = session.scalars(select(KbEntry)).all()
        for row in rows:
            _ = row.vectors  # deferred: load it while the session is open
        return {(r.key, r.locale): r for r in rows}


def test_every_entry_has_fresh_terms_and_vectors_after_loading_the_starter_set(
    container: Container,
) -> None:
    rows = _rows(container)
    assert len(rows) >= 400
    for row in rows.values():
        assert row.terms_version == TERMS_VERSION and row.terms
        assert row.vector_model == container.embedder.name
        assert row.vector_hash == row.text_hash
        assert row.vectors is not None and len(row.vectors) == 2 * 256 * 4


def test_an_edited_entry_alone_is_embedded_again(container: Container, world: World) -> None:
    before = _rows(container)
    edited = before[("payment-when", "en")]
    agent = world.staff(Role.AGENT)
    response = world.client.patch(
        f"/api/v1/assistant/kb/{edited.id}",
        json={"body": "Approved claims are paid within 10 days to your verified account."},
        headers=agent,
    )
    assert response.status_code == 200, response.text
    after = _rows(container)
    changed = after[("payment-when", "en")]
    assert changed.text_hash != edited.text_hash and changed.vector_hash == changed.text_hash
    assert changed.vectors != edited.vectors
    untouched = [key for key in before if key != ("payment-when", "en")]
    assert all(after[key].vectors == before[key].vectors for key in untouched)


def test_the_index_loads_the_stored_vectors_without_embedding_a_passage(
    container: Container,
) -> None:
    with container.sessions() as session:
        known = service.knowledge_index(session, RefusingEmbedder())
    assert len(known.index) == len(_rows(container))
    hits = known.index.search("免赔额是多少", lang="zh-CN", top=1)
    assert hits[0].id.startswith("zh-CN/")


def test_vectors_of_another_model_are_not_used_but_remade_by_the_job(
    container: Container,
) -> None:
    with unit_of_work(container.sessions) as session:
        session.execute(update(KbEntry).values(vector_model="another-model"))
    made = service.refresh_vectors(container.sessions, embedder=container.embedder, batch=100)
    assert made == len(_rows(container))
    assert {r.vector_model for r in _rows(container).values()} == {container.embedder.name}


def test_a_starter_entry_follows_the_shipped_text_unless_staff_edited_it(
    container: Container, world: World
) -> None:
    older = KbEntry.key.in_(["payment-when", "payout-deductible"])
    with unit_of_work(container.sessions) as session:
        session.execute(update(KbEntry).where(older).values(body="An older text."))
    deductible = _rows(container)[("payout-deductible", "en")]
    edited = world.client.patch(
        f"/api/v1/assistant/kb/{deductible.id}",
        json={"body": "Our own words."},
        headers=world.staff(Role.AGENT),
    )
    assert edited.status_code == 200, edited.text
    with unit_of_work(container.sessions) as session:
        assert (
            service.ensure_knowledge_base(
                session, now=world.now, vector_model=world.container.embedder.name
            )
            == 3
        )
    rows = _rows(container)
    assert "10 days" in rows[("payment-when", "en")].body
    assert "十日" in rows[("payment-when", "zh-CN")].body
    assert "免赔" in rows[("payout-deductible", "zh-CN")].body
    assert rows[("payout-deductible", "en")].body == "Our own words."


class ShippedModel(RefusingEmbedder):
    """Named as the model whose vectors ship with the starter entries."""

    @property
    def name(self) -> str:
        return str(np.load(SHIPPED_VECTORS)["model"])


def test_a_fresh_installation_takes_the_shipped_vectors_and_embeds_nothing(
    container: Container, world: World
) -> None:
    job_model = container.embedder
    container.embedder = ShippedModel()
    try:
        with unit_of_work(container.sessions) as session:
            session.execute(update(KbEntry).values(vectors=None, vector_model=None))
            service.ensure_knowledge_base(
                session, now=world.now, vector_model=world.container.embedder.name
            )
        rows = _rows(container).values()
        assert {r.vector_model for r in rows} == {container.embedder.name}
        assert all(r.vector_hash == r.text_hash for r in rows)
    finally:
        container.embedder = job_model
