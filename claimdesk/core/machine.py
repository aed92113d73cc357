"""Explicit state machines: one transition table per lifecycle, checked the same way.

A domain declares its ``Transition`` rows and wraps them in a :class:`StateMachine`, which
says what a role may do from a status and refuses the rest with typed errors: wrong state
409, wrong role 403, missing reason 422.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from claimdesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed

StatusT = TypeVar("StatusT", bound=StrEnum)
ActionT = TypeVar("ActionT", bound=StrEnum)


@dataclass(frozen=True)
class Transition(Generic[StatusT, ActionT]):
    action: ActionT
    sources: frozenset[StatusT]
    target: StatusT
    roles: frozenset[StrEnum]
    reason_required: bool = False


class StateMachine(Generic[StatusT, ActionT]):
    """One lifecycle's transitions, typed by its action and status enums."""

    def __init__(self, subject: str, transitions: Iterable[Transition[StatusT, ActionT]]) -> None:
        self.subject = subject  # "claim", "ticket": named in the error messages
        self.transitions: dict[ActionT, Transition[StatusT, ActionT]] = {
            t.action: t for t in transitions
        }

    def allowed_actions(self, status: StatusT, role: StrEnum) -> list[ActionT]:
        """Actions this role could take from this status (before data guards)."""
        return [
            t.action for t in self.transitions.values() if status in t.sources and role in t.roles
        ]

    def check_role(self, action: ActionT, role: StrEnum) -> None:
        roles = self.transitions[action].roles
        if role not in roles:
            raise PermissionDenied(
                f"The role '{role}' may not '{action}' a {self.subject}; "
                f"roles that may: {', '.join(sorted(roles))}."
            )

    def check_transition(
        self,
        status: StatusT,
        action: ActionT,
        role: StrEnum,
        reason: str | None,
        *,
        explained: bool = False,
    ) -> Transition[StatusT, ActionT]:
        """The transition, or an error: wrong state 409, wrong role 403, missing reason 422
        (``explained``: the system gives its reason as a message, not in words)."""
        transition = self.transitions[action]
        if status not in transition.sources:
            allowed = ", ".join(
                sorted(t.action for t in self.transitions.values() if status in t.sources)
            )
            raise InvalidTransition(
                f"A {self.subject} that is '{status}' cannot be '{action}'; from '{status}' "
                f"the possible actions are: {allowed or 'none'}.",
                details=[{"status": str(status), "action": str(action)}],
            )
        self.check_role(action, role)
        if transition.reason_required and not explained and not (reason and reason.strip()):
            raise ValidationFailed(f"'{action}' needs a reason; give one in the 'reason' field.")
        return transition
