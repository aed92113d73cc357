"""The index file: written when the index is built, loaded after a restart instead of the
entries' terms and vectors, an edited entry indexed again alone, a damaged or stale file
rebuilt; the same answers with and without it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from claimdesk.api.app import create_app
from claimdesk.api.routers.assistant import get_embedder
from claimdesk.assistant import index_store, service
from claimdesk.assistant.embedding import HashingEmbedder
from claimdesk.assistant.enums import EntryStatus
from claimdesk.assistant.models import KbEntry
from claimdesk.assistant.retrieval import Hit, Method
from claimdesk.bootstrap import Container
from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role
from tests.factories import World

QUESTIONS = Path(__file__).resolve().parents[3] / "bench" / "data" / "assistant_questions.jsonl"


class Model(HashingEmbedder):
    """The job's model (same name and vectors), counting the passages it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        return super().passages(texts)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])


@pytest.fixture
def store(container: Container, tmp_path: Path) -> Path:
    service._indexes.clear()
    return index_store.path_for(tmp_path, container.embedder.name)


def _questions(count: int = 60) -> list[str]:
    lines = QUESTIONS.read_text("utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines[:: len(lines) // count]]


def _answers(known: service.KnowledgeIndex) -> list[list[Hit]]:
    return [known.index.search(q, top=3, detect_language=True) for q in _questions()]


def _build(container: Container, model: Model, store: Path | None) -> service.KnowledgeIndex:
    service._indexes.clear()
    with container.sessions() as session:
        return service.knowledge_index(session, model, store)


def test_the_index_file_round_trips_and_gives_the_same_answers(
    container: Container, store: Path
) -> None:
    model = Model()
    from_rows = _build(container, model, None)
    assert not store.exists()
    written = _build(container, model, store)
    loaded = index_store.load(store, model.name)
    assert loaded is not None and len(loaded) == len(from_rows.index)
    with container.sessions() as session:
        hashes = {r.id: r.text_hash for r in session.execute(select(KbEntry.id, KbEntry.text_hash))}
    assert all(hashes[int(i)] == h for i, h in zip(loaded.entry_ids, loaded.hashes, strict=True))
    assert written.index.vectors is not None and from_rows.index.vectors is not None
    assert np.array_equal(loaded.vectors, from_rows.index.vectors)
    restarted = _build(container, model, store)
    assert model.embedded == 0  # every vector came from the rows, then from the file
    assert _answers(restarted) == _answers(from_rows)


def test_an_edited_entry_is_indexed_again_and_the_rest_loaded(
    container: Container, world: World, store: Path
) -> None:
    model = Model()
    _build(container, model, store)
    before = index_store.load(store, model.name)
    assert before is not None
    with container.sessions() as session:
        edited = session.scalars(
            select(KbEntry).where(KbEntry.key == "payment-when", KbEntry.locale == "en")
        ).one()
    response = world.client.patch(
        f"/api/v1/assistant/kb/{edited.id}",
        json={"body": "Approved claims are paid within 10 days to your zanzibar account."},
        headers=world.staff(Role.AGENT),
    )
    assert response.status_code == 200, response.text
    known = _build(container, model, store)
    after = index_store.load(store, model.name)
    assert after is not None
    rows_before, rows_after = before.rows(), after.rows()
    changed = [key for key in rows_after if key not in rows_before]
    assert [entry_id for entry_id, _ in changed] == [edited.id]
    for key, at in rows_after.items():
        if key not in changed:
            assert np.array_equal(after.vectors[at], before.vectors[rows_before[key]])
    hits = known.index.search("zanzibar", lang="en", top=1, method=Method.LEXICAL)
    assert hits[0].id == "en/payment-when"
    assert _answers(known) == _answers(_build(container, model, None))


def test_a_withdrawn_entry_leaves_the_file_and_its_answers(
    container: Container, store: Path
) -> None:
    model = Model()
    _build(container, model, store)
    with unit_of_work(container.sessions) as session:
        session.execute(
            update(KbEntry)
            .where(KbEntry.key == "payment-when")
            .values(status=EntryStatus.DRAFT, updated_at=container.clock.now().replace(year=2100))
        )
    known = _build(container, model, store)
    assert not any(ref.endswith("/payment-when") for ref in known.entries)
    loaded = index_store.load(store, model.name)
    assert loaded is not None and len(loaded) == len(known.index)
    assert _answers(known) == _answers(_build(container, model, None))


@pytest.mark.parametrize(
    "damage",
    ["truncated", "flipped", "garbage", "other model"],
)
def test_a_damaged_or_stale_file_is_rebuilt(container: Container, store: Path, damage: str) -> None:
    model = Model()
    _build(container, model, store)
    content = store.read_bytes()
    if damage == "truncated":
        store.write_bytes(content[: len(content) // 2])
    elif damage == "flipped":  # a byte of the vectors changed: only the checksum tells
        loaded = index_store.load(store, model.name)
        assert loaded is not None
        first = loaded.vectors.tobytes()[:64]
        at = content.index(first) + 10
        store.write_bytes(content[:at] + bytes([content[at] ^ 0xFF]) + content[at + 1 :])
    elif damage == "garbage":
        store.write_bytes(b"not an index")
    else:
        loaded = index_store.load(store, model.name)
        assert loaded is not None
        index_store.save(store, "another-model", loaded)
    assert index_store.load(store, model.name) is None
    rebuilt = _build(container, model, store)
    assert index_store.load(store, model.name) is not None  # written again, whole
    assert _answers(rebuilt) == _answers(_build(container, model, None))


class Warmed(Model):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def query(self, text: str) -> np.ndarray:
        self.asked.append(text)
        return super().query(text)


def test_the_server_loads_the_index_and_the_model_when_it_starts(container: Container) -> None:
    model = Warmed()
    app = create_app(container)
    app.dependency_overrides[get_embedder] = lambda: model
    service._indexes.clear()
    container.settings.assistant_warm_up = True
    try:
        with TestClient(app):
            assert model.asked  # the model has embedded a question
            assert service._indexes  # the index is built
            assert index_store.path_for(container.settings.data_dir, model.name).exists()
    finally:
        container.settings.assistant_warm_up = False
