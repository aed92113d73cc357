"""``claimdesk assistant rank|export-kb``: the assistant's retrieval on JSONL files, no database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from claimdesk.assistant.knowledge import passage_text, starter_entries
from claimdesk.assistant.retrieval import Index, Method, Passage

# `rank` reads a passage's opening of this many model tokens (the assistant's own index
# reads 256): the model's cost grows with every token and a long answer states its subject
# first; 2,500 long passages at 256 tokens take longer than the ten minutes allowed on two
# cores (docs/benchmarks.md, issue 22). ``--passage-tokens`` sets another cut.
RANK_PASSAGE_TOKENS = 128

app = typer.Typer(help="Smart assistant: knowledge-base retrieval.", no_args_is_help=True)


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise typer.BadParameter(f"{path}:{number} is not JSON: {exc.msg}.") from exc
            if not isinstance(record, dict) or "id" not in record or "text" not in record:
                raise typer.BadParameter(f"{path}:{number} needs an object with 'id' and 'text'.")
            yield number, record


def read_passages(path: Path) -> list[Passage]:
    return [
        Passage(
            id=str(r["id"]),
            text=str(r["text"]),
            lang=r.get("lang") or None,
            category=r.get("category") or None,
            questions=tuple(str(q) for q in r.get("questions") or ()),
        )
        for _, r in _lines(path)
    ]


def build_index(
    passages: list[Passage],
    method: Method,
    threads: int | None = None,
    passage_tokens: int = RANK_PASSAGE_TOKENS,
) -> Index:
    """The index the assistant uses; the lexical method alone needs no embedding model.
    Passages and queries are embedded by ``threads`` worker processes (all cores by
    default), each running the model on one thread."""
    from claimdesk.assistant.embedding import E5Embedder, available_cores

    if method == Method.LEXICAL:
        return Index(passages, None)
    embedder = E5Embedder(
        threads=1, passage_tokens=passage_tokens, processes=threads or available_cores()
    )
    return Index(passages, embedder)


@app.command()
def rank(
    kb: Annotated[
        Path,
        typer.Option(
            "--kb",
            exists=True,
            dir_okay=False,
            help="KB JSONL: id, text, lang?, category?, questions?",
        ),
    ],
    queries: Annotated[
        Path, typer.Option("--queries", exists=True, dir_okay=False, help="JSONL: id, text")
    ],
    out: Annotated[Path, typer.Option("--out", help="JSONL written: id, ranked (KB ids)")],
    top: Annotated[int, typer.Option("--top", min=1, help="KB ids per query")] = 10,
    method: Annotated[Method, typer.Option("--method", help="fused, lexical or semantic")] = (
        Method.FUSED
    ),
    threads: Annotated[
        int | None,
        typer.Option("--threads", min=1, help="Cores the model uses (default: all)"),
    ] = None,
    passage_tokens: Annotated[
        int,
        typer.Option(
            "--passage-tokens",
            min=16,
            max=512,
            help="Model tokens read of each passage's opening",
        ),
    ] = RANK_PASSAGE_TOKENS,
) -> None:
    """Rank KB entries for each query, best first, with the assistant's retrieval. When KB
    lines carry 'lang' (en, zh-CN), a query is matched against entries of its own language.
    Passages and queries are embedded in batches by one process per core (or
    ``--threads``), each passage cut once to its first ``--passage-tokens`` tokens."""
    passages = read_passages(kb)
    asked = [(q["id"], str(q["text"])) for _, q in _lines(queries)]
    index = build_index(passages, method, threads, passage_tokens)
    try:
        vectors = (
            index.embedder.queries([text for _, text in asked])
            if index.embedder is not None
            else [None] * len(asked)
        )
    finally:
        if index.embedder is not None:
            index.embedder.close()
    with out.open("w", encoding="utf-8") as handle:
        for (query_id, text), vector in zip(asked, vectors, strict=True):
            hits = index.search(text, top=top, method=method, detect_language=True, vector=vector)
            record = {"id": query_id, "ranked": [hit.id for hit in hits]}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    typer.echo(
        f"Ranked {len(asked)} queries against {len(index)} entries ({method}): {out}", err=True
    )


@app.command("export-kb")
def export_kb(
    out: Annotated[Path, typer.Option("--out", help="KB JSONL written: id, text, lang")],
) -> None:
    """Write the starter knowledge base shipped with ClaimDesk as KB JSONL for `rank`."""
    entries = starter_entries()
    with out.open("w", encoding="utf-8") as handle:
        for entry in entries:
            record = {
                "id": entry.ref,
                "text": passage_text(entry.title, entry.body),
                "lang": entry.locale,
                "category": entry.category,
                "questions": list(entry.questions),
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    typer.echo(f"Wrote {len(entries)} entries: {out}", err=True)
