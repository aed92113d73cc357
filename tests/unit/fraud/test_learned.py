"""The learned product model, pure: features typed by the attribute schema, a time-ordered
holdout, calibrated probabilities, exact contributions labelled in zh and en; the
activation rule and how the model's probability combines with the rules' score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from claimdesk.fraud import learned, rules
from claimdesk.policies.attribute_schema import schema_for

T0 = datetime(1994, 1, 1, 2, tzinfo=UTC)


def _records(count: int, *, seed: int = 3) -> list[learned.ClaimRecord]:
    rng = np.random.default_rng(seed)
    records = []
    for n in range(count):
        suspect = rng.random() < 0.3
        fraud = int(rng.random() < (0.6 if suspect else 0.05))
        records.append(
            learned.ClaimRecord(
                claim_id=n + 1,
                reported_at=T0 + timedelta(days=n),
                claim_attributes={
                    "fault": "policy_holder" if suspect else "third_party",
                    "witness_present": bool(rng.random() < 0.5),
                },
                insured_object={"make": "honda", "plate_number": f"A{n}"},
                prior_claims=int(rng.integers(0, 3)),
                days_since_inception=int(rng.integers(0, 365)),
                amount_to_sum_insured=float(rng.random()),
                documents=0,
                label=fraud,
            )
        )
    return records


def test_features_follow_the_schema_and_leave_out_free_text():
    names = [f.name for f in learned.features_of(schema_for("MOTOR-COMP"))]
    assert "claim__fault" in names and "object__vehicle_category" in names
    assert "claim__witness_present" in names
    assert "object__plate_number" not in names and "object__vin" not in names
    assert names[-4:] == list(learned.DERIVED)
    assert [f.name for f in learned.features_of(None)] == list(learned.DERIVED)


def test_training_holds_out_the_latest_claims_and_explains_in_both_languages():
    records = _records(300)
    trained = learned.train(
        records, product_code="MOTOR-COMP", schema=schema_for("MOTOR-COMP"), now=T0
    )
    assert trained.metrics["holdout_rows"] == 60 and trained.metrics["training_rows"] == 240
    assert trained.holdout.claim_ids == tuple(range(241, 301))  # the latest by report time
    assert trained.metrics["holdout_auc"] > 0.75
    suspect = next(r for r in records if r.claim_attributes["fault"] == "policy_holder")
    ordinary = next(r for r in records if r.claim_attributes["fault"] == "third_party")
    p_suspect, shown = trained.model.explain(suspect)
    p_ordinary, _ = trained.model.explain(ordinary)
    assert 0 < p_ordinary < p_suspect < 1
    top = shown[0]
    assert top.feature == "claim__fault" and top.weight > 0
    assert top.label_en == "Party at fault: Policy holder"
    assert top.label_zh == "事故责任方：被保险人"
    assert len(shown) <= learned.TOP_CONTRIBUTIONS


def test_unlabelled_claims_are_not_learned_from_and_too_few_labels_refuse():
    records = _records(300)
    unlabelled = [learned.ClaimRecord(**{**vars(r), "label": None}) for r in records[:290]]
    with pytest.raises(learned.TrainingError, match="at least 20"):
        learned.train(unlabelled + records[290:], product_code="X", schema=None, now=T0)
    one_outcome = [learned.ClaimRecord(**{**vars(r), "label": 0}) for r in records[:50]]
    with pytest.raises(learned.TrainingError, match="both outcomes"):
        learned.train(one_outcome, product_code="X", schema=None, now=T0)


def test_a_model_survives_its_file(tmp_path):
    trained = learned.train(
        _records(200), product_code="X", schema=schema_for("MOTOR-COMP"), now=T0
    )
    path = tmp_path / "models" / "X" / "v1.joblib"
    trained.model.save(path)
    again = learned.ProductModel.load(path)
    sample = _records(5, seed=9)
    assert np.allclose(again.probability(sample), trained.model.probability(sample))


def test_activation_needs_a_strictly_better_auc():
    assert learned.should_activate(0.7, None)
    assert learned.should_activate(0.81, 0.80)
    assert not learned.should_activate(0.80, 0.80)
    assert not learned.should_activate(0.79, 0.80)


def _flag(weight: float) -> rules.Factor:
    return rules.Factor("x", weight, "en", "zh")


def test_the_model_combines_with_the_rules_it_has_not_learned_like_one_more_rule():
    assert rules.combine(0.06, []) == 6
    assert rules.combine(0.0, [_flag(0.3)]) == 30
    assert rules.combine(0.5, [_flag(0.3)]) == 65  # 1 - 0.5 * 0.7
    assert rules.combine(0.2, [_flag(1.0)]) == 100
    assert rules.combine(1.5, []) == 100  # clipped


def test_rules_that_fired_often_enough_become_features_the_rest_do_not():
    records = _records(300)
    fired = [
        learned.ClaimRecord(**{**vars(r), "rules": frozenset({"late_reporting"})})
        if r.claim_id % 10 == 0
        else r
        for r in records
    ]
    trained = learned.train(
        fired,
        product_code="MOTOR-COMP",
        schema=None,
        now=T0,
        rule_codes=("late_reporting", "duplicate_document"),
    )
    assert trained.model.learned_rules == frozenset({"late_reporting"})
    assert trained.metrics["rules_fired"] == {"late_reporting": 30, "duplicate_document": 0}
    names = [f.name for f in trained.model.features]
    assert "rule__late_reporting" in names and "rule__duplicate_document" not in names
