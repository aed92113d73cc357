"""``claimdesk claims import``: a legacy motor feed through the normal intake and scoring,
one RESULTS.csv line per data row, and a re-run that creates nothing twice."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from claimdesk.claims.models import Claim
from claimdesk.cli import main as cli
from claimdesk.customers.models import Customer
from claimdesk.fraud.models import RiskAssessment
from claimdesk.policies.models import Policy
from tests.unit.claims.test_imports import FEED


@pytest.fixture
def run(container, monkeypatch):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args), obj=container)


def _feed(tmp_path, text=FEED, name="feed.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _results(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _import(run, feed, out):
    result = run(
        "claims", "import", "--product", "MOTOR-COMP", "--data", str(feed), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    return result


def test_a_feed_is_imported_with_one_result_line_per_data_row(run, tmp_path, session):
    out = tmp_path / "results.csv"
    result = _import(run, _feed(tmp_path), out)
    header, *rows = _results(out)
    assert header == ["row", "claim_id", "claim_number", "status", "reason"]
    assert [(r[0], r[3]) for r in rows] == [("1", "created"), ("2", "rejected"), ("3", "rejected")]
    assert rows[1][1:3] == ["", ""] and rows[1][4].startswith("MonthClaimed:")
    assert rows[2][4].startswith("Make:")
    assert "created" in result.output and "rejected" in result.output

    claim = session.get(Claim, int(rows[0][1]))
    assert claim is not None and claim.number == rows[0][2]
    assert claim.attributes["fault"] == "policy_holder"
    assert claim.attributes["police_report_filed"] is False
    assert claim.attributes["days_policy_accident"] == "more_than_30"
    assert claim.channel == "api" and claim.claim_type == "vehicle_damage"
    assert claim.incident_date.isoformat() == "1993-12-29"
    policy = session.get(Policy, claim.policy_id)
    assert policy is not None and policy.product.code == "MOTOR-COMP"
    assert policy.insured_object["make"] == "honda"
    assert policy.insured_object["driver_rating"] == 1
    assert _count(session, Customer) == 1
    # scored like any reported claim
    scored = session.scalars(select(RiskAssessment).where(RiskAssessment.claim_id == claim.id))
    assert len(list(scored)) == 1


def test_running_the_import_again_creates_nothing_twice(run, tmp_path, session):
    feed = _feed(tmp_path)
    _import(run, feed, tmp_path / "first.csv")
    before = (_count(session, Claim), _count(session, Policy), _count(session, Customer))
    _import(run, feed, tmp_path / "second.csv")
    first = _results(tmp_path / "first.csv")[1:]
    second = _results(tmp_path / "second.csv")[1:]
    assert second[0] == [first[0][0], first[0][1], first[0][2], "already_present", ""]
    assert [r[3] for r in second[1:]] == ["rejected", "rejected"]
    session.expire_all()
    assert (_count(session, Claim), _count(session, Policy), _count(session, Customer)) == before


def test_a_known_claim_key_sent_again_with_different_data_is_refused(run, tmp_path, session):
    header, first_row = FEED.splitlines()[:2]
    _import(run, _feed(tmp_path), tmp_path / "first.csv")
    cells = first_row.split(",")
    changed = ",".join([*cells[:11], "Third Party", *cells[12:]])  # Fault changed
    out = tmp_path / "changed.csv"
    _import(run, _feed(tmp_path, f"{header}\n{changed}\n", "changed.csv"), out)
    (row,) = _results(out)[1:]
    assert row[3] == "rejected" and "already imported with different data" in row[4]
    assert _count(session, Claim) == 1


def test_a_feed_without_the_key_columns_is_refused(run, tmp_path):
    feed = _feed(tmp_path, "Make,Fault\nHonda,Third Party\n")
    result = run(
        "claims", "import", "--product", "MOTOR-COMP", "--data", str(feed),
        "--out", str(tmp_path / "r.csv"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "PolicyNumber" in result.output
    assert not (tmp_path / "r.csv").exists()


def test_an_unknown_product_is_refused(run, tmp_path):
    result = run(
        "claims", "import", "--product", "NOPE", "--data", str(_feed(tmp_path)),
        "--out", str(tmp_path / "r.csv"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "no feed mapping" in result.output
