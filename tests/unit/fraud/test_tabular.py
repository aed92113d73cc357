"""The generic CSV learner's pieces: time order, folds and the choice of settings."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from claimdesk.fraud.features import parse_label
from claimdesk.fraud.tabular import CANDIDATES, choose_settings, read_csv, time_folds, time_key


def test_day_first_dates_are_ordered_as_dates_not_as_text():
    dates = pd.Series(["25-01-2015", "03-02-2015", "01-01-2015", None])
    key = time_key(dates)
    assert list(np.argsort(key.to_numpy(), kind="stable")[:3]) == [2, 0, 1]


def test_numbers_stay_numbers_and_iso_dates_read_as_dates():
    assert time_key(pd.Series(["1995", "1994"])).tolist() == [1995, 1994]
    assert str(time_key(pd.Series(["2015-02-01", "2015-01-31"])).dtype).startswith("datetime")


def test_a_column_no_date_layout_reads_in_full_stays_text():
    key = time_key(pd.Series(["01-02-2015", "2015/02/03", "soon"]))
    assert key.tolist() == ["01-02-2015", "2015/02/03", "soon"]


def test_folds_fit_on_the_past_and_judge_the_next_slice():
    order = np.arange(100)
    folds = time_folds(order, folds=4)
    assert [(len(fit), len(judge)) for fit, judge in folds] == [
        (20, 20),
        (40, 20),
        (60, 20),
        (80, 20),
    ]
    for fit, judge in folds:
        assert fit.max() < judge.min()


def test_a_few_hundred_rows_led_by_one_category_choose_settings_that_can_split_it():
    rng = np.random.default_rng(3)
    hobby = rng.choice([f"h{i}" for i in range(20)], size=600)
    fraud = np.where(np.isin(hobby, ["h1", "h2"]), rng.random(600) < 0.7, rng.random(600) < 0.1)
    features = pd.DataFrame({"hobby": hobby, "noise": rng.normal(size=600)})
    chosen, means = choose_settings(features, fraud.astype(int), np.arange(600))
    assert set(means) == set(CANDIDATES)
    assert chosen != "regularised"  # its categories need 50 rows a value
    assert means[chosen] > means["regularised"]


def test_a_line_of_separators_only_is_no_row(tmp_path: Path):
    path = tmp_path / "claims.csv"
    path.write_text("a,label\n1,Y\n,\n2,N\n")
    assert read_csv(path)["a"].tolist() == ["1", "2"]


def test_an_empty_label_is_named_in_the_refusal():
    with pytest.raises(ValueError, match=r"found \(empty\)"):
        parse_label(pd.Series(["Y", None], name="l", dtype="str"))
