"""A product's learned fraud model, trained on ClaimDesk's own records. Pure: no database.

Every claim of the product is one record: its claim attributes and its policy's
insured-object attributes (as the product's attribute schema types them), plus facts
derived from its history (prior claims of the customer, days from policy start to the
incident, claimed amount against the sum insured, documents on the claim) and its label,
the investigation outcome (fraud confirmed 1, cleared 0; inconclusive or none: no label).

Training puts the labelled claims in the order they were reported and keeps the latest
``HOLDOUT_SHARE`` aside: the model fitted on the earlier claims is judged on them (ROC-AUC,
average precision, precision at the review capacity), its raw scores on them fit a Platt
calibration (two numbers: score to probability; with fewer than ``MIN_CALIBRATION_FRAUDS``
frauds in the holdout, LightGBM's own log-loss probabilities are kept), and then the
same settings are refitted on all labelled claims. The registered model is that refit
with that calibration.

Explanations are LightGBM's exact TreeSHAP contributions (``pred_contrib=True``), in
log-odds, labelled in zh/en from the attribute schema.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
import lightgbm
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

from claimdesk.fraud.tabular import PARAMS
from claimdesk.policies.attribute_schema import ProductAttributes

FORMAT_VERSION = 1
HOLDOUT_SHARE = 0.2
REVIEW_CAPACITY = 0.05  # share of claims reviewers can look at
TOP_CONTRIBUTIONS = 5
MIN_LABELLED = 20
# Frauds the holdout needs to fit the Platt calibration; with fewer, LightGBM's own
# probabilities (fitted by log-loss on the training prevalence) are kept.
MIN_CALIBRATION_FRAUDS = 30
# A red-flag rule that fired on this many labelled claims is a feature the model weighs by
# what it predicted; a rarer one keeps its expert weight beside the model (rules.combine).
MIN_RULE_SUPPORT = 20

# Facts derived from a claim's history: (zh, en) labels.
DERIVED: dict[str, tuple[str, str]] = {
    "prior_claims": ("客户此前索赔次数", "Prior claims of the customer"),
    "days_since_inception": ("保单起期至出险天数", "Days from policy start to incident"),
    "amount_to_sum_insured": ("索赔金额占保额比例", "Claimed amount / sum insured"),
    "documents": ("理赔单证数", "Documents on the claim"),
}
_SECTIONS = (("claim", "claim"), ("insured_object", "object"))


class TrainingError(ValueError):
    """The records cannot train a model (too few labels, one outcome only...)."""


@dataclass(frozen=True)
class ClaimRecord:
    """What the model reads about one claim, gathered by the service."""

    claim_id: int
    reported_at: datetime
    claim_attributes: dict[str, Any]
    insured_object: dict[str, Any]
    prior_claims: int
    days_since_inception: int
    amount_to_sum_insured: float
    documents: int
    label: int | None = None  # 1 fraud confirmed, 0 cleared, None no label
    rules: frozenset[str] = frozenset()  # codes of the red-flag rules that fired


@dataclass(frozen=True)
class Feature:
    name: str  # column name
    section: str  # "claim", "insured_object" or "derived"
    key: str  # attribute name or derived fact
    kind: str  # "category" or "number"
    categories: tuple[str, ...] = ()
    label_zh: str = ""
    label_en: str = ""
    value_labels: dict[str, tuple[str, str]] = field(default_factory=dict)


def features_of(
    schema: ProductAttributes | None, rule_codes: tuple[str, ...] = ()
) -> list[Feature]:
    """The product's features: its choice, boolean and integer attributes (free text such
    as plate numbers identifies rather than describes, and is left out), the derived
    facts, then one flag per red-flag rule (did it fire at report)."""
    features: list[Feature] = []
    if schema is not None:
        for section, prefix in _SECTIONS:
            for attribute in schema.section(section):  # type: ignore[arg-type]
                name = f"{prefix}__{attribute.name}"
                if attribute.type == "choice":
                    features.append(
                        Feature(
                            name,
                            section,
                            attribute.name,
                            "category",
                            tuple(c.value for c in attribute.choices),
                            attribute.label_zh,
                            attribute.label_en,
                            {c.value: (c.label_zh, c.label_en) for c in attribute.choices},
                        )
                    )
                elif attribute.type == "boolean":
                    features.append(
                        Feature(
                            name,
                            section,
                            attribute.name,
                            "number",
                            (),
                            attribute.label_zh,
                            attribute.label_en,
                            {"1.0": ("是", "Yes"), "0.0": ("否", "No")},
                        )
                    )
                elif attribute.type == "integer":
                    features.append(
                        Feature(name, section, attribute.name, "number", (), *_labels(attribute))
                    )
    for key, (zh, en) in DERIVED.items():
        features.append(Feature(key, "derived", key, "number", (), zh, en))
    for code in rule_codes:
        features.append(
            Feature(
                f"rule__{code}",
                "rule",
                code,
                "number",
                (),
                f"风险规则 {code}",
                f"Red flag {code}",
                {"1.0": ("触发", "fired"), "0.0": ("未触发", "not fired")},
            )
        )
    return features


def _labels(attribute: Any) -> tuple[str, str]:
    return attribute.label_zh, attribute.label_en


def _raw_value(record: ClaimRecord, feature: Feature) -> Any:
    if feature.section == "derived":
        return getattr(record, feature.key)
    if feature.section == "rule":
        return feature.key in record.rules
    source = record.claim_attributes if feature.section == "claim" else record.insured_object
    return source.get(feature.key)


def _number(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def frame_of(records: list[ClaimRecord], features: list[Feature]) -> pd.DataFrame:
    """The feature table of the records; categories fixed by the schema, so a claim scored
    alone is encoded exactly as in training."""
    columns: dict[str, Any] = {}
    for feature in features:
        values = [_raw_value(r, feature) for r in records]
        if feature.kind == "category":
            texts = [None if v is None else str(v) for v in values]
            columns[feature.name] = pd.Categorical(texts, categories=list(feature.categories))
        else:
            columns[feature.name] = np.array([_number(v) for v in values], dtype=float)
    return pd.DataFrame(columns)


def params_for(rows: int) -> dict[str, Any]:
    """The tabular learner's fixed settings, with leaf sizes scaled down for small
    histories (40 claims a leaf from 2,000 labelled claims up)."""
    leaf = max(5, min(40, rows // 50))
    return {**PARAMS, "min_child_samples": leaf, "min_data_per_group": max(5, min(50, leaf))}


def _fit(frame: pd.DataFrame, y: np.ndarray) -> lightgbm.LGBMClassifier:
    model = lightgbm.LGBMClassifier(**params_for(len(y)))
    model.fit(frame, y)
    return model


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=float)


def precision_at(y: np.ndarray, score: np.ndarray, capacity: float) -> float:
    reviewed = max(1, round(len(y) * capacity))
    top = np.argsort(-score, kind="stable")[:reviewed]
    return float(y[top].mean())


@dataclass(frozen=True)
class Contribution:
    feature: str
    value: str
    weight: float  # log-odds the feature's value adds (negative: lowers the risk)
    label_en: str
    label_zh: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "value": self.value,
            "weight": self.weight,
            "label_en": self.label_en,
            "label_zh": self.label_zh,
        }


def _shown(feature: Feature, value: Any) -> tuple[str, str, str]:
    """The value as text, and the feature with its value in zh and en."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        text, zh, en = "", "未填写", "not given"
    else:
        key = str(_number(value)) if feature.kind == "number" and feature.value_labels else None
        text = str(value)
        if feature.section == "rule":
            text = "1" if value else "0"
        if feature.kind == "number" and feature.section == "derived":
            number = float(value)
            text = f"{number:.2f}" if feature.key == "amount_to_sum_insured" else f"{number:g}"
        zh, en = feature.value_labels.get(key or text, (text, text))
    return text, f"{feature.label_zh}：{zh}", f"{feature.label_en}: {en}"


@dataclass
class ProductModel:
    """The fitted model, its calibration and what it reads. Saved with joblib."""

    product_code: str
    features: list[Feature]
    booster: lightgbm.LGBMClassifier
    calibration: tuple[float, float]  # probability = sigmoid(a * raw + b)
    base_rate: float
    trained_at: datetime
    learned_rules: frozenset[str] = frozenset()  # rules that fired often enough to learn
    format_version: int = FORMAT_VERSION

    def raw(self, frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.booster.predict(frame, raw_score=True), dtype=float)

    def probability(self, records: list[ClaimRecord]) -> np.ndarray:
        a, b = self.calibration
        return _sigmoid(a * self.raw(frame_of(records, self.features)) + b)

    def explain(
        self, record: ClaimRecord, top: int = TOP_CONTRIBUTIONS
    ) -> tuple[float, list[Contribution]]:
        """The claim's calibrated fraud probability and its largest contributions (exact
        TreeSHAP, log-odds before calibration), largest first; zero ones left out."""
        frame = frame_of([record], self.features)
        a, b = self.calibration
        probability = float(_sigmoid(a * self.raw(frame) + b)[0])
        contrib = np.asarray(self.booster.predict(frame, pred_contrib=True), dtype=float)[0]
        order = np.argsort(-np.abs(contrib[:-1]), kind="stable")
        shown: list[Contribution] = []
        for index in order[:top]:
            weight = float(contrib[index])
            if abs(weight) < 1e-6:
                break
            feature = self.features[index]
            text, zh, en = _shown(feature, _raw_value(record, feature))
            shown.append(Contribution(feature.name, text, round(weight, 4), en, zh))
        return probability, shown

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)

    @staticmethod
    def load(path: Path) -> ProductModel:
        model = joblib.load(path)
        if not isinstance(model, ProductModel) or model.format_version != FORMAT_VERSION:
            raise TrainingError(f"{path} is not a ClaimDesk product model of this version.")
        return model


@dataclass(frozen=True)
class Holdout:
    claim_ids: tuple[int, ...]
    labels: np.ndarray
    frame: pd.DataFrame


@dataclass
class Trained:
    model: ProductModel
    metrics: dict[str, Any]
    holdout: Holdout
    holdout_scores: np.ndarray  # the evaluated (earlier-claims) model's raw scores
    training_from: datetime
    training_to: datetime
    rows: int


def auc_on(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """ROC-AUC, or None when the labels have one outcome only."""
    if len(set(labels.tolist())) < 2:
        return None
    return float(roc_auc_score(labels, scores))


def train(
    records: list[ClaimRecord],
    *,
    product_code: str,
    schema: ProductAttributes | None,
    now: datetime,
    rule_codes: tuple[str, ...] = (),
    holdout_share: float = HOLDOUT_SHARE,
) -> Trained:
    """Fit on the earlier labelled claims, judge on the latest, calibrate, refit on all."""
    labelled = sorted(
        (r for r in records if r.label is not None), key=lambda r: (r.reported_at, r.claim_id)
    )
    if len(labelled) < MIN_LABELLED:
        raise TrainingError(
            f"{product_code}: {len(labelled)} claims with an investigation outcome; "
            f"at least {MIN_LABELLED} are needed to train."
        )
    support = {code: sum(code in r.rules for r in labelled) for code in rule_codes}
    learned_rules = frozenset(c for c, n in support.items() if n >= MIN_RULE_SUPPORT)
    features = features_of(schema, tuple(c for c in rule_codes if c in learned_rules))
    y = np.array([r.label for r in labelled], dtype=int)
    cut = len(labelled) - max(1, round(len(labelled) * holdout_share))
    early, late = y[:cut], y[cut:]
    if len(set(early.tolist())) < 2 or len(set(late.tolist())) < 2:
        raise TrainingError(
            f"{product_code}: the earlier claims and the latest {len(late)} (the holdout) "
            "must each have both outcomes (fraud confirmed and cleared)."
        )
    frame = frame_of(labelled, features)
    evaluated = _fit(frame.iloc[:cut], early)
    late_frame = frame.iloc[cut:].reset_index(drop=True)
    raw = np.asarray(evaluated.predict(late_frame, raw_score=True), dtype=float)
    if int(late.sum()) >= MIN_CALIBRATION_FRAUDS:
        platt = LogisticRegression(C=1.0).fit(raw.reshape(-1, 1), late)
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
        calibrated_by = "platt on the holdout"
    else:
        a, b = 1.0, 0.0
        calibrated_by = f"lightgbm log-loss (holdout has {int(late.sum())} frauds)"
    final = _fit(frame, y)
    auc = auc_on(late, raw)
    metrics = {
        "holdout_auc": round(auc or 0.0, 4),
        "holdout_average_precision": round(float(average_precision_score(late, raw)), 4),
        "holdout_precision_at_capacity": round(precision_at(late, raw, REVIEW_CAPACITY), 4),
        "review_capacity": REVIEW_CAPACITY,
        "holdout_rows": len(late),
        "holdout_frauds": int(late.sum()),
        "training_rows": int(cut),
        "training_frauds": int(early.sum()),
        "refit_rows": len(y),
        "base_rate": round(float(y.mean()), 4),
        "holdout_from": labelled[cut].reported_at.isoformat(),
        "calibration": [round(a, 6), round(b, 6)],
        "calibrated_by": calibrated_by,
        "rules_learned": sorted(learned_rules),
        "rules_fired": support,
    }
    model = ProductModel(
        product_code=product_code,
        features=features,
        booster=final,
        calibration=(a, b),
        base_rate=float(y.mean()),
        trained_at=now,
        learned_rules=learned_rules,
    )
    return Trained(
        model=model,
        metrics=metrics,
        holdout=Holdout(tuple(r.claim_id for r in labelled[cut:]), late, late_frame),
        holdout_scores=raw,
        training_from=labelled[0].reported_at,
        training_to=labelled[-1].reported_at,
        rows=len(labelled),
    )


def should_activate(candidate_auc: float, active_auc: float | None) -> bool:
    """A new model replaces the active one only when it does strictly better on the same
    holdout claims; the first model of a product is activated."""
    return active_auc is None or candidate_auc > active_auc
