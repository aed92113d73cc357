import pytest

from claimdesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from claimdesk.security.enums import Role
from claimdesk.support.enums import TicketAction, TicketStatus
from claimdesk.support.machine import allowed_actions, check_transition


def test_an_agent_moves_a_new_ticket_to_open():
    step = check_transition(TicketStatus.NEW, TicketAction.START, Role.AGENT, None)
    assert step.target == TicketStatus.OPEN


def test_waiting_on_the_customer_needs_a_reason():
    with pytest.raises(ValidationFailed, match="reason"):
        check_transition(TicketStatus.OPEN, TicketAction.WAIT_ON_CUSTOMER, Role.AGENT, " ")


def test_a_customer_cannot_resolve_a_ticket():
    with pytest.raises(PermissionDenied):
        check_transition(TicketStatus.OPEN, TicketAction.RESOLVE, Role.CUSTOMER, "done")


def test_a_closed_ticket_can_only_be_reopened():
    with pytest.raises(InvalidTransition, match="reopen"):
        check_transition(TicketStatus.CLOSED, TicketAction.RESOLVE, Role.AGENT, "again")
    assert allowed_actions(TicketStatus.CLOSED, Role.CUSTOMER) == [TicketAction.REOPEN]


def test_an_auditor_may_not_work_tickets():
    assert allowed_actions(TicketStatus.OPEN, Role.AUDITOR) == []
