"""A pool of long English answers and questions in the shape of `claimdesk assistant rank`'s
files, for timing the command at the issue's scale (2,500 queries x 2,500 long passages).

Each passage joins three to five of the shipped English entries' bodies in a seeded random
order (about 150-300 words, like long FAQ answers); each query is an English question of
the evaluation set, reused as needed. Only the time is measured on it, not quality.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from claimdesk.assistant.knowledge import starter_entries

QUESTIONS = Path(__file__).resolve().parent / "data" / "assistant_questions.jsonl"


def write_pool(
    folder: Path, *, passages: int = 2500, queries: int = 2500, seed: int = 22
) -> tuple[Path, Path]:
    rng = random.Random(seed)
    bodies = [e.body for e in starter_entries() if e.locale == "en"]
    asked = [
        q["text"]
        for q in map(json.loads, QUESTIONS.read_text("utf-8").splitlines())
        if q["lang"] == "en"
    ]
    kb, qs = folder / "pool-kb.jsonl", folder / "pool-queries.jsonl"
    with kb.open("w", encoding="utf-8") as handle:
        for number in range(passages):
            text = " ".join(rng.sample(bodies, rng.randint(3, 5)))
            handle.write(json.dumps({"id": f"a{number}", "text": text}) + "\n")
    with qs.open("w", encoding="utf-8") as handle:
        for number in range(queries):
            handle.write(json.dumps({"id": f"q{number}", "text": rng.choice(asked)}) + "\n")
    return kb, qs
