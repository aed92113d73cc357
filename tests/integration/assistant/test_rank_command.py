"""claimdesk assistant rank|export-kb: JSONL in, JSONL out, no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimdesk.cli.main import app

runner = CliRunner()
KB = [
    {"id": "d-en", "text": "Deductible: the part of a loss you pay yourself", "lang": "en"},
    {"id": "p-en", "text": "Photos of the car damage with the number plate", "lang": "en"},
    {"id": "c-en", "text": "Complaints are answered within 48 hours", "lang": "en"},
    {"id": "d-zh", "text": "免赔额：损失中由您自己承担的部分", "lang": "zh-CN"},
    {"id": "p-zh", "text": "车损照片：拍清车牌和受损部位", "lang": "zh-CN"},
]
QUERIES = [
    {"id": "q1", "text": "how much of the loss do I pay myself"},
    {"id": "q2", "text": "车损照片怎么拍"},
]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _rank(tmp_path: Path, *extra: str, kb: list[dict[str, str]] = KB) -> list[dict]:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app,
        [
            *("assistant", "rank", "--kb", str(_write(tmp_path / "kb.jsonl", kb))),
            *("--queries", str(_write(tmp_path / "q.jsonl", QUERIES))),
            *("--out", str(out), *extra),
        ],
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


@pytest.mark.parametrize("method", ["fused", "lexical", "semantic"])
def test_each_query_gets_one_line_of_kb_ids_best_first_in_its_language(
    tmp_path: Path, method: str
) -> None:
    lines = _rank(tmp_path, "--top", "2", "--method", method)
    assert [line["id"] for line in lines] == ["q1", "q2"]
    assert all(set(line) == {"id", "ranked"} and len(line["ranked"]) == 2 for line in lines)
    assert lines[0]["ranked"][0] == "d-en" and set(lines[0]["ranked"]) <= {"d-en", "p-en", "c-en"}
    assert lines[1]["ranked"] == ["p-zh", "d-zh"]


def test_kb_lines_without_a_language_are_ranked_for_every_query(tmp_path: Path) -> None:
    kb = [{"id": r["id"], "text": r["text"]} for r in KB]
    lines = _rank(tmp_path, "--top", "10", "--method", "lexical", kb=kb)
    assert all(len(line["ranked"]) == len(KB) for line in lines)
    assert lines[1]["ranked"][0] == "p-zh"


def test_a_line_that_is_not_json_is_refused_with_its_line_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # short relative paths: the message is not wrapped mid-name
    Path("kb.jsonl").write_text('{"id": "a", "text": "x"}\nnot json\n', "utf-8")
    _write(Path("q.jsonl"), QUERIES)
    result = runner.invoke(
        app,
        [
            *("assistant", "rank", "--kb", "kb.jsonl", "--queries", "q.jsonl"),
            *("--out", "o.jsonl", "--method", "lexical"),
        ],
    )
    assert result.exit_code != 0
    assert "kb.jsonl:2" in result.output


def test_the_shipped_knowledge_base_exports_as_kb_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "kb.jsonl"
    result = runner.invoke(app, ["assistant", "export-kb", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert {r["lang"] for r in rows} == {"en", "zh-CN"}
    assert "en/docs-inpatient" in {r["id"] for r in rows}
    assert all(r["text"].strip() for r in rows)


def test_worker_processes_embed_a_large_batch_exactly_as_one_process_does() -> None:
    from claimdesk.assistant.embedding import POOL_FROM, E5Embedder

    texts = [f"{row['text']} ({number})" for number in range(POOL_FROM) for row in KB[:1]]
    spread = E5Embedder(threads=1, passage_tokens=32, processes=2)
    try:
        passages, queries = spread.passages(texts), spread.queries(texts)
    finally:
        spread.close()
    alone = E5Embedder(threads=1, passage_tokens=32)
    assert spread._pool is None
    assert passages.shape == (POOL_FROM, 384)
    assert abs(passages - alone.passages(texts)).max() < 1e-6
    assert abs(queries - alone.queries(texts)).max() < 1e-6


def test_a_passage_cut_outside_the_model_window_is_refused(tmp_path: Path) -> None:
    _write(tmp_path / "kb.jsonl", KB)
    _write(tmp_path / "q.jsonl", QUERIES)
    result = runner.invoke(
        app,
        [
            *("assistant", "rank", "--kb", str(tmp_path / "kb.jsonl")),
            *("--queries", str(tmp_path / "q.jsonl"), "--out", str(tmp_path / "o.jsonl")),
            *("--passage-tokens", "4000"),
        ],
    )
    assert result.exit_code == 2
    assert "--passage-tokens" in result.output
