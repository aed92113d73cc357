"""The starter knowledge base shipped in the package (knowledge/<locale>.toml)."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from importlib import resources

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
