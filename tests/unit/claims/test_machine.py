"""The claim lifecycle table (R1), checked pair by pair without a database.

Every (status, action) pair of the table is either legal, in which case each allowed role
gets the expected target and every other role is refused, or illegal, in which case the
refusal names the status and the action. The graph of the table is checked as a whole too:
archived is the only dead end and every state can be reached from reported.
"""

from __future__ import annotations

from collections import deque

import pytest

from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.machine import TRANSITIONS, allowed_actions, check_transition
from claimdesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from claimdesk.security.enums import Role

S = ClaimStatus
A = ClaimAction
REASON = "Documented in the claim file."
BLANK_REASONS = [None, "", "   ", "\t\n"]

# Where each action leads, written out from the lifecycle specification (R1) rather than
# read from the table, so that a slip in the table shows up here. ``approve`` may also end
# in partially_approved and ``pay`` may stay put: those depend on the claim's figures and are
# checked in the integration tests.
EXPECTED_TARGET = {
    A.REQUEST_DOCUMENTS: S.AWAITING_DOCUMENTS,
    A.SUBMIT_DOCUMENTS: S.UNDER_REVIEW,
    A.START_REVIEW: S.UNDER_REVIEW,
    A.START_INVESTIGATION: S.INVESTIGATING,
    A.REFER_TO_SIU: S.INVESTIGATING,
    A.ASSESS: S.ASSESSED,
    A.VERIFY_COVERAGE: S.COVERAGE_VERIFIED,
    A.APPROVE: S.APPROVED,
    A.DENY: S.DENIED,
    A.PAY: S.PAID,
    A.CLOSE: S.CLOSED,
    A.ARCHIVE: S.ARCHIVED,
    A.WITHDRAW: S.WITHDRAWN,
    A.REOPEN: S.REOPENED,
    A.APPROVE_AWARD: S.APPROVED,
}
NEEDS_A_REASON = {A.REQUEST_DOCUMENTS, A.REFER_TO_SIU, A.DENY, A.WITHDRAW, A.REOPEN}


def _pairs() -> tuple[list, list, list, list]:
    legal, illegal, forbidden, unexplained = [], [], [], []
    for action, transition in TRANSITIONS.items():
        for status in ClaimStatus:
            if status not in transition.sources:
                illegal.append(pytest.param(status, action, id=f"{status}-{action}"))
                continue
            for role in Role:
                case = pytest.param(status, action, role, id=f"{status}-{action}-{role}")
                (legal if role in transition.roles else forbidden).append(case)
                if role in transition.roles and transition.reason_required:
                    unexplained.extend(
                        pytest.param(status, action, role, blank, id=f"{case.id}-{blank!r}")
                        for blank in BLANK_REASONS
                    )
    return legal, illegal, forbidden, unexplained


LEGAL, ILLEGAL, FORBIDDEN, UNEXPLAINED = _pairs()


def reachable_from(start: ClaimStatus) -> set[ClaimStatus]:
    seen, queue = {start}, deque([start])
    while queue:
        status = queue.popleft()
        for transition in TRANSITIONS.values():
            if status in transition.sources and transition.target not in seen:
                seen.add(transition.target)
                queue.append(transition.target)
    # approve may also lead to partially_approved (payout below the claimed amount)
    if S.APPROVED in seen and S.PARTIALLY_APPROVED not in seen:
        seen |= reachable_from(S.PARTIALLY_APPROVED)
    return seen


# ---------------------------------------------------------------- the table itself


def test_the_table_has_one_transition_for_every_action():
    assert set(TRANSITIONS) == set(ClaimAction)
    assert all(action == transition.action for action, transition in TRANSITIONS.items())


def test_every_action_leads_where_the_specification_says():
    assert {action: t.target for action, t in TRANSITIONS.items()} == EXPECTED_TARGET


def test_exactly_the_specified_actions_need_a_reason():
    assert {action for action, t in TRANSITIONS.items() if t.reason_required} == NEEDS_A_REASON


def test_every_action_can_be_taken_from_somewhere_by_someone():
    for transition in TRANSITIONS.values():
        assert transition.sources, transition.action
        assert transition.roles, transition.action


def test_the_pair_lists_cover_every_status_and_action_combination():
    pairs = {(p.values[0], p.values[1]) for p in LEGAL + FORBIDDEN} | {
        (p.values[0], p.values[1]) for p in ILLEGAL
    }
    assert pairs == {(s, a) for s in ClaimStatus for a in ClaimAction}


# ---------------------------------------------------------------- pair by pair


@pytest.mark.parametrize(("status", "action", "role"), LEGAL)
def test_an_allowed_role_takes_a_legal_action_to_its_target(status, action, role):
    transition = check_transition(status, action, role, REASON)
    assert transition.action == action
    assert transition.target == EXPECTED_TARGET[action]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_an_illegal_action_is_refused_naming_the_status_and_the_action(status, action):
    allowed_role = sorted(TRANSITIONS[action].roles)[0]
    with pytest.raises(InvalidTransition) as refused:
        check_transition(status, action, allowed_role, REASON)
    assert f"'{status}'" in refused.value.message
    assert f"'{action}'" in refused.value.message
    assert refused.value.details == [{"status": str(status), "action": str(action)}]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_an_illegal_action_lists_what_is_possible_instead(status, action):
    possible = sorted(a for a, t in TRANSITIONS.items() if status in t.sources)
    with pytest.raises(InvalidTransition) as refused:
        check_transition(status, action, Role.SUPERVISOR, REASON)
    assert refused.value.message.endswith(f"{', '.join(possible) or 'none'}.")


@pytest.mark.parametrize(("status", "action", "role"), FORBIDDEN)
def test_a_role_outside_the_transition_is_denied_permission(status, action, role):
    with pytest.raises(PermissionDenied) as refused:
        check_transition(status, action, role, REASON)
    assert f"'{role}'" in refused.value.message
    assert f"'{action}'" in refused.value.message


@pytest.mark.parametrize(("status", "action", "role", "reason"), UNEXPLAINED)
def test_an_action_that_needs_a_reason_is_refused_without_one(status, action, role, reason):
    with pytest.raises(ValidationFailed) as refused:
        check_transition(status, action, role, reason)
    assert f"'{action}'" in refused.value.message
    assert "reason" in refused.value.message


@pytest.mark.parametrize(
    ("status", "action", "role"),
    [p for p in LEGAL if not TRANSITIONS[p.values[1]].reason_required],
)
def test_an_action_without_a_reason_requirement_goes_ahead_without_one(status, action, role):
    assert check_transition(status, action, role, None).target == EXPECTED_TARGET[action]


def test_the_wrong_state_is_reported_before_the_wrong_role_and_the_missing_reason():
    with pytest.raises(InvalidTransition):
        check_transition(S.ARCHIVED, A.REOPEN, Role.CUSTOMER, None)


def test_the_wrong_role_is_reported_before_the_missing_reason():
    with pytest.raises(PermissionDenied):
        check_transition(S.CLOSED, A.REOPEN, Role.ADJUSTER, None)


# ---------------------------------------------------------------- allowed_actions


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("status", list(ClaimStatus), ids=str)
def test_allowed_actions_are_exactly_those_the_table_lets_the_role_take(status, role):
    expected = []
    for action in ClaimAction:
        try:
            check_transition(status, action, role, REASON)
        except (InvalidTransition, PermissionDenied):
            continue
        expected.append(action)
    assert sorted(allowed_actions(status, role)) == sorted(expected)
    assert len(set(allowed_actions(status, role))) == len(allowed_actions(status, role))


def test_an_auditor_may_look_but_never_act():
    assert all(allowed_actions(status, Role.AUDITOR) == [] for status in ClaimStatus)


def test_a_customer_may_only_submit_documents_or_withdraw():
    actions = {a for status in ClaimStatus for a in allowed_actions(status, Role.CUSTOMER)}
    assert actions == {A.SUBMIT_DOCUMENTS, A.WITHDRAW}


# ---------------------------------------------------------------- the graph


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_an_archived_claim_allows_nothing_to_anyone(role):
    assert allowed_actions(S.ARCHIVED, role) == []
    for action in ClaimAction:
        with pytest.raises(InvalidTransition):
            check_transition(S.ARCHIVED, action, role, REASON)


@pytest.mark.parametrize("status", [s for s in ClaimStatus if s != S.ARCHIVED], ids=str)
def test_every_state_but_archived_has_a_way_out(status):
    assert any(status in t.sources for t in TRANSITIONS.values())
    assert any(allowed_actions(status, role) for role in Role)


@pytest.mark.parametrize("status", list(ClaimStatus), ids=str)
def test_every_state_can_be_reached_from_reported(status):
    assert status in reachable_from(S.REPORTED)


@pytest.mark.parametrize("status", [s for s in ClaimStatus if s != S.ARCHIVED], ids=str)
def test_every_state_but_archived_can_still_end_up_archived(status):
    assert S.ARCHIVED in reachable_from(status)


def test_nothing_leads_back_to_reported():
    assert all(t.target != S.REPORTED for t in TRANSITIONS.values())
