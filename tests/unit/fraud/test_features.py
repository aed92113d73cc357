import pandas as pd
import pytest

from claimdesk.fraud.features import FeatureSpec, identifier_columns, parse_label, parse_quantity


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("more than 30", 37.5),
        ("15 to 30", 22.5),
        ("none", 0.0),
        ("3 years", 3.0),
        ("under 6 months", 0.25),
        ("less than 20000", 10000.0),
        ("Dec", 12.0),
        ("Wednesday", 3.0),
        ("1 vehicle", 1.0),
    ],
)
def test_quantities_written_in_words_become_ordered_numbers(text, number):
    assert parse_quantity(text) == pytest.approx(number)


def test_text_that_is_no_quantity_stays_categorical():
    assert parse_quantity("Policy Holder") is None


def test_labels_may_be_zero_one_or_yes_no():
    assert parse_label(pd.Series(["Y", "N", "y"], name="l")).tolist() == [1, 0, 1]
    assert parse_label(pd.Series(["1", "0"], name="l")).tolist() == [1, 0]
    with pytest.raises(ValueError, match="0/1 or Y/N"):
        parse_label(pd.Series(["maybe", "0"], name="l"))


def test_a_column_unique_on_every_row_is_an_identifier():
    frame = pd.DataFrame({"id": [str(i) for i in range(30)], "kind": ["a", "b", "c"] * 10})
    assert identifier_columns(frame) == ["id"]


def test_range_columns_get_an_ordered_twin_and_unseen_categories_become_missing():
    frame = pd.DataFrame({"age": ["1 to 7", "8 to 15", "more than 30"] * 5, "n": ["1"] * 15})
    spec = FeatureSpec.fit(frame)
    out = spec.transform(pd.DataFrame({"age": ["8 to 15", "unheard of"], "n": ["2", "3"]}))
    assert list(out.columns) == ["age", "age~num", "n"]
    assert out["age~num"].tolist()[0] == 11.5
    assert out["age"].isna().tolist() == [False, True]
