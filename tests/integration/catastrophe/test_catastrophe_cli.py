"""``claimdesk catastrophe declare / intake / queue`` on a CSV file, re-run included."""

import csv

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from claimdesk.claims.models import Claim
from claimdesk.cli import main as cli
from claimdesk.security.enums import Role


@pytest.fixture
def run(container, monkeypatch):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args), obj=container)


def _write(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows(rows)


def test_intake_of_a_csv_reports_every_row_and_writes_the_rejected_ones(
    world, run, tmp_path, session
):
    holder = world.customer()
    home = world.policy(holder, "MED-HOSP")
    car = world.policy(holder, "MOTOR-COMP")
    world.login(Role.AGENT)
    clerk = world.last_username
    declared = run(
        "catastrophe", "declare", "HL-2026-BJ", "--name-zh", "北京冰雹", "--name-en",
        "Beijing hailstorm", "--peril", "hail", "--region", "北京 Beijing", "--started",
        "2026-06-01T14:00+08:00",
    )  # fmt: skip
    assert declared.exit_code == 0, declared.output
    header = ["external_ref", "policy_number", "claim_type", "incident_date", "description",
              "claimed_amount", "loss_lines", "incident_location"]  # fmt: skip
    path = tmp_path / "hail.csv"
    _write(
        path,
        [
            header,
            ["H-1", car.number, "vehicle_damage", "2026-06-01", "冰雹砸车 Hail dents", "",
             "Bonnet=1800.00; Roof=2600.50", "朝阳区"],
            ["H-2", home.number, "inpatient", "2026-06-02", "Hit by hail, hospitalised",
             "15000.00", "", ""],
            ["H-3", "NO-SUCH-POLICY", "vehicle_damage", "2026-06-01", "Dents", "900", "", ""],
            ["H-4", car.number, "vehicle_damage", "not a date", "Dents", "900", "", ""],
        ],
    )  # fmt: skip

    first = run("catastrophe", "intake", "HL-2026-BJ", str(path), "--user", clerk)
    assert first.exit_code == 0, first.output
    assert "created" in first.output and "rejected" in first.output
    assert "line 4: Policy NO-SUCH-POLICY does not exist." in first.output
    assert "line 5: incident_date:" in first.output
    report = (tmp_path / "hail.rejected.csv").read_text(encoding="utf-8")
    rejected = list(csv.DictReader(report.splitlines()))
    assert [(r["line"], r["external_ref"]) for r in rejected] == [("4", "H-3"), ("5", "H-4")]
    assert rejected[1]["incident_date"] == "not a date"  # the row kept, to fix and re-send
    assert session.scalar(select(func.count()).select_from(Claim)) == 2
    amounts = sorted(session.scalars(select(Claim.claimed_amount)))
    assert [str(a) for a in amounts] == ["4400.50", "15000.00"]
    assert set(session.scalars(select(Claim.channel))) == {"phone"}

    again = run("catastrophe", "intake", "HL-2026-BJ", str(path), "--user", clerk)
    assert again.exit_code == 0, again.output
    assert session.scalar(select(func.count()).select_from(Claim)) == 2

    queue = run("catastrophe", "queue", "HL-2026-BJ")
    assert queue.exit_code == 0, queue.output
    lines = [line for line in queue.output.splitlines() if "CLM" in line]
    assert "injury" in lines[0] and "standard" in lines[1]


def test_intake_names_an_unknown_event_or_user(world, run, tmp_path):
    path = tmp_path / "empty.csv"
    _write(path, [["external_ref", "policy_number"]])
    world.login(Role.AGENT)
    unknown = run("catastrophe", "intake", "NOPE", str(path), "--user", world.last_username)
    assert unknown.exit_code == 2
    assert "no catastrophe event with the code NOPE" in unknown.output
    nobody = run("catastrophe", "intake", "NOPE", str(path), "--user", "ghost")
    assert nobody.exit_code == 2 and "There is no user 'ghost'" in nobody.output
