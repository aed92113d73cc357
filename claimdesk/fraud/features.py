"""Generic features for any tabular claims data: no per-column code.

Each input column becomes a numeric or a categorical feature, decided from its values.
Text columns whose values all read as quantities ("more than 30", "15 to 30", "3 years",
"none", "under 6 months") or as month/weekday names also get an ordered numeric twin
(``<column>~num``), so models can use their order. Identifier columns (unique per row) are
found automatically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

NUMERIC_SUFFIX = "~num"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_FULL_MONTHS = frozenset(
    {
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    }
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ZERO_WORDS = frozenset({"none", "no change", "new", "never", "nil"})
_NUMBER = r"(\d+(?:\.\d+)?)"
_RANGE = re.compile(rf"^{_NUMBER}\s*(?:to|-|–)\s*{_NUMBER}\b")
_ABOVE = re.compile(rf"^(?:more than|over|above|greater than|>)\s*{_NUMBER}\b")
_BELOW = re.compile(rf"^(?:less than|under|below|fewer than|<)\s*{_NUMBER}\b")
_PLAIN = re.compile(rf"^{_NUMBER}\b")
_LABEL_TRUE = frozenset({"1", "y", "yes", "true", "t", "fraud"})
_LABEL_FALSE = frozenset({"0", "n", "no", "false", "f"})


def parse_quantity(text: str) -> float | None:
    """A number for a quantity written in words, or None when the text is not one."""
    value = text.strip().lower()
    if value in _ZERO_WORDS:
        return 0.0
    if value[:3] in MONTHS and (len(value) == 3 or value in _FULL_MONTHS):
        return float(MONTHS.index(value[:3]) + 1)
    if value in WEEKDAYS:
        return float(WEEKDAYS.index(value) + 1)
    if match := _RANGE.match(value):
        number = (float(match[1]) + float(match[2])) / 2
    elif match := _ABOVE.match(value):
        number = float(match[1]) * 1.25
    elif match := _BELOW.match(value):
        number = float(match[1]) * 0.5
    elif match := _PLAIN.match(value):
        number = float(match[1])
    else:
        return None
    if "month" in value:
        number /= 12
    elif "week" in value:
        number /= 52
    return number


def parse_label(values: pd.Series) -> np.ndarray:
    """A 0/1 label from 0/1, Y/N, yes/no or true/false values; refuses anything else."""
    text = values.fillna("").astype(str).str.strip().str.lower()
    unknown = sorted(set(text) - _LABEL_TRUE - _LABEL_FALSE)
    if unknown:
        raise ValueError(
            f"The label column '{values.name}' must hold 0/1 or Y/N values; "
            f"found {', '.join(value or '(empty)' for value in unknown[:5])}."
        )
    return text.isin(_LABEL_TRUE).to_numpy(dtype=np.int8)


def identifier_columns(frame: pd.DataFrame) -> list[str]:
    """Columns with a different value on every row (claim or policy numbers)."""
    if len(frame) < 20:
        return []
    return [c for c in frame.columns if frame[c].nunique(dropna=True) == len(frame)]


@dataclass
class ColumnSpec:
    name: str
    kind: str  # "numeric" or "categorical"
    categories: list[str] = field(default_factory=list)
    quantities: dict[str, float] = field(default_factory=dict)  # categorical -> ordered twin


@dataclass
class FeatureSpec:
    """How input columns become model features; fitted on the training data only."""

    columns: list[ColumnSpec]

    @classmethod
    def fit(cls, frame: pd.DataFrame, *, min_count: int = 5) -> FeatureSpec:
        specs = []
        for name in frame.columns:
            values = frame[name]
            numbers = pd.to_numeric(values, errors="coerce")
            if numbers.notna().sum() == values.notna().sum() and values.notna().any():
                specs.append(ColumnSpec(name, "numeric"))
                continue
            text = values.dropna().astype(str)
            counts = text.value_counts()
            categories = sorted(counts[counts >= min_count].index)
            distinct = list(counts.index)
            parsed = {value: parse_quantity(value) for value in distinct}
            unparsed = [v for v, q in parsed.items() if q is None]
            quantities = {}
            if len(distinct) >= 3 and len(unparsed) <= max(1, len(distinct) // 10):
                quantities = {v: q for v, q in parsed.items() if q is not None}
            specs.append(ColumnSpec(name, "categorical", categories, quantities))
        return cls(specs)

    @property
    def input_columns(self) -> list[str]:
        return [spec.name for spec in self.columns]

    @property
    def feature_names(self) -> list[str]:
        names = []
        for spec in self.columns:
            names.append(spec.name)
            if spec.quantities:
                names.append(spec.name + NUMERIC_SUFFIX)
        return names

    def source_of(self, feature: str) -> str:
        return feature.removesuffix(NUMERIC_SUFFIX)

    def check(self, frame: pd.DataFrame) -> None:
        missing = [c for c in self.input_columns if c not in frame.columns]
        if missing:
            raise ValueError(f"The data lacks columns the model needs: {', '.join(missing)}.")

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Features in a fixed order; unseen categories become missing values."""
        self.check(frame)
        out: dict[str, pd.Series] = {}
        for spec in self.columns:
            values = frame[spec.name]
            if spec.kind == "numeric":
                out[spec.name] = pd.to_numeric(values, errors="coerce").astype(float)
                continue
            text = values.astype("string")
            known = text.where(text.isin(spec.categories))
            out[spec.name] = pd.Series(
                pd.Categorical(known, categories=spec.categories), index=frame.index
            )
            if spec.quantities:
                out[spec.name + NUMERIC_SUFFIX] = text.map(spec.quantities).astype(float)
        return pd.DataFrame(out, index=frame.index)
