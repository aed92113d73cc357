"""Where a claim is, for its customer: the steps of a claim, the one it is at, what happens
next and by when (the statutory clock that runs, if one does). Pure: from the claim view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

STEPS = ("reported", "documents", "review", "decision", "payment")

# Each status: the step it is at, and the key of what happens next (progress.next_*).
_AT: dict[str, tuple[str, str]] = {
    "reported": ("documents", "documents"),
    "awaiting_documents": ("documents", "documents_missing"),
    "under_review": ("review", "review"),
    "investigating": ("review", "investigating"),
    "assessed": ("review", "review"),
    "coverage_verified": ("decision", "decision"),
    "reopened": ("review", "review"),
    "approved": ("payment", "payment"),
    "partially_approved": ("payment", "payment"),
    "denied": ("decision", "denied"),
    "paid": ("payment", "paid"),
    "closed": ("payment", "closed"),
    "archived": ("payment", "closed"),
    "withdrawn": ("reported", "withdrawn"),
}
# The statutory clock that says by when the next thing happens, per "next" key.
_CLOCK = {
    "documents": "decision_30d",
    "documents_missing": "decision_30d",
    "review": "decision_30d",
    "investigating": "decision_30d",
    "decision": "decision_30d",
    "payment": "payment_10d",
}
# Statuses after which the customer has nothing more to send.
DECIDED = frozenset(
    {"approved", "partially_approved", "denied", "paid", "closed", "archived", "withdrawn"}
)
_OPEN_CLOCK_STATES = frozenset({"running", "warning", "breached"})


@dataclass(frozen=True)
class Step:
    key: str
    state: str  # done, current or todo


@dataclass(frozen=True)
class Progress:
    steps: list[Step]
    next_key: str
    due_at: datetime | None


def progress(status: str, clocks: list[Any], decision_due_at: datetime | None = None) -> Progress:
    """The tracker of a claim in ``status`` with these statutory clocks (``rule``,
    ``state``, ``due_at``); ``decision_due_at`` (the claim's decision deadline) stands in
    while no decision clock runs."""
    at, next_key = _AT.get(status, ("review", "review"))
    index = STEPS.index(at)
    finished = status in ("paid", "closed", "archived")

    def state(i: int) -> str:
        if i < index or (finished and i == index):
            return "done"
        return "current" if i == index else "todo"

    steps = [Step(key, state(i)) for i, key in enumerate(STEPS)]
    rule = _CLOCK.get(next_key)
    due = [c.due_at for c in clocks if c.rule == rule and c.state in _OPEN_CLOCK_STATES]
    if not due and rule == "decision_30d" and decision_due_at is not None:
        due = [decision_due_at]
    return Progress(steps, next_key, min(due) if due else None)
