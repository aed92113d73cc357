"""The ticket's history on the staff ticket page, oldest first like the claim timeline.

Each event the support service recorded (opened, assigned, reassigned, status changes, the
complaint record updated, an SLA escalation) and each change of state of the ticket's SLA
clocks (at risk, breached, met) becomes a message key and parameters
(``claimdesk.core.messages``) that the page renders in the reader's language with
:meth:`claimdesk.web.i18n.Translator.message`: statuses, channels, roles, SLA metrics and
assignment rules by their names, people by their names (a customer's in the reader's
language when it has both). An event of a kind this page does
not know yet says "ticket updated", never its code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from claimdesk.core.messages import MESSAGE, code, codes, message
from claimdesk.support.clocks import HISTORY_STATES
from claimdesk.support.enums import TicketAction
from claimdesk.support.schemas import SlaAlertOut, TicketEventOut

# The user ids an event's data names, besides its actor.
_PEOPLE = ("owner_id", "from_owner_id", "to_owner_id", "to")
# Assignment rules and complaint fields with a name in the catalogue.
RULES = ("first_contact", "round_robin", "least_load")
COMPLAINT_FIELDS = ("category", "severity", "root_cause", "remedy", "regulator_reportable")
_ACTIONS = {a.value for a in TicketAction}


@dataclass(frozen=True)
class HistoryLine:
    """One event as the page shows it: when, what happened, who did it, and what the
    system or a person wrote with it."""

    at: datetime
    kind: str
    what: dict[str, Any]
    who: dict[str, Any]
    said: dict[str, Any] | None
    reason: str | None


def people(events: Sequence[TicketEventOut]) -> set[int]:
    """The users the history names: actors, owners, whoever an escalation went to."""
    found = {e.actor_id for e in events if e.actor_id is not None}
    for event in events:
        found |= {v for k in _PEOPLE if isinstance(v := event.data.get(k), int)}
    return found


def history(
    events: Sequence[TicketEventOut],
    names: Mapping[int, Any],
    sla_changes: Sequence[SlaAlertOut] = (),
) -> list[HistoryLine]:
    """The events, and the SLA clocks' changes of state (at risk, breached, met), oldest
    first: by time; at the same moment a clock's change first (the sweep that finds a
    breach escalates it then), each kind in the order recorded."""
    lines = [
        (
            (e.at, 1, e.id),
            HistoryLine(
                at=e.at,
                kind=e.kind,
                what=_what(e, names),
                who=_who(e, names),
                said=stored if isinstance(stored := e.data.get(MESSAGE), dict) else None,
                reason=e.reason,
            ),
        )
        for e in events
    ]
    lines += [
        (
            (c.at, 0, c.id),
            HistoryLine(
                at=c.at,
                kind=f"sla_{c.kind}",
                what=message(
                    f"ticket_history.sla_{c.kind}", metric=code("sla_metric", c.clock_metric)
                ),
                who=message("role.system"),
                said=None,
                reason=None,
            ),
        )
        for c in sla_changes
        if c.kind in HISTORY_STATES
    ]
    return [line for _, line in sorted(lines, key=lambda pair: pair[0])]


def _name(user_id: Any, names: Mapping[int, Any]) -> Any:
    """A person as a message parameter: their name (plain, or ``both`` languages)."""
    return names.get(user_id) or f"#{user_id}"


def _who(event: TicketEventOut, names: Mapping[int, Any]) -> dict[str, Any]:
    if event.actor_id is None:
        return message("role.system")
    return message(
        "ticket_history.who",
        name=_name(event.actor_id, names),
        role=code("role", event.actor_role),
    )


def _what(event: TicketEventOut, names: Mapping[int, Any]) -> dict[str, Any]:
    data, kind = event.data, event.kind
    if kind == "created":
        channel = data.get("channel")
        if not channel:
            return message("ticket_history.created")
        return message("ticket_history.created_through", channel=code("channel", channel))
    if kind == "assigned" or (kind == "reassigned" and data.get("from_owner_id") is None):
        owner = _name(data.get("owner_id", data.get("to_owner_id")), names)
        rule = data.get("rule")
        if rule in RULES:
            return message(
                "ticket_history.assigned_by_rule",
                owner=owner,
                rule=message(f"ticket_history.rule_{rule}"),
            )
        return message("ticket_history.assigned", owner=owner)
    if kind == "reassigned":
        return message(
            "ticket_history.reassigned",
            from_owner=_name(data["from_owner_id"], names),
            to_owner=_name(data.get("to_owner_id"), names),
        )
    if kind in _ACTIONS and event.to_status:
        return message(
            "ticket_history.status_changed",
            action=message(f"ticket_history.action_{kind}"),
            from_status=code("ticket_status", event.from_status or ""),
            to_status=code("ticket_status", event.to_status),
        )
    if kind == "complaint_updated":
        fields = [f for f in COMPLAINT_FIELDS if f in data]
        if not fields:
            return message("ticket_history.complaint_updated")
        return message(
            "ticket_history.complaint_updated_fields",
            fields=codes("complaint_field", fields),
        )
    if kind == "sla_escalated":
        metric = code("sla_metric", str(data.get("metric", "")))
        level = data.get("level", "")
        if data.get("to") is None:
            return message("ticket_history.sla_escalated", metric=metric, level=level)
        return message(
            "ticket_history.sla_escalated_to",
            metric=metric,
            level=level,
            to=_name(data["to"], names),
        )
    return message("ticket_history.updated")
