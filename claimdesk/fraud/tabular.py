"""A fraud model for any tabular claims CSV: train, save, load, score with explanations.

The learner is LightGBM (gradient-boosted trees with native categorical splits; its
TreeSHAP contributions explain every score). Columns are chosen by forward validation
inside the training data: the rows are put in time order (the time column, then file
order), the model is fitted on the earlier three quarters and judged on the later quarter,
and columns are dropped one at a time while that makes the later quarter better. Columns
that only describe *when* within the training period (calendar fields) fall out this way,
without naming them, and without looking at any held-out year.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import lightgbm
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from claimdesk import __version__
from claimdesk.fraud.features import FeatureSpec, identifier_columns, parse_label

FORMAT_VERSION = 1
TOP_FACTORS = 3
# Conservative settings fixed in advance (small trees, strong regularisation): a few
# thousand rows with a 6 % positive rate overfit quickly.
PARAMS: dict[str, Any] = {
    "n_estimators": 500,
    "learning_rate": 0.02,
    "num_leaves": 7,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.5,
    "reg_lambda": 10.0,
    "cat_smooth": 30.0,
    "min_data_per_group": 50,
    "max_cat_to_onehot": 8,
    "verbose": -1,
    "random_state": 7,
    # One thread: the data is small, and OpenMP threads spin badly on a busy machine.
    "n_jobs": 1,
}
# Faster settings for the many fits of column selection.
SELECTION_PARAMS = {**PARAMS, "n_estimators": 200, "learning_rate": 0.05}
MIN_GAIN = 0.002  # AUC a dropped column must add on the later quarter
# The settings the final model may use, chosen by time-ordered cross-validation inside the
# training rows (never by the rows it is judged on): the conservative ones above; smaller
# groups and leaves for a few hundred rows, where PARAMS cannot split a category with
# fewer than 50 rows; and LightGBM's own defaults.
CANDIDATES: dict[str, dict[str, Any]] = {
    "regularised": PARAMS,
    "small_data": {
        **PARAMS,
        "n_estimators": 300,
        "learning_rate": 0.03,
        "min_child_samples": 10,
        "min_data_per_group": 10,
        "cat_smooth": 5.0,
        "colsample_bytree": 0.8,
    },
    "lightgbm_defaults": {"verbose": -1, "random_state": 7, "n_jobs": 1},
}
CV_FOLDS = 4

Progress = Callable[[str], None]


class DataError(ValueError):
    """The data cannot be used as given (missing label, unknown columns...)."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_csv(path: Path) -> pd.DataFrame:
    """The table as text; a line of separators only (every field empty) is no row."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=True, skipinitialspace=True)
        return frame.dropna(how="all").reset_index(drop=True)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"Cannot read {path} as CSV: {exc}") from exc


@dataclass
class Dataset:
    """Features and label of a claims table, with what was left out and why."""

    features: pd.DataFrame
    label: np.ndarray
    order: np.ndarray  # row positions in time order
    identifiers: list[str]
    time: pd.Series | None


# Date layouts a time column may use, tried in this order; the first that reads every row
# wins (so 01-02-2015 is never read two ways in one column).
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d-%m-%Y", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y")


def time_key(values: pd.Series) -> pd.Series:
    """A sortable key for a time column: numbers as they are (a year, a day count), dates
    as dates when one layout reads every row (ISO, or day-first like 25-01-2015), else the
    text itself."""
    given = values.notna()
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().eq(given).all():
        return numbers
    text = values.astype(str).str.strip().str.split(" ").str[0]
    for layout in DATE_FORMATS:
        dates = pd.to_datetime(text, format=layout, errors="coerce")
        if dates.notna().eq(given).all():
            return dates
    return values.astype(str)


def prepare(
    frame: pd.DataFrame,
    *,
    label: str,
    exclude: Sequence[str] = (),
    time_column: str | None = None,
) -> Dataset:
    missing = [
        c for c in (label, *exclude, *([time_column] if time_column else [])) if c not in frame
    ]
    if missing:
        raise DataError(
            f"Columns not in the data: {', '.join(missing)}; it has {', '.join(frame.columns)}."
        )
    try:
        y = parse_label(frame[label])
    except ValueError as exc:
        raise DataError(str(exc)) from exc
    if y.min() == y.max():
        raise DataError(f"The label column '{label}' has one value only; nothing to learn.")
    rest = frame.drop(columns=[label, *exclude, *([time_column] if time_column else [])])
    identifiers = identifier_columns(rest)
    time = frame[time_column] if time_column else None
    if time is not None:
        order = np.argsort(time_key(time).to_numpy(), kind="stable")
    else:
        order = np.arange(len(frame))
    return Dataset(rest.drop(columns=identifiers), y, order, [*exclude, *identifiers], time)


def _proba(model: lightgbm.LGBMClassifier, table: pd.DataFrame, **options: Any) -> np.ndarray:
    """``predict_proba`` on a dense frame: an array (lists come only from sparse input)."""
    found = model.predict_proba(table, **options)
    assert isinstance(found, np.ndarray)
    return found


def _fit(features: pd.DataFrame, y: np.ndarray, params: dict[str, Any]) -> lightgbm.LGBMClassifier:
    return lightgbm.LGBMClassifier(**params).fit(features, y)


def select_columns(
    features: pd.DataFrame, y: np.ndarray, order: np.ndarray, progress: Progress | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Backward elimination judged on the later quarter of the (time-ordered) training rows."""
    cut = int(len(order) * 0.75)
    early, late = order[:cut], order[cut:]
    if y[early].min() == y[early].max() or y[late].min() == y[late].max():
        return list(features.columns), []
    spec = FeatureSpec.fit(features.iloc[early])
    table = spec.transform(features)

    def score(columns: list[str]) -> float:
        chosen = [f for f in table.columns if spec.source_of(f) in columns]
        model = _fit(table.iloc[early][chosen], y[early], SELECTION_PARAMS)
        return float(roc_auc_score(y[late], _proba(model, table.iloc[late][chosen])[:, 1]))

    columns = list(features.columns)
    base = score(columns)
    steps: list[dict[str, Any]] = [{"dropped": None, "later_quarter_auc": round(base, 4)}]
    while len(columns) > 1:
        trials = {}
        for column in columns:
            trials[column] = score([c for c in columns if c != column])
            if progress:
                progress(f"column selection: without {column}")
        best = max(trials, key=trials.__getitem__)
        if trials[best] - base < MIN_GAIN:
            break
        columns.remove(best)
        base = trials[best]
        steps.append({"dropped": best, "later_quarter_auc": round(base, 4)})
    return columns, steps


def time_folds(order: np.ndarray, folds: int = CV_FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window folds over rows in time order: fold i trains on the earliest
    i/(folds+1) of them and is judged on the next 1/(folds+1)."""
    n = len(order)
    return [
        (order[: n * i // (folds + 1)], order[n * i // (folds + 1) : n * (i + 1) // (folds + 1)])
        for i in range(1, folds + 1)
    ]


def choose_settings(
    features: pd.DataFrame, y: np.ndarray, order: np.ndarray, progress: Progress | None = None
) -> tuple[str, dict[str, float]]:
    """The candidate settings with the best mean AUC over time-ordered folds of the
    training rows (folds whose judged part holds one class only are skipped), and each
    candidate's mean."""
    folds = [(fit, judge) for fit, judge in time_folds(order) if len(set(y[judge])) == 2]
    folds = [(fit, judge) for fit, judge in folds if len(set(y[fit])) == 2]
    if not folds:
        return "regularised", {}
    tables = []
    for fit, _judge in folds:
        spec = FeatureSpec.fit(features.iloc[fit])
        tables.append(spec.transform(features))
    means = {}
    for name, params in CANDIDATES.items():
        aucs = []
        for (fit, judge), table in zip(folds, tables, strict=True):
            model = _fit(table.iloc[fit], y[fit], params)
            aucs.append(roc_auc_score(y[judge], _proba(model, table.iloc[judge])[:, 1]))
        means[name] = round(float(np.mean(aucs)), 4)
        if progress:
            progress(f"settings: {name} (time-ordered folds AUC {means[name]:.4f})")
    return max(means, key=means.__getitem__), means


@dataclass
class TrainedModel:
    """What a model file holds (joblib): the fitted model and where it came from."""

    booster: lightgbm.LGBMClassifier
    spec: FeatureSpec
    label: str
    identifiers: list[str]
    time_column: str | None
    selection: list[dict[str, Any]]
    training_sha256: str
    training_rows: int
    positive_rate: float
    metrics: dict[str, Any] = field(default_factory=dict)
    settings: str = "regularised"  # which of CANDIDATES the booster was fitted with
    settings_cv_auc: dict[str, float] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    claimdesk_version: str = __version__
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def columns(self) -> list[str]:
        return self.spec.input_columns

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path, compress=3)

    @classmethod
    def load(cls, path: Path) -> TrainedModel:
        try:
            model = joblib.load(path)
        except (OSError, EOFError, ValueError) as exc:
            raise DataError(f"Cannot read the model file {path}: {exc}") from exc
        if not isinstance(model, cls) or model.format_version != FORMAT_VERSION:
            raise DataError(
                f"{path} is not a ClaimDesk fraud model of format version {FORMAT_VERSION}; "
                "train it again with 'claimdesk fraud train'."
            )
        return model

    def describe(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "claimdesk_version": self.claimdesk_version,
            "created_at": self.created_at,
            "label": self.label,
            "training_sha256": self.training_sha256,
            "training_rows": self.training_rows,
            "positive_rate": round(self.positive_rate, 4),
            "columns": self.columns,
            "dropped_by_selection": [s["dropped"] for s in self.selection if s["dropped"]],
            "settings": self.settings,
            "settings_cv_auc": self.settings_cv_auc,
            "metrics": self.metrics,
        }

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return _proba(self.booster, self.spec.transform(frame))[:, 1]

    def explain(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[list[str]]]:
        """Scores and, per row, the columns that pushed the score up most (TreeSHAP)."""
        table = self.spec.transform(frame)
        contributions = _proba(self.booster, table, pred_contrib=True)
        logits = contributions.sum(axis=1)
        scores = 1 / (1 + np.exp(-logits))
        by_column = pd.DataFrame(contributions[:, :-1], columns=table.columns)
        by_column = by_column.T.groupby(self.spec.source_of).sum().T
        names = by_column.columns.to_numpy()
        values = by_column.to_numpy()
        top = np.argsort(-values, axis=1)[:, :TOP_FACTORS]
        factors = []
        for row, picks in enumerate(top):
            factors.append(
                [
                    f"{names[i]}={frame.iloc[row][names[i]]} ({values[row, i]:+.2f})"
                    for i in picks
                    if values[row, i] > 0
                ]
            )
        return scores, factors


def train(
    frame: pd.DataFrame,
    *,
    label: str,
    sha256: str,
    exclude: Sequence[str] = (),
    time_column: str | None = None,
    select: bool = True,
    progress: Progress | None = None,
) -> TrainedModel:
    data = prepare(frame, label=label, exclude=exclude, time_column=time_column)
    columns, steps = (
        select_columns(data.features, data.label, data.order, progress)
        if select
        else (list(data.features.columns), [])
    )
    features = data.features[columns]
    settings, cv_auc = choose_settings(features, data.label, data.order, progress)
    spec = FeatureSpec.fit(features)
    booster = _fit(spec.transform(features), data.label, CANDIDATES[settings])
    if progress:
        progress("final model")
    return TrainedModel(
        booster=booster,
        spec=spec,
        label=label,
        identifiers=data.identifiers,
        time_column=time_column,
        selection=steps,
        settings=settings,
        settings_cv_auc=cv_auc,
        training_sha256=sha256,
        training_rows=len(frame),
        positive_rate=float(data.label.mean()),
    )


def score_frame(model: TrainedModel, frame: pd.DataFrame, chunk: int = 5000) -> pd.DataFrame:
    """One row per input row, in input order: identifiers, risk_score, top factors."""
    try:
        model.spec.check(frame)
    except ValueError as exc:
        raise DataError(str(exc)) from exc
    parts = []
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start : start + chunk]
        scores, factors = model.explain(part)
        out = part[[c for c in model.identifiers if c in part.columns]].copy()
        out["risk_score"] = np.round(scores, 6)
        for i in range(TOP_FACTORS):
            out[f"factor_{i + 1}"] = [f[i] if len(f) > i else "" for f in factors]
        parts.append(out)
    result = pd.concat(parts) if parts else pd.DataFrame(columns=["risk_score"])
    return result.reset_index(drop=True)


def capacity_metrics(y: np.ndarray, scores: np.ndarray, capacity: float) -> dict[str, float]:
    """Precision and recall when reviewers can look at the top ``capacity`` share of claims."""
    k = max(1, math.ceil(len(scores) * capacity))
    top = np.argsort(-scores, kind="stable")[:k]
    hits = int(y[top].sum())
    return {
        "reviewed": k,
        "precision": hits / k,
        "recall": hits / max(1, int(y.sum())),
    }
