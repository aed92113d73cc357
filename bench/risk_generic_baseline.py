"""The generic CSV learner (``claimdesk fraud train --data``) against plain LightGBM with
default settings, trained on one period and judged on a later one it never saw.

Plain LightGBM is given what a person would give it without tuning: text columns as pandas
categories, numeric columns as numbers, the identifier and the time column left out::

    .venv/bin/python -m bench.risk_generic_baseline \\
        --data ../shared/data/vehicle-claims-fraud/claims-1994-1995.csv \\
        --label FraudFound_P --time-column Year --exclude PolicyNumber --test-from 1995 \\
        [--plain-only]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import lightgbm
import pandas as pd
from sklearn.metrics import roc_auc_score

from claimdesk.fraud.features import parse_label
from claimdesk.fraud.tabular import read_csv, time_key, train


def plain_features(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out:
        numbers = pd.to_numeric(out[column], errors="coerce")
        out[column] = numbers if numbers.notna().all() else out[column].astype("category")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--time-column", required=True)
    parser.add_argument("--test-from", required=True, help="first period of the test rows")
    parser.add_argument("--exclude", action="append", default=[])
    parser.add_argument("--plain-only", action="store_true")
    args = parser.parse_args()

    frame = read_csv(args.data)
    period = time_key(frame[args.time_column])
    first_test = time_key(pd.Series([args.test_from]))[0]
    test = (period >= first_test).to_numpy()
    y = parse_label(frame[args.label])
    figures: dict[str, object] = {
        "train_rows": int((~test).sum()),
        "test_rows": int(test.sum()),
        "test_positives": int(y[test].sum()),
    }

    features = plain_features(frame.drop(columns=[args.label, args.time_column, *args.exclude]))
    started = time.perf_counter()
    plain = lightgbm.LGBMClassifier(verbose=-1).fit(features[~test], y[~test])
    figures["plain_lightgbm_auc"] = round(
        float(roc_auc_score(y[test], plain.predict_proba(features[test])[:, 1])), 4
    )
    figures["plain_lightgbm_s"] = round(time.perf_counter() - started, 1)

    if not args.plain_only:
        started = time.perf_counter()
        model = train(
            frame[~test].reset_index(drop=True),
            label=args.label,
            sha256="",
            exclude=args.exclude,
            time_column=args.time_column,
        )
        scores = model.predict(frame[test].reset_index(drop=True))
        figures["claimdesk_auc"] = round(float(roc_auc_score(y[test], scores)), 4)
        figures["claimdesk_s"] = round(time.perf_counter() - started, 1)
        figures["claimdesk_dropped"] = [s["dropped"] for s in model.selection if s["dropped"]]
        figures["claimdesk_settings"] = model.settings
        figures["claimdesk_settings_cv_auc"] = model.settings_cv_auc
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
