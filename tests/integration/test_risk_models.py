"""The learned risk model: trained from ClaimDesk's own records and outcomes, registered
and activated only when better, and scoring live claims beside the rules through the API,
explained in both languages; a product without a model is scored by rules and says so."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from claimdesk.claims import service as claims
from claimdesk.claims.enums import Channel
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import ClaimIn
from claimdesk.cli import main as cli
from claimdesk.core.db import unit_of_work
from claimdesk.customers.schemas import CustomerIn
from claimdesk.customers.service import create_customer
from claimdesk.fraud import registry
from claimdesk.fraud.models import RiskModel
from claimdesk.policies.schemas import PolicyIn
from claimdesk.policies.service import create_policy
from claimdesk.security.enums import Role
from claimdesk.security.service import SYSTEM
from tests.conftest import START
from tests.integration.web.pages import signed_in

SUSPECT = {"fault": "policy_holder", "police_report_filed": False, "accident_area": "rural"}
ORDINARY = {"fault": "third_party", "police_report_filed": True, "accident_area": "urban"}


def _claim(session, container, n: int, attributes: dict, object_: dict, *, days_ago: int):
    now = START - timedelta(days=days_ago)
    holder = create_customer(
        session,
        data=CustomerIn(name=f"Holder {n}", id_type="other", id_number=f"risk-test-{n}"),
        now=now,
    )
    policy = create_policy(
        session,
        data=PolicyIn(
            product_code="MOTOR-COMP",
            holder_id=holder.id,
            start_date=now.date() - timedelta(days=200),
            end_date=now.date() + timedelta(days=160),
            sum_insured=Decimal("59000"),
            insured_object=object_,
        ),
        now=now,
    )
    claim, _ = claims.report_claim(
        session,
        actor=SYSTEM,
        data=ClaimIn(
            policy_id=policy.id,
            claim_type="vehicle_damage",
            incident_date=now.date() - timedelta(days=2),
            description=f"Rear-ended at a junction {n} / 路口追尾 {n}",
            claimed_amount=Decimal("3000.00"),
            currency="CNY",
            channel=Channel.API,
            attributes=attributes,
        ),
        now=now,
        settings=container.settings,
    )
    return claim


def _history(container, count: int = 48, *, start: int = 0) -> None:
    """``count`` closed claims, one in four suspect and confirmed fraud (plus one suspect
    cleared and one ordinary fraud in every 12, so the signal is not perfect)."""
    with unit_of_work(container.sessions) as session:
        for n in range(start, start + count):
            fraud = n % 4 == 0
            suspect = fraud != (n % 12 == 6)  # noise: flips some
            if n % 12 == 3:
                fraud = True
            claim = _claim(
                session,
                container,
                n,
                SUSPECT if suspect else ORDINARY,
                {"base_policy": "all_perils" if suspect else "liability"},
                days_ago=400 - n,
            )
            claim.investigation_outcome = "fraud_confirmed" if fraud else "cleared"


def _train(container, *, force: bool = False):
    with unit_of_work(container.sessions) as session:
        report = registry.train_from_database(
            session,
            product_code="MOTOR-COMP",
            settings=container.settings,
            now=START,
            force_activate=force,
        )
        return report.model.version, report.activated, dict(report.model.metrics)


def test_a_trained_model_is_registered_with_its_file_and_replaced_only_by_a_better_one(
    container,
):
    _history(container)
    version, activated, metrics = _train(container)
    assert (version, activated) == (1, True)
    assert metrics["holdout_rows"] == 10 and metrics["training_rows"] == 38
    assert metrics["holdout_auc"] > 0.7
    with container.sessions() as session:
        (row,) = session.scalars(select(RiskModel)).all()
        assert row.active and row.activation_note == "first model of the product"
        assert (container.settings.data_dir / row.path).is_file()
        assert "claim__fault" in row.features and "prior_claims" in row.features
        assert "object__plate_number" not in row.features  # free text identifies, not learned
        assert row.training_rows == 48 and row.training_from < row.training_to

    # the same claims again: not strictly better, registered but the first stays active
    version, activated, metrics = _train(container)
    assert (version, activated) == (2, False)
    assert metrics["active_auc"] is not None
    version, activated, _ = _train(container, force=True)
    assert (version, activated) == (3, True)
    with container.sessions() as session:
        active = [m.version for m in session.scalars(select(RiskModel)) if m.active]
        assert active == [3]


@pytest.fixture
def run(container, monkeypatch):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args), obj=container)


def test_too_few_labelled_claims_do_not_train(container, run):
    _history(container, 8)
    result = run("fraud", "train", "--from-database", "--product", "MOTOR-COMP")
    assert result.exit_code == 2
    assert "at least 20" in result.output


def test_live_claims_are_scored_by_rules_and_the_model_with_bilingual_contributions(
    world, container, run
):
    _history(container)
    result = run("fraud", "train", "--from-database", "--product", "MOTOR-COMP")
    assert result.exit_code == 0, result.output
    assert "MOTOR-COMP v1: activated" in result.output

    holder = world.customer()
    policy = world.policy(holder, "MOTOR-COMP", start=date(2026, 5, 20))
    customer = world.login(Role.CUSTOMER, holder)
    scores = {}
    for name, attributes in (("suspect", SUSPECT), ("ordinary", ORDINARY)):
        response = world.report(
            customer, policy, claim_type="vehicle_damage", amount="900.00", attributes=attributes
        )
        assert response.status_code == 201, response.text
        claim_id = response.json()["id"]
        risk = world.client.get(
            f"/api/v1/claims/{claim_id}/risk", headers=world.staff(Role.ADJUSTER)
        ).json()
        assert risk["method"].endswith("+ model MOTOR-COMP v1")
        assert risk["model_probability"] is not None
        assert 0 <= risk["score"] <= 100 and risk["score"] >= round(100 * risk["model_probability"])
        top = risk["contributions"][0]
        assert top["feature"] in {"claim__fault", "claim__police_report_filed",
                                  "claim__accident_area", "object__base_policy"}  # fmt: skip
        assert "Rules and the learned model" in risk["model_note"]
        scores[name] = risk
    assert scores["suspect"]["model_probability"] > scores["ordinary"]["model_probability"]
    labels = {c["feature"]: c for c in scores["suspect"]["contributions"]}
    fault = labels["claim__fault"]
    assert fault["label_en"] == "Party at fault: Policy holder"
    assert fault["label_zh"] == "事故责任方：被保险人"
    assert fault["weight"] > 0
    with container.sessions() as session:
        stored = session.get(Claim, scores["suspect"]["claim_id"])
        assert stored is not None and stored.attributes["fault"] == "policy_holder"

    # the staff claim page shows the model's part in the reader's language
    adjuster = signed_in(world, Role.ADJUSTER)
    claim_id = scores["suspect"]["claim_id"]
    page = adjuster.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "en"})
    assert "What moved the model" in page.text and "Party at fault: Policy holder" in page.text
    page = adjuster.get(f"/staff/claims/{claim_id}", headers={"Accept-Language": "zh-CN"})
    assert "模型主要影响因素" in page.text and "事故责任方：被保险人" in page.text

    # monitoring: score distribution by month, precision at capacity on the labelled claims
    supervisor = world.staff(Role.SUPERVISOR)
    monitor = world.client.get(
        "/api/v1/metrics/risk", params={"product": "MOTOR-COMP", "capacity": 0.25},
        headers=supervisor,
    )  # fmt: skip
    assert monitor.status_code == 200, monitor.text
    body = monitor.json()
    assert body["labelled"]["claims"] == 48 and body["labelled"]["frauds"] == 16
    assert body["labelled"]["reviewed"] == 12
    assert sum(m["claims"] for m in body["months"]) == 50
    assert [(m["version"], m["active"]) for m in body["models"]] == [(1, True)]
    bad = world.client.get(
        "/api/v1/metrics/risk", params={"product": "MOTOR-COMP", "capacity": 2},
        headers=supervisor,
    )  # fmt: skip
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "capacity"
    unknown = world.client.get(
        "/api/v1/metrics/risk", params={"product": "NOPE"}, headers=supervisor
    )
    assert unknown.status_code == 404
    dashboard = signed_in(world, Role.SUPERVISOR).get(
        "/staff/dashboards?product=MOTOR-COMP", headers={"Accept-Language": "en"}
    )
    assert dashboard.status_code == 200
    assert (
        "Risk monitoring" in dashboard.text and "48 claims with an investigation" in dashboard.text
    )
    customer_view = world.client.get(
        "/api/v1/metrics/risk", params={"product": "MOTOR-COMP"}, headers=customer
    )
    assert customer_view.status_code == 403


def test_a_product_without_a_model_is_scored_by_rules_and_says_so(world, container):
    _history(container, 24)
    _train(container)
    holder = world.customer()
    policy = world.policy(holder)  # MED-HOSP: no model
    response = world.report(world.login(Role.CUSTOMER, holder), policy)
    assert response.status_code == 201, response.text
    risk = world.client.get(
        f"/api/v1/claims/{response.json()['id']}/risk", headers=world.staff(Role.ADJUSTER)
    ).json()
    assert risk["method"].startswith("rules ") and "model" not in risk["method"]
    assert risk["contributions"] == [] and risk["model_probability"] is None
    assert risk["model_note"].startswith("Rules only: product MED-HOSP")
    assert risk["score"] == risk["rules_score"]
    page = signed_in(world, Role.ADJUSTER).get(
        f"/staff/claims/{response.json()['id']}", headers={"Accept-Language": "en"}
    )
    assert "this product has no active learned model" in page.text
