"""The starter knowledge base shipped in the package (knowledge/<locale>.toml)."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from claimdesk.assistant.language import LOCALES


@dataclass(frozen=True)
class StarterEntry:
    key: str
    locale: str
    kind: str
    category: str
    title: str
    body: str
    product: str | None = None

    @property
    def ref(self) -> str:
        return entry_ref(self.locale, self.key)


def entry_ref(locale: str, key: str) -> str:
    """An entry's id in sources and evaluation files: ``<locale>/<key>``."""
    return f"{locale}/{key}"


def passage_text(title: str, body: str) -> str:
    """What retrieval reads of an entry."""
    return f"{title}\n{body}"


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


def text_hash(text: str) -> str:
    """The SHA-1 of a passage text: stored vectors made from another text are stale."""
    return hashlib.sha1(text.encode()).hexdigest()


def starter_entries() -> list[StarterEntry]:
    """The entries of knowledge/<locale>.toml and knowledge/<locale>-<part>.toml."""
    folder = resources.files("claimdesk.assistant").joinpath("knowledge")
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".toml"))
    entries = []
    for locale in LOCALES:
        for name in names:
            if name == f"{locale}.toml" or name.startswith(f"{locale}-"):
                data = tomllib.loads(folder.joinpath(name).read_text("utf-8"))
                entries += [StarterEntry(locale=locale, **item) for item in data["entries"]]
    return entries
