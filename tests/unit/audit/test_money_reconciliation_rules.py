"""Reconciling claim money columns and payments with the money facts (pure)."""

from claimdesk.audit.rules import reconcile_money

STATE = {
    "claimed_amount": "900.00",
    "assessed_amount": "900.00",
    "approved_amount": "900.00",
    "paid_amount": "900.00",
    "reserve_amount": "0.00",
}
PAYMENT = {
    "reference": "PAY1-01",
    "amount": "900.00",
    "currency": "CNY",
    "bank_account_id": 3,
    "paid_by_id": 7,
}


def entries(state=STATE):
    return [
        (10, 1, {"state": {**state, "paid_amount": "0.00"}}),
        (11, 1, {"state": state, "payment": PAYMENT}),
    ]


def test_rows_matching_the_latest_money_fact_reconcile():
    assert reconcile_money(entries(), [(1, "CLM1", STATE)], [(1, PAYMENT)]) is None


def test_a_claim_never_in_the_ledger_may_hold_its_claimed_amount_but_no_decision():
    undecided = {**STATE, "assessed_amount": None, "approved_amount": "0.00", "paid_amount": "0.00"}
    assert reconcile_money([], [(2, "CLM2", undecided)], []) is None
    seq, reason = reconcile_money([], [(2, "CLM2", STATE)], [])
    assert seq is None
    assert reason.startswith("claim CLM2 (id 2) has money columns the ledger never recorded")


def test_a_deleted_claim_with_money_facts_is_named_at_its_last_fact():
    assert reconcile_money(entries(), [], []) == (
        11,
        "claim id 1 has money facts in the ledger but was deleted",
    )


def test_a_payment_moved_to_another_claim_is_named():
    seq, reason = reconcile_money(entries(), [(1, "CLM1", STATE)], [(2, PAYMENT)])
    assert seq == 11
    assert reason == "payment PAY1-01 was changed outside the application: moved from claim id 1"


def test_a_fact_written_before_reserves_were_kept_reads_the_reserve_as_zero():
    before = {k: v for k, v in STATE.items() if k != "reserve_amount"}
    assert reconcile_money([(10, 1, {"state": before})], [(1, "CLM1", STATE)], []) is None
    seq, reason = reconcile_money(
        [(10, 1, {"state": before})], [(1, "CLM1", {**STATE, "reserve_amount": "5.00"})], []
    )
    assert seq == 10
    assert reason.endswith("reserve_amount is 5.00 but the ledger says 0.00")
