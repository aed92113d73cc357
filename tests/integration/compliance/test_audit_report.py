"""The internal-audit report (four checks) from real claims, over HTTP and the command line."""

import re

import pytest
from typer.testing import CliRunner

from claimdesk.cli import main as cli
from claimdesk.compliance.audit_report import build_report
from claimdesk.security.enums import Role
from claimdesk.security.service import SYSTEM

REPORT = "/api/v1/compliance/audit-report"


@pytest.fixture
def decided_claims(world):
    """Three paid claims (the third approved by a supervisor who waived its papers), one
    denied and one still open, all in June 2026."""
    adjuster, senior = world.staff(Role.ADJUSTER), world.staff(Role.SENIOR_ADJUSTER)
    numbers = {}
    for name, amount in [
        ("paid-1", "5200.00"),
        ("paid-2", "3000.00"),
        ("paid-3", "8000.00"),
        ("denied", "900.00"),
        ("open", "700.00"),
    ]:
        holder = world.customer()
        policy = world.policy(holder)
        customer = world.login(Role.CUSTOMER, holder)
        claim = world.report(
            customer, policy, amount=amount, bank_account_id=holder.bank_accounts[0].id
        ).json()
        if name in ("paid-1", "paid-2"):
            world.settle(customer, claim["id"], until="pay")
        elif name == "paid-3":
            for action in ("start_review", "assess", "verify_coverage"):
                world.act(adjuster, claim["id"], action).raise_for_status()
            world.act(
                world.staff(Role.SUPERVISOR),
                claim["id"],
                "approve",
                waive_documents=[
                    "id_card",
                    "diagnosis_certificate",
                    "itemised_invoice",
                    "discharge_summary",
                    "bank_account_proof",
                ],
                reason="Paper file checked at the branch.",
            ).raise_for_status()
            world.act(senior, claim["id"], "pay").raise_for_status()
        else:
            world.act(adjuster, claim["id"], "start_review").raise_for_status()
            if name == "denied":
                world.act(
                    senior, claim["id"], "deny", reason="既往症 pre-existing condition"
                ).raise_for_status()
        numbers[name] = claim["number"]
    return numbers


def _sampled(html: str) -> list[str]:
    return re.findall(r'<h3 class="sampled-claim">(CLM\d+)', html)


def test_auditor_gets_the_four_checks_with_a_sampled_real_claim(world, decided_claims):
    auditor = world.staff(Role.AUDITOR)

    response = world.client.get(
        REPORT,
        params={"from": "2026-06-01", "to": "2026-06-30", "sample": 2, "seed": 7},
        headers=auditor,
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    for heading in (
        "一、查制度",
        "1. Rules in force",
        "二、查流程",
        "2. Process followed",
        "三、查执行",
        "3. Execution sampled",
        "四、查效果",
        "4. Effect measured by KPIs",
    ):
        assert heading in html
    # Rules in force: the configured products, limits and gates.
    assert "MED-HOSP" in html and "10,000.00" in html and "理赔从业资格证" in html
    # Process: every step replayed, no violations in a lifecycle the service enforced.
    assert "所有步骤均符合流程表" in html
    assert "所有受控步骤均由持证人员执行" in html
    # Execution: two of the four decided claims, checked one by one.
    sampled = _sampled(html)
    assert len(sampled) == 2
    assert set(sampled) <= {decided_claims[k] for k in ("paid-1", "paid-2", "paid-3", "denied")}
    assert "2 of the 4 claims decided in the period" in html
    assert "核赔人在授权范围内" in html
    # The papers of the third paid claim were waived: a finding, not a pass.
    if decided_claims["paid-3"] in sampled:
        assert "missing / 缺少: id_card" in html
    # Effect: the KPIs of the period.
    assert "平均理赔周期" in html and "Claims reported" in html


def test_the_same_seed_draws_the_same_sample_and_another_seed_may_differ(world, decided_claims):
    auditor = world.staff(Role.AUDITOR)
    params = {"from": "2026-06-01", "to": "2026-06-30", "sample": 2}

    def sample(seed):
        html = world.client.get(REPORT, params={**params, "seed": seed}, headers=auditor).text
        return _sampled(html)

    assert sample(11) == sample(11)
    assert len({tuple(sample(seed)) for seed in range(8)}) > 1


def test_the_report_counts_the_claims_and_findings_of_the_period(world, session, decided_claims):
    report = build_report(
        session,
        actor=SYSTEM,
        start=world.now.date().replace(day=1),
        end=world.now.date().replace(day=30),
        sample_size=10,
        seed=1,
        settings=world.container.settings,
        now=world.now,
    )
    assert report.process.claims == 5
    assert report.process.approvals == 3
    assert report.process.decisions == 4
    assert report.process.step_findings == []
    assert report.process.four_eyes_findings == []
    assert len(report.execution.sampled) == 4
    denied = next(c for c in report.execution.sampled if c.number == decided_claims["denied"])
    assert {check.en: check.status for check in denied.checks}[
        "Denial states its reasons"
    ] == "pass"
    paid = next(c for c in report.execution.sampled if c.number == decided_claims["paid-1"])
    results = {check.en: check.status for check in paid.checks}
    assert results["Required documents on file before approval"] == "pass"
    waived = next(c for c in report.execution.sampled if c.number == decided_claims["paid-3"])
    results = {check.en: check.status for check in waived.checks}
    assert results["Approved amount equals the payout calculation"] == "pass"
    assert results["Approver within authority"] == "pass"
    assert results["Four-eyes: approver is not the assessor"] == "pass"
    assert results["Payments add up and stay within the approval"] == "pass"
    assert results["Required documents on file before approval"] == "fail"
    assert report.execution.findings == 1  # the approval whose papers were waived
    july = build_report(
        session,
        actor=SYSTEM,
        start=world.now.date().replace(month=7, day=1),
        end=world.now.date().replace(month=7, day=31),
        sample_size=10,
        seed=1,
        settings=world.container.settings,
        now=world.now,
    )
    assert july.process.claims == 0 and july.execution.sampled == []


def test_only_auditors_supervisors_and_administrators_get_the_report(world):
    params = {"from": "2026-06-01", "to": "2026-06-30"}
    adjuster = world.client.get(REPORT, params=params, headers=world.staff(Role.ADJUSTER))
    assert adjuster.status_code == 403
    backwards = world.client.get(
        REPORT, params={"from": "2026-06-30", "to": "2026-06-01"}, headers=world.staff(Role.AUDITOR)
    )
    assert backwards.status_code == 422


def test_the_command_line_writes_the_report_file(
    world, decided_claims, container, monkeypatch, tmp_path
):
    out = tmp_path / "audit.html"

    result = CliRunner().invoke(
        cli.app,
        [
            "compliance",
            "report",
            "--from",
            "2026-06-01",
            "--to",
            "2026-06-30",
            "--out",
            str(out),
            "--sample",
            "3",
        ],
        obj=container,
    )

    assert result.exit_code == 0, result.output
    assert "5 claims in the period, 3 sampled" in result.output
    html = out.read_text(encoding="utf-8")
    assert "四、查效果" in html
    assert len(_sampled(html)) == 3
