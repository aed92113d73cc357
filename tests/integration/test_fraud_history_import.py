"""``claimdesk fraud import-history``: labelled past claims become closed ClaimDesk claims
with their investigation outcome (the labels), through the services, idempotently."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from claimdesk.audit.models import AuditEntry
from claimdesk.claims.models import Claim
from claimdesk.cli import main as cli
from claimdesk.fraud.models import RiskAssessment
from claimdesk.support.models import OutboxMessage, SlaClock, Survey
from tests.unit.claims.test_imports import FEED

HEADER, NOT_FRAUD = FEED.splitlines()[:2]
FRAUD = (
    "Jul,1,Saturday,Honda,Urban,Tuesday,Sep,4,Male,Single,0,Policy Holder,Sedan - All Perils,"
    "Sedan,more than 69000,1,29,9,400,1,more than 30,more than 30,none,new,16 to 17,No,No,"
    "External,none,no change,1 vehicle,1994,All Perils"
)
BAD_LABEL = NOT_FRAUD.replace(",0,1,12,", ",maybe,7,12,")


@pytest.fixture
def run(container, monkeypatch):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args), obj=container)


def _history(run, path, rejected):
    result = run(
        "fraud", "import-history", "--product", "MOTOR-COMP", "--data", str(path),
        "--label", "FraudFound_P", "--rejected", str(rejected),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result


def test_labelled_claims_are_imported_closed_with_their_outcome_and_once(run, tmp_path, session):
    path = tmp_path / "history.csv"
    path.write_text("\n".join([HEADER, NOT_FRAUD, FRAUD, BAD_LABEL]) + "\n", encoding="utf-8")
    rejected = tmp_path / "rejected.csv"
    _history(run, path, rejected)

    claims = {c.id: c for c in session.scalars(select(Claim).order_by(Claim.id))}
    assert [(c.status, c.investigation_outcome) for c in claims.values()] == [
        ("withdrawn", "cleared"),
        ("closed", "fraud_confirmed"),
    ]
    fraud = next(c for c in claims.values() if c.investigation_outcome == "fraud_confirmed")
    assert fraud.siu_referred is True and fraud.denied_at is not None
    assert fraud.attributes["fault"] == "policy_holder"
    said = {e.kind: e for e in fraud.events}  # the system's words as keys, no finished text
    assert said["deny"].data["message"]["key"] == "history.legacy_fraud"
    assert said["deny"].reason is None
    cleared = next(c for c in claims.values() if c.investigation_outcome == "cleared")
    withdrawn = next(e for e in cleared.events if e.kind == "withdraw")
    assert (withdrawn.data["message"]["key"], withdrawn.reason) == ("history.legacy_settled", None)
    labels = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "claim.investigation_closed")
    ).all()
    assert sorted(e.data["data"]["outcome"] for e in labels) == ["cleared", "fraud_confirmed"]

    # scored once, at report: the steps to the end are not rescored
    triggers = session.scalars(select(RiskAssessment.trigger)).all()
    assert triggers == ["reported", "reported"]

    with rejected.open(encoding="utf-8", newline="") as handle:
        (bad,) = list(csv.DictReader(handle))
    assert bad["row"] == "3" and bad["reason"].startswith("FraudFound_P:")

    result = _history(run, path, tmp_path / "again.csv")
    assert "already_present" in result.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Claim)) == 2
    count = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "claim.investigation_closed")
    )
    assert count == 2


def _side_effects(session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in (SlaClock, Survey, OutboxMessage)
    }


def test_legacy_claims_reach_no_one(run, tmp_path, session):
    """Claims settled in the former system: their import neither messages the holders nor
    starts service-desk clocks or satisfaction surveys (a live report starts a clock, a
    closed claim opens a survey)."""
    path = tmp_path / "history.csv"
    path.write_text("\n".join([HEADER, NOT_FRAUD, FRAUD]) + "\n", encoding="utf-8")
    _history(run, path, tmp_path / "rejected.csv")
    assert session.scalar(select(func.count()).select_from(Claim)) == 2
    assert _side_effects(session) == {"sla_clocks": 0, "surveys": 0, "notification_outbox": 0}
