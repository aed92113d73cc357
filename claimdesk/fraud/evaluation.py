"""Held-out evaluation of the tabular fraud model: by time and at random, with a report."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split

from claimdesk.fraud.features import parse_label
from claimdesk.fraud.tabular import DataError, Progress, capacity_metrics, train


@dataclass
class SplitResult:
    name: str
    description: str
    train_rows: int
    test_rows: int
    test_positives: int
    roc_auc: float
    average_precision: float
    capacity: dict[str, float]
    dropped: list[str]
    fpr: np.ndarray
    tpr: np.ndarray

    def row(self) -> dict[str, Any]:
        return {
            "split": self.name,
            "train rows": self.train_rows,
            "test rows": self.test_rows,
            "test frauds": self.test_positives,
            "ROC-AUC": f"{self.roc_auc:.3f}",
            "average precision": f"{self.average_precision:.3f}",
            "reviewed": self.capacity["reviewed"],
            "precision at capacity": f"{self.capacity['precision']:.3f}",
            "recall at capacity": f"{self.capacity['recall']:.3f}",
        }


class _JudgeOptions(TypedDict):
    label: str
    exclude: Sequence[str]
    capacity: float
    select: bool
    progress: Progress | None


def _judge(
    name: str,
    description: str,
    train_frame: pd.DataFrame,
    test_frame: pd.DataFrame,
    *,
    label: str,
    exclude: Sequence[str],
    time_column: str | None,
    capacity: float,
    select: bool,
    progress: Progress | None,
) -> SplitResult:
    model = train(
        train_frame,
        label=label,
        sha256="",
        exclude=exclude,
        time_column=time_column,
        select=select,
        progress=progress,
    )
    y = parse_label(test_frame[label])
    if y.min() == y.max():
        raise DataError(f"The {name} test rows hold one label value only; AUC is undefined.")
    scores = model.predict(test_frame)
    fpr, tpr, _ = roc_curve(y, scores)
    return SplitResult(
        name=name,
        description=description,
        train_rows=len(train_frame),
        test_rows=len(test_frame),
        test_positives=int(y.sum()),
        roc_auc=float(roc_auc_score(y, scores)),
        average_precision=float(average_precision_score(y, scores)),
        capacity=capacity_metrics(y, scores, capacity),
        dropped=[s["dropped"] for s in model.selection if s["dropped"]],
        fpr=fpr,
        tpr=tpr,
    )


def evaluate(
    frame: pd.DataFrame,
    *,
    label: str,
    exclude: Sequence[str] = (),
    time_column: str | None = None,
    test_from: str | None = None,
    capacity: float = 0.05,
    test_share: float = 0.25,
    seed: int = 7,
    select: bool = True,
    progress: Progress | None = None,
) -> list[SplitResult]:
    """A split by time (train before ``test_from``, default the last period) and at random."""
    if label not in frame:
        raise DataError(f"The label column '{label}' is not in the data.")
    results = []
    options: _JudgeOptions = {
        "label": label,
        "exclude": exclude,
        "capacity": capacity,
        "select": select,
        "progress": progress,
    }
    if time_column:
        if time_column not in frame:
            raise DataError(f"The time column '{time_column}' is not in the data.")
        periods = sorted(frame[time_column].dropna().unique(), key=_period_key)
        if len(periods) < 2:
            raise DataError(f"The time column '{time_column}' has one period only.")
        first_test = test_from if test_from is not None else periods[-1]
        if first_test not in periods or periods.index(first_test) == 0:
            raise DataError(f"--test-from must be a later {time_column} in the data: {periods}.")
        is_test = frame[time_column].map(lambda v: _period_key(v) >= _period_key(first_test))
        train_periods = ", ".join(str(p) for p in periods[: periods.index(first_test)])
        test_periods = ", ".join(str(p) for p in periods[periods.index(first_test) :])
        results.append(
            _judge(
                "by time",
                f"train {time_column} {train_periods}, test {time_column} {test_periods}",
                frame[~is_test],
                frame[is_test],
                time_column=time_column,
                **options,
            )
        )
    y = parse_label(frame[label])
    train_rows, test_rows = train_test_split(
        np.arange(len(frame)), test_size=test_share, stratify=y, random_state=seed
    )
    results.append(
        _judge(
            "random",
            f"stratified random {1 - test_share:.0%} / {test_share:.0%} (seed {seed})",
            frame.iloc[np.sort(train_rows)],
            frame.iloc[np.sort(test_rows)],
            time_column=time_column,
            **options,
        )
    )
    return results


def _period_key(value: Any) -> Any:
    try:
        return (0, float(value))
    except (TypeError, ValueError):
        return (1, str(value))


def write_report(
    results: list[SplitResult], directory: Path, *, source: str, sha256: str, capacity: float
) -> dict[str, Path]:
    """report.md, report.html and roc.png in ``directory``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(5.5, 5))
    for result in results:
        axes.plot(result.fpr, result.tpr, label=f"{result.name} (AUC {result.roc_auc:.3f})")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8, label="chance")
    axes.axvline(capacity, color="tab:red", linewidth=0.6, linestyle=":")
    axes.set_xlabel("false positive rate")
    axes.set_ylabel("true positive rate (recall)")
    axes.set_title("Fraud model ROC curves")
    axes.legend(loc="lower right")
    figure.tight_layout()
    png = directory / "roc.png"
    figure.savefig(png, dpi=110)
    plt.close(figure)

    rows = [r.row() for r in results]
    keys = list(rows[0])
    lines = [
        "# Fraud model evaluation",
        "",
        f"Data: `{source}` (sha256 `{sha256}`). Review capacity: top {capacity:.0%} of claims.",
        "",
        "| " + " | ".join(keys) + " |",
        "|" + "---|" * len(keys),
        *("| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows),
        "",
    ]
    for result in results:
        dropped = ", ".join(result.dropped) or "none"
        lines.append(f"- **{result.name}**: {result.description}; columns dropped: {dropped}.")
    lines += ["", "![ROC curves](roc.png)", ""]
    markdown = directory / "report.md"
    markdown.write_text("\n".join(lines), "utf-8")

    cells = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r[k]))}</td>" for k in keys) + "</tr>" for r in rows
    )
    notes = "".join(
        f"<li><b>{html.escape(r.name)}</b>: {html.escape(r.description)}; columns dropped: "
        f"{html.escape(', '.join(r.dropped) or 'none')}.</li>"
        for r in results
    )
    page = directory / "report.html"
    page.write_text(
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>Fraud model evaluation"
        "</title><body><h1>Fraud model evaluation</h1>"
        f"<p>Data: <code>{html.escape(source)}</code> (sha256 <code>{sha256}</code>). "
        f"Review capacity: top {capacity:.0%} of claims.</p>"
        f"<table border='1' cellpadding='4'><tr>{cells}</tr>{body}</table><ul>{notes}</ul>"
        "<img src='roc.png' alt='ROC curves'></body></html>",
        "utf-8",
    )
    return {"markdown": markdown, "html": page, "png": png}
