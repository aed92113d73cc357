"""claimdesk fraud train|score|evaluate on a slice of the real vehicle claims data."""

from pathlib import Path

import joblib
import pandas as pd
import pytest
from typer.testing import CliRunner

from claimdesk.cli.main import app
from claimdesk.fraud.tabular import CANDIDATES

DATA = Path("/work/shared/data/vehicle-claims-fraud/claims-1994-1995.csv")
if not DATA.exists():
    DATA = (
        Path(__file__).resolve().parents[3]
        / "shared/data/vehicle-claims-fraud/claims-1994-1995.csv"
    )

pytestmark = pytest.mark.skipif(
    not DATA.exists(), reason="the shared vehicle claims data is absent"
)
runner = CliRunner()


@pytest.fixture(scope="module")
def slice_csv(tmp_path_factory) -> Path:
    """1,000 claims of each year: small enough to keep the test quick."""
    frame = pd.read_csv(DATA, dtype=str)
    part = pd.concat([frame[frame.Year == year].head(1000) for year in ("1994", "1995")])
    path = tmp_path_factory.mktemp("fraud") / "claims.csv"
    part.to_csv(path, index=False)
    return path


def _run(*args: str):
    result = runner.invoke(app, ["fraud", *args])
    assert result.exit_code == 0, result.output
    return result


def test_train_writes_a_versioned_model_and_score_keeps_every_row_in_order(slice_csv, tmp_path):
    model_path = tmp_path / "model.joblib"
    _run(
        "train",
        "--data",
        str(slice_csv),
        "--label",
        "FraudFound_P",
        "--out",
        str(model_path),
        "--time-column",
        "Year",
        "--no-select",  # column selection is the slow part; kept out of the suite
    )
    model = joblib.load(model_path)
    info = model.describe()
    assert info["format_version"] == 1
    assert len(info["training_sha256"]) == 64
    assert "PolicyNumber" in model.identifiers  # unique per row: found without being told
    assert "FraudFound_P" not in info["columns"] and "Year" not in info["columns"]
    # Settings chosen by time-ordered folds of the training rows, each candidate's mean kept.
    assert info["settings"] in CANDIDATES
    assert set(info["settings_cv_auc"]) == set(CANDIDATES)
    assert info["settings_cv_auc"][info["settings"]] == max(info["settings_cv_auc"].values())

    shuffled = pd.read_csv(slice_csv, dtype=str).sample(frac=1, random_state=1)
    scrambled = tmp_path / "scrambled.csv"
    shuffled.drop(columns=["FraudFound_P"]).to_csv(scrambled, index=False)
    out = tmp_path / "scores.csv"
    _run("score", "--model", str(model_path), "--data", str(scrambled), "--out", str(out))
    scores = pd.read_csv(out, dtype={"PolicyNumber": str})
    assert len(scores) == len(shuffled)
    assert scores["PolicyNumber"].tolist() == shuffled["PolicyNumber"].tolist()
    assert scores["risk_score"].between(0, 1).all()
    assert scores["factor_1"].str.contains("=").any()


def test_evaluate_reports_auc_and_precision_at_capacity_by_time_and_at_random(slice_csv, tmp_path):
    report = tmp_path / "report"
    result = _run(
        "evaluate",
        "--data",
        str(slice_csv),
        "--label",
        "FraudFound_P",
        "--time-column",
        "Year",
        "--exclude",
        "PolicyNumber",
        "--no-select",
        "--report",
        str(report),
    )
    text = (report / "report.md").read_text()
    assert "| by time |" in text and "| random |" in text
    assert "train Year 1994, test Year 1995" in text
    assert (report / "roc.png").read_bytes()[:4] == b"\x89PNG"
    assert "ROC-AUC" in (report / "report.html").read_text()
    assert '"precision at capacity"' in result.output


def test_a_wrong_label_column_fails_with_a_clear_message(slice_csv, tmp_path):
    result = runner.invoke(
        app,
        [
            "fraud",
            "train",
            "--data",
            str(slice_csv),
            "--label",
            "Nope",
            "--out",
            str(tmp_path / "m.joblib"),
        ],
    )
    assert result.exit_code == 2
    assert "Columns not in the data: Nope" in result.output
