"""The starter knowledge base shipped in the package (knowledge/<locale>.toml)."""

from __future__ import annotations

import hashlib
import threading
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from claimdesk.assistant.embedding import Embedder
from claimdesk.assistant.language import LOCALES
from claimdesk.assistant.retrieval import off_topic_questions


@dataclass(frozen=True)
class StarterEntry:
    key: str
    locale: str
    kind: str
    category: str
    title: str
    body: str
    product: str | None = None
    # Other wordings of the title (how customers ask for this entry), written with the
    # entry and never taken from the evaluation set.
    questions: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return entry_ref(self.locale, self.key)


def entry_ref(locale: str, key: str) -> str:
    """An entry's id in sources and evaluation files: ``<locale>/<key>``."""
    return f"{locale}/{key}"


def passage_text(title: str, body: str) -> str:
    """What retrieval reads of an entry."""
    return f"{title}\n{body}"


def split_questions(stored: str | None) -> tuple[str, ...]:
    """An entry's example questions as stored (one a line)."""
    return tuple(line.strip() for line in (stored or "").splitlines() if line.strip())


def join_questions(questions: tuple[str, ...] | list[str]) -> str | None:
    return "\n".join(q.strip() for q in questions if q.strip()) or None


def entry_hash(title: str, body: str, questions: tuple[str, ...] = ()) -> str:
    """The SHA-1 of everything an entry's vectors are made from: its passage text and,
    when it has any, its example questions (an entry without them hashes as before)."""
    text = passage_text(title, body)
    return text_hash(f"{text}\n\n" + "\n".join(questions) if questions else text)


# The starter entries' vectors as made by the model named in the file (float16, passage
# and title rows), keyed by text hash: written by `python -m bench._ship_vectors`.
SHIPPED_VECTORS = Path(__file__).resolve().parent / "knowledge" / "vectors.npz"


def shipped_vectors(model: str) -> dict[str, bytes]:
    """Stored-form vectors of the shipped entries by text hash, when made by ``model``."""
    if not SHIPPED_VECTORS.exists():
        return {}
    with np.load(SHIPPED_VECTORS, allow_pickle=False) as data:
        if str(data["model"]) != model:
            return {}
        vectors = data["vectors"].astype(np.float32)
        return {str(h): v.tobytes() for h, v in zip(data["hashes"], vectors, strict=True)}


# The query vectors of off_topic.toml's questions as made by the model named in the file,
# with the hash of the questions: written by `python -m bench._ship_vectors --off-topic`.
SHIPPED_OFF_TOPIC = Path(__file__).resolve().parent / "knowledge" / "off_topic.npz"
_off_topic: dict[str, np.ndarray] = {}
_off_topic_lock = threading.Lock()


def off_topic_hash() -> str:
    return text_hash("\n".join(off_topic_questions()))


def off_topic_vectors(embedder: Embedder) -> np.ndarray:
    """The everyday questions' query vectors for ``embedder``: the shipped ones when made
    by its model from the same questions, else embedded once per process."""
    with _off_topic_lock:
        known = _off_topic.get(embedder.name)
        if known is not None:
            return known
        vectors = None
        if SHIPPED_OFF_TOPIC.exists():
            with np.load(SHIPPED_OFF_TOPIC, allow_pickle=False) as data:
                if str(data["model"]) == embedder.name and str(data["hash"]) == off_topic_hash():
                    vectors = data["vectors"].astype(np.float32)
        if vectors is None:
            vectors = embedder.queries(list(off_topic_questions()))
        _off_topic[embedder.name] = vectors
        return vectors


def text_hash(text: str) -> str:
    """The SHA-1 of a passage text: stored vectors made from another text are stale."""
    return hashlib.sha1(text.encode()).hexdigest()


def starter_entries() -> list[StarterEntry]:
    """The entries of knowledge/<locale>.toml and knowledge/<locale>-<part>.toml, with the
    example questions of knowledge/questions/<locale>.toml (entry key = list of questions)
    added to those the entry itself lists."""
    folder = resources.files("claimdesk.assistant").joinpath("knowledge")
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".toml"))
    entries = []
    for locale in LOCALES:
        asked = folder.joinpath("questions", f"{locale}.toml")
        extra: dict[str, list[str]] = (
            tomllib.loads(asked.read_text("utf-8")) if asked.is_file() else {}
        )
        for name in names:
            if name == f"{locale}.toml" or name.startswith(f"{locale}-"):
                data = tomllib.loads(folder.joinpath(name).read_text("utf-8"))
                entries += [
                    StarterEntry(
                        locale=locale,
                        **{k: v for k, v in item.items() if k != "questions"},
                        questions=tuple(
                            dict.fromkeys([*item.get("questions", ()), *extra.get(item["key"], ())])
                        ),
                    )
                    for item in data["entries"]
                ]
    return entries
