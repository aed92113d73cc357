"""The customer's progress tracker: the step a claim is at, what is next, by when."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from claimdesk.web.i18n import catalogue
from claimdesk.web.progress import DECIDED, STEPS, progress

DUE = datetime(2026, 7, 1, 9, tzinfo=UTC)


def clock(rule: str, state: str = "running", due_at: datetime = DUE) -> SimpleNamespace:
    return SimpleNamespace(rule=rule, state=state, due_at=due_at)


def test_a_claim_under_review_waits_for_the_decision_by_its_statutory_due_time():
    tracker = progress("under_review", [clock("decision_30d")])
    assert [s.state for s in tracker.steps] == ["done", "done", "current", "todo", "todo"]
    assert tracker.next_key == "review" and tracker.due_at == DUE


def test_before_the_decision_clock_runs_the_claims_decision_deadline_says_by_when():
    tracker = progress("reported", [], DUE)
    assert tracker.next_key == "documents" and tracker.due_at == DUE
    assert progress("approved", [], DUE).due_at is None  # payment: its own clock only


def test_an_approved_claim_is_paid_by_the_payment_clock():
    tracker = progress("approved", [clock("decision_30d", "met"), clock("payment_10d")])
    assert tracker.steps[-1].state == "current" and tracker.next_key == "payment"
    assert tracker.due_at == DUE


def test_a_paid_claim_has_every_step_done_and_no_due_time():
    tracker = progress("paid", [clock("payment_10d", "met")])
    assert all(s.state == "done" for s in tracker.steps)
    assert tracker.next_key == "paid" and tracker.due_at is None


def test_every_status_has_its_texts_in_both_languages():
    from claimdesk.claims.enums import ClaimStatus

    for language in ("en", "zh-CN"):
        texts = catalogue()[language]
        for status in ClaimStatus:
            assert f"progress.next_{progress(str(status), []).next_key}" in texts
        for step in STEPS:
            assert f"progress.step_{step}" in texts
    assert "paid" in DECIDED and "under_review" not in DECIDED
