"""Issue 18's done-when on the shared vehicle claims: import an earlier year as labelled
history, train the product's model from the database, let a later year arrive through
``claims import`` (live scoring at intake, rules and model combined), and judge the live
scores against the later year's labels (ROC-AUC; precision at a 5 % review capacity).

Tune only on 1994 -> 1995 (the data README keeps later years aside)::

    .venv/bin/python -m bench.risk_done_when \\
        --data ../shared/data/vehicle-claims-fraud/claims-1994-1995.csv \\
        --history-year 1994 --later-year 1995 --work /tmp/risk-done-when \\
        [--history-sample 2500 --later-sample 1500 --seed 7]

Every step is the real command (``claimdesk fraud import-history``, ``claimdesk fraud train
--from-database``, ``claimdesk claims import``) in a fresh data dir (SQLite), so the figures
are what an operator would get. ``--measure-only`` re-reads the scores of a finished run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

LABEL = "FraudFound_P"
PRODUCT = "MOTOR-COMP"
CAPACITY = 0.05


def _split(data: Path, work: Path, args: argparse.Namespace) -> tuple[Path, Path]:
    with data.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    rng = random.Random(args.seed)
    paths = []
    for name, year, sample in (
        ("history", args.history_year, args.history_sample),
        ("later", args.later_year, args.later_sample),
    ):
        part = [r for r in rows if r["Year"] == year]
        if sample and sample < len(part):  # a random subsample, kept in file order
            part = [part[i] for i in sorted(rng.sample(range(len(part)), sample))]
        path = work / f"{name}-{year}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(part)
        paths.append(path)
    return paths[0], paths[1]


def _run(work: Path, *args: str) -> float:
    env = {**os.environ, "CLAIMDESK_DATA_DIR": str(work / "data")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "claimdesk", *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    print(done.stdout[-3000:])
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"claimdesk {' '.join(args)} failed ({done.returncode})")
    return seconds


def measure(work: Path) -> dict[str, object]:
    later = work / next(p.name for p in work.glob("later-*.csv"))
    with later.open(encoding="utf-8", newline="") as handle:
        labels = [int(r[LABEL]) for r in csv.DictReader(handle)]
    with (work / "results.csv").open(encoding="utf-8", newline="") as handle:
        results = list(csv.DictReader(handle))
    database = sqlite3.connect(work / "data" / "claimdesk.db")
    score, probability, rules_score, y = [], [], [], []
    methods: set[str] = set()
    for result in results:
        if not result["claim_id"]:
            continue
        row = database.execute(
            "SELECT score, model_probability, rules_score, method FROM risk_assessments "
            "WHERE claim_id = ? ORDER BY id DESC LIMIT 1",
            (int(result["claim_id"]),),
        ).fetchone()
        if row is None:
            continue
        score.append(row[0])
        probability.append(row[1] if row[1] is not None else np.nan)
        rules_score.append(row[2] if row[2] is not None else row[0])
        methods.add(row[3])
        y.append(labels[int(result["row"]) - 1])
    target = np.array(y)
    combined = np.array(score, dtype=float)
    reviewed = max(1, round(len(target) * CAPACITY))
    top = np.argsort(-combined, kind="stable")[:reviewed]
    figures: dict[str, object] = {
        "scored_claims": len(target),
        "frauds": int(target.sum()),
        "methods": sorted(methods),
        "auc_combined_score": round(float(roc_auc_score(target, combined)), 4),
        "average_precision_combined": round(float(average_precision_score(target, combined)), 4),
        "precision_at_5pct": round(float(target[top].mean()), 4),
        "auc_rules_only": round(float(roc_auc_score(target, np.array(rules_score))), 4),
    }
    model = np.array(probability, dtype=float)
    if not np.isnan(model).any():
        figures["auc_model_probability"] = round(float(roc_auc_score(target, model)), 4)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="fresh folder for the run")
    parser.add_argument("--history-year", default="1994")
    parser.add_argument("--later-year", default="1995")
    parser.add_argument("--history-sample", type=int, default=0, help="rows (0: all)")
    parser.add_argument("--later-sample", type=int, default=0, help="rows (0: all)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--measure-only", action="store_true")
    args = parser.parse_args()
    work: Path = args.work
    if not args.measure_only:
        work.mkdir(parents=True, exist_ok=False)
        history, later = _split(args.data, work, args)
        timings = {
            "import_history_s": _run(
                work,
                "fraud",
                "import-history",
                "--product",
                PRODUCT,
                "--data",
                str(history),
                "--label",
                LABEL,
            ),
            "train_s": _run(work, "fraud", "train", "--from-database", "--product", PRODUCT),
            "claims_import_s": _run(
                work,
                "claims",
                "import",
                "--product",
                PRODUCT,
                "--data",
                str(later),
                "--out",
                str(work / "results.csv"),
            ),
        }
        print(json.dumps({k: round(v, 1) for k, v in timings.items()}))
    print(json.dumps(measure(work), indent=2))


if __name__ == "__main__":
    main()
