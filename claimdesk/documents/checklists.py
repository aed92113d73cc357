"""Required-document checklists and templates, read from ``checklists.toml`` (data, not code)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class DocumentRequirement:
    kind: str
    name_en: str
    name_zh: str


@dataclass(frozen=True)
class DocumentTemplate:
    """A document kind as customers see it: its name and what it must show."""

    kind: str
    name_en: str
    name_zh: str
    must_show_en: str
    must_show_zh: str


@cache
def _checklists() -> dict[str, Any]:
    text = resources.files("claimdesk.documents").joinpath("checklists.toml").read_text("utf-8")
    return tomllib.loads(text)


def required_documents(product_line: str, claim_type: str) -> list[DocumentRequirement]:
    data = _checklists()
    kinds = data["kinds"]
    names = data["claim_types"].get(product_line, {}).get(claim_type, [])
    return [DocumentRequirement(kind, kinds[kind]["en"], kinds[kind]["zh"]) for kind in names]


def document_kinds() -> list[str]:
    return list(_checklists()["kinds"])


def template(kind: str) -> DocumentTemplate:
    entry = _checklists()["kinds"][kind]
    return DocumentTemplate(
        kind, entry["en"], entry["zh"], entry["must_show_en"], entry["must_show_zh"]
    )
