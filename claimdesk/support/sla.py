"""SLA rules (pure): which targets apply to a ticket, and where a clock stands.

Targets and calendars are data (``sla.toml``). A clock counts *open time* on its
calendar: it keeps the seconds already used (``elapsed``) and, while running, the moment
it last started (``running_since``). Pausing banks the open time since then; resuming
starts a new running segment. From those, :func:`schedule` derives when the clock is at
risk, due, and due for the supervisor's escalation.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from importlib import resources
from typing import Any

from claimdesk.core.calendar import WorkingHours
from claimdesk.core.errors import ValidationFailed
from claimdesk.support.enums import SlaMetric, SlaState

FILTERS = ("channel", "priority", "customer_tier", "product")


@dataclass(frozen=True)
class KindInfo:
    code: str
    name_en: str
    name_zh: str
    tickets: bool


@dataclass(frozen=True)
class Target:
    kind: str
    metric: SlaMetric
    seconds: int
    calendar: str
    filters: Mapping[str, frozenset[str]]

    def matches(self, facts: Mapping[str, str | None]) -> bool:
        return all(facts.get(name) in allowed for name, allowed in self.filters.items())


@dataclass(frozen=True)
class SlaConfig:
    timezone: str
    warn_at: float
    supervisor_after: float
    survey_valid_days: int
    low_score: int
    calendars: Mapping[str, WorkingHours]
    kinds: Mapping[str, KindInfo]
    targets: tuple[Target, ...]

    def ticket_kinds(self) -> list[str]:
        return [code for code, info in self.kinds.items() if info.tickets]

    def targets_for(self, kind: str, **facts: str | None) -> list[Target]:
        """One target per metric: the most specific that matches (first in file on ties)."""
        chosen: dict[SlaMetric, Target] = {}
        for target in self.targets:
            if target.kind != kind or not target.matches(facts):
                continue
            best = chosen.get(target.metric)
            if best is None or len(target.filters) > len(best.filters):
                chosen[target.metric] = target
        return list(chosen.values())


def _hours(raw: Mapping[str, Any], timezone: str) -> WorkingHours:
    return WorkingHours(
        timezone=timezone,
        opens=time.fromisoformat(raw.get("opens", "00:00")),
        closes=time.fromisoformat(raw["closes"]) if "closes" in raw else None,
        working_days_only=bool(raw.get("working_days_only", True)),
    )


def _duration(raw: Mapping[str, Any]) -> int:
    return int(raw.get("minutes", 0) * 60 + raw.get("hours", 0) * 3600)


def _target(raw: Mapping[str, Any], calendars: Iterable[str], kinds: Iterable[str]) -> Target:
    where = f"SLA target {dict(raw)}"
    if raw["kind"] not in kinds:
        raise ValueError(f"{where}: unknown kind '{raw['kind']}'")
    if raw["calendar"] not in calendars:
        raise ValueError(f"{where}: unknown calendar '{raw['calendar']}'")
    seconds = _duration(raw)
    if seconds <= 0:
        raise ValueError(f"{where}: give a positive 'minutes' or 'hours'")
    return Target(
        kind=raw["kind"],
        metric=SlaMetric(raw["metric"]),
        seconds=seconds,
        calendar=raw["calendar"],
        filters={name: frozenset(raw[name]) for name in FILTERS if name in raw},
    )


def parse_config(raw: Mapping[str, Any]) -> SlaConfig:
    timezone = raw["timezone"]
    calendars = {name: _hours(spec, timezone) for name, spec in raw["calendars"].items()}
    kinds = {
        code: KindInfo(code, spec["name_en"], spec["name_zh"], bool(spec.get("tickets", True)))
        for code, spec in raw["kinds"].items()
    }
    return SlaConfig(
        timezone=timezone,
        warn_at=float(raw["warn_at"]),
        supervisor_after=float(raw["supervisor_after"]),
        survey_valid_days=int(raw["csat"]["valid_days"]),
        low_score=int(raw["csat"]["low_score"]),
        calendars=calendars,
        kinds=kinds,
        targets=tuple(_target(t, calendars, kinds) for t in raw["targets"]),
    )


@lru_cache
def load_config() -> SlaConfig:
    """The packaged ``sla.toml``."""
    text = resources.files("claimdesk.support").joinpath("sla.toml").read_text("utf-8")
    return parse_config(tomllib.loads(text))


def check_kind(config: SlaConfig, kind: str) -> None:
    if kind not in config.ticket_kinds():
        raise ValidationFailed(
            f"'{kind}' is not a kind of ticket; kinds: {', '.join(config.ticket_kinds())}.",
            details=[{"field": "kind"}],
        )


# ---------------------------------------------------------------- clock arithmetic


@dataclass(frozen=True)
class Schedule:
    """When a running clock turns at risk, breaches, and reaches the supervisor."""

    warn_at: datetime
    due_at: datetime
    supervisor_at: datetime


def schedule(
    hours: WorkingHours,
    *,
    running_since: datetime,
    target_seconds: int,
    elapsed_seconds: int,
    warn_at: float,
    supervisor_after: float,
) -> Schedule:
    due = hours.add(running_since, target_seconds - elapsed_seconds)
    warn = hours.add(running_since, math.ceil(target_seconds * warn_at) - elapsed_seconds)
    return Schedule(
        warn_at=min(warn, due),
        due_at=due,
        supervisor_at=hours.add(due, math.ceil(target_seconds * supervisor_after)),
    )


def state_at(plan: Schedule, now: datetime) -> SlaState:
    """The state of a running clock at ``now``."""
    if now >= plan.due_at:
        return SlaState.BREACHED
    if now >= plan.warn_at:
        return SlaState.AT_RISK
    return SlaState.ON_TRACK


def stopped_state(state: SlaState) -> SlaState:
    """A clock stopped by the work it measures: met, unless it had already breached."""
    return SlaState.BREACHED if state == SlaState.BREACHED else SlaState.MET


def escalation_level(plan: Schedule, now: datetime) -> int:
    """0 before the breach, 1 (team lead) from the breach, 2 (supervisor) later on."""
    if now >= plan.supervisor_at:
        return 2
    return 1 if now >= plan.due_at else 0


def next_check(plan: Schedule, *, state: SlaState, level: int) -> datetime | None:
    """The next moment the sweep has something to do for a running clock, if any."""
    if state == SlaState.ON_TRACK:
        return plan.warn_at
    if state == SlaState.AT_RISK:
        return plan.due_at
    if level < 2:
        return plan.due_at if level == 0 else plan.supervisor_at
    return None
