"""Required-document checklists, read from ``checklists.toml`` (data, not code)."""

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


@cache
def _checklists() -> dict[str, Any]:
    text = resources.files("claimdesk.documents").joinpath("checklists.toml").read_text("utf-8")
    return tomllib.loads(text)


def required_documents(product_line: str, claim_type: str) -> list[DocumentRequirement]:
    data = _checklists()
    kinds = data["kinds"]
    names = data["claim_types"].get(product_line, {}).get(claim_type, [])
    return [DocumentRequirement(kind, kinds[kind]["en"], kinds[kind]["zh"]) for kind in names]
