"""Training records and hours against the yearly requirement; the staff command line."""

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from claimdesk.cli import main as cli
from claimdesk.security.enums import Role
from claimdesk.security.models import User

API = "/api/v1/compliance"


def _me(world, headers) -> int:
    return world.client.get("/api/v1/auth/me", headers=headers).json()["user_id"]


def _train(world, user_id, course, hours, day):
    response = world.client.post(
        f"{API}/staff/{user_id}/training",
        json={"course": course, "provider": "培训中心", "hours": hours, "completed_on": day},
        headers=world.staff(Role.ADMIN),
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_training_hours_are_counted_per_year_against_the_requirement(world):
    adjuster = world.staff(Role.ADJUSTER)
    user_id = _me(world, adjuster)
    _train(world, user_id, "理赔合规 Claims compliance", "12", "2026-02-10")
    _train(world, user_id, "医疗审核 Medical review", "8.5", "2026-05-20")
    _train(world, user_id, "去年的课程 Last year's course", "30", "2025-11-03")

    mine = world.client.get(f"{API}/staff/{user_id}/training?year=2026", headers=adjuster)

    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert [r["course"] for r in body["records"]] == [
        "理赔合规 Claims compliance",
        "医疗审核 Medical review",
    ]
    assert body["standing"]["hours"] == "20.5"
    assert body["standing"]["required_hours"] == "36.0"
    assert body["standing"]["shortfall"] == "15.5"
    assert body["standing"]["met"] is False


def test_the_training_overview_lists_every_member_of_staff(world):
    done = _me(world, world.login(Role.ADJUSTER))
    short = _me(world, world.login(Role.AGENT))
    _train(world, done, "年度合规培训 Annual compliance", "36", "2026-03-01")
    _train(world, short, "客户服务 Customer service", "6", "2026-03-01")

    overview = world.client.get(f"{API}/training", headers=world.staff(Role.AUDITOR))

    assert overview.status_code == 200
    standing = {row["user_id"]: (row["met"], row["shortfall"]) for row in overview.json()}
    assert standing[done] == (True, "0.0")
    assert standing[short] == (False, "30.0")
    assert all(row["role"] != "customer" for row in overview.json())


def test_training_needs_positive_hours_and_a_manager_to_record_it(world):
    user_id = _me(world, world.staff(Role.ADJUSTER))
    body = {"course": "x", "hours": "0", "completed_on": "2026-01-01"}
    refused = world.client.post(
        f"{API}/staff/{user_id}/training", json=body, headers=world.staff(Role.ADMIN)
    )
    assert refused.status_code == 422
    body["hours"] = "2"
    by_agent = world.client.post(
        f"{API}/staff/{user_id}/training", json=body, headers=world.staff(Role.AGENT)
    )
    assert by_agent.status_code == 403


@pytest.fixture
def run(container, monkeypatch):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args), obj=container)


def test_staff_certify_lets_a_new_adjuster_assess(world, run):
    claim_holder = world.customer()
    policy = world.policy(claim_holder)
    claim_id = world.report(world.login(Role.CUSTOMER, claim_holder), policy).json()["id"]
    world.act(world.staff(Role.ADJUSTER), claim_id, "start_review")
    newcomer = world.login(Role.ADJUSTER, qualified=False)
    assert world.act(newcomer, claim_id, "assess").status_code == 403

    for kind in ("claims_adjuster", "medical_claims"):
        result = run(
            "staff",
            "certify",
            _username(world, newcomer),
            "--kind",
            kind,
            "--expires",
            "2028-06-30",
            "--number",
            f"{kind}-1",
            "--issuer",
            "IAC",
        )
        assert result.exit_code == 0, result.output
        assert "until 2028-06-30" in result.output

    assert world.act(newcomer, claim_id, "assess").status_code == 200


def _username(world, headers) -> str:
    user_id = _me(world, headers)
    with world.container.sessions() as session:
        return session.scalar(select(User.username).where(User.id == user_id))


def test_staff_certify_explains_an_unknown_kind_or_user(world, run):
    username = _username(world, world.staff(Role.ADJUSTER))
    unknown_kind = run("staff", "certify", username, "--kind", "pilot")
    assert unknown_kind.exit_code == 2
    assert "Unknown certificate kind 'pilot'" in unknown_kind.output
    nobody = run("staff", "certify", "nobody", "--kind", "claims_adjuster")
    assert nobody.exit_code == 2
    assert "No member of staff 'nobody'" in nobody.output


def test_staff_train_and_expiring_on_the_command_line(world, run):
    username = _username(world, world.login(Role.ADJUSTER, qualified=False))
    assert (
        run(
            "staff", "certify", username, "--kind", "motor_assessor", "--expires", "2026-07-01"
        ).exit_code
        == 0
    )
    trained = run(
        "staff",
        "train",
        username,
        "--course",
        "定损实务",
        "--hours",
        "4.5",
        "--completed",
        "2026-06-10",
    )
    assert trained.exit_code == 0, trained.output
    assert "4.5 h" in trained.output

    expiring = run("staff", "expiring", "--days", "30")

    assert expiring.exit_code == 0, expiring.output
    assert username in expiring.output
    assert "motor_assessor" in expiring.output
    assert "expiring" in expiring.output
