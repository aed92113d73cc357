"""Capacity simulation: replay an arrival stream of claims and tickets against a staffing
plan and find which service levels would breach, and when.

Each role works its queue earliest-due first, one item per handler at a time, minute by
minute; an item's service level (first response, or acknowledgement for claims) is met
when a handler picks it up by its due time. Due times come from the SLA targets in
claimdesk/support/sla.toml, counted on their working calendars (claimdesk/core/calendar.py).
Pure: no database; the command reads a CSV or builds a catastrophe week.
"""

from __future__ import annotations

import csv
import heapq
import math
import random
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from claimdesk.core.calendar import WorkingHours
from claimdesk.core.errors import ValidationFailed
from claimdesk.support.sla import SlaConfig, load_config

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Arrival:
    at: datetime
    kind: str  # a ticket kind, or "claim_application" for a reported claim
    channel: str = "web"
    priority: str = "normal"
    customer_tier: str = "standard"


@dataclass(frozen=True)
class Shift:
    hours: WorkingHours
    handlers: int

    def on_at(self, moment: datetime) -> bool:
        return self.hours.seconds_between(moment, moment + MINUTE) == 60


@dataclass(frozen=True)
class Role:
    name: str
    kinds: frozenset[str]
    shifts: tuple[Shift, ...]

    def handlers_at(self, moment: datetime) -> int:
        return sum(shift.handlers for shift in self.shifts if shift.on_at(moment))


@dataclass(frozen=True)
class Plan:
    roles: tuple[Role, ...]
    handling_minutes: dict[str, int]

    def role_for(self, kind: str) -> Role:
        for role in self.roles:
            if kind in role.kinds:
                return role
        raise ValidationFailed(
            f"No role of the staffing plan handles '{kind}'; add it to a role's kinds. "
            f"人员计划中没有角色处理“{kind}”。"
        )


@dataclass
class Outcome:
    arrival: Arrival
    role: str
    due: datetime
    started: datetime | None = None

    @property
    def breached(self) -> bool:
        return self.started is None or self.started > self.due


@dataclass
class Simulation:
    outcomes: list[Outcome]
    backlog: dict[str, list[tuple[datetime, int]]] = field(default_factory=dict)

    def breaches(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.breached]

    def first_breach_by_kind(self) -> dict[str, datetime]:
        first: dict[str, datetime] = {}
        for outcome in sorted(self.breaches(), key=lambda o: o.due):
            first.setdefault(outcome.arrival.kind, outcome.due)
        return first

    def counts_by_kind(self) -> dict[str, tuple[int, int]]:
        """Kind -> (items, breaches)."""
        items = Counter(o.arrival.kind for o in self.outcomes)
        breached = Counter(o.arrival.kind for o in self.breaches())
        return {kind: (items[kind], breached[kind]) for kind in sorted(items)}


def load_plan(path: Path | None = None, *, timezone: str) -> Plan:
    text = (
        path.read_text("utf-8")
        if path
        else (resources.files("claimdesk.scale").joinpath("staffing.toml").read_text("utf-8"))
    )
    raw = tomllib.loads(text)
    roles = []
    for name, spec in raw["roles"].items():
        shifts = tuple(
            Shift(
                WorkingHours(
                    timezone,
                    opens=time.fromisoformat(s.get("opens", "00:00")),
                    closes=time.fromisoformat(s["closes"]) if "closes" in s else None,
                    working_days_only=bool(s.get("working_days", False)),
                ),
                int(s["handlers"]),
            )
            for s in spec["shifts"]
        )
        roles.append(Role(name, frozenset(spec["kinds"]), shifts))
    return Plan(tuple(roles), {k: int(v) for k, v in raw["handling_minutes"].items()})


def due_at(config: SlaConfig, arrival: Arrival) -> datetime:
    """When the first response (or a claim's acknowledgement) is due."""
    targets = config.targets_for(
        arrival.kind,
        channel=arrival.channel,
        priority=arrival.priority,
        customer_tier=arrival.customer_tier,
    )
    if not targets:
        raise ValidationFailed(f"No service level for '{arrival.kind}' in sla.toml.")
    target = min(targets, key=lambda t: t.seconds)
    return config.calendars[target.calendar].add(arrival.at, target.seconds)


def simulate(
    arrivals: Iterable[Arrival], plan: Plan, config: SlaConfig | None = None
) -> Simulation:
    config = config or load_config()
    ordered = sorted(arrivals, key=lambda a: a.at)
    if not ordered:
        return Simulation([])
    outcomes = [Outcome(a, plan.role_for(a.kind).name, due_at(config, a)) for a in ordered]
    simulation = Simulation(outcomes)
    start = ordered[0].at.replace(second=0, microsecond=0)
    end = max(o.due for o in outcomes) + timedelta(days=1)
    for role in plan.roles:
        mine = [o for o in outcomes if o.role == role.name]
        simulation.backlog[role.name] = _run_role(role, mine, plan, start, end)
    return simulation


def _run_role(
    role: Role, outcomes: Sequence[Outcome], plan: Plan, start: datetime, end: datetime
) -> list[tuple[datetime, int]]:
    """Minute by minute: queue arrivals, let free handlers take the earliest due item."""
    waiting: list[tuple[datetime, int]] = []  # (due, index)
    busy: list[datetime] = []  # when each busy handler is free again
    backlog: list[tuple[datetime, int]] = []
    next_arrival = 0
    moment = start
    while moment < end and (next_arrival < len(outcomes) or waiting):
        while next_arrival < len(outcomes) and outcomes[next_arrival].arrival.at < moment + MINUTE:
            heapq.heappush(waiting, (outcomes[next_arrival].due, next_arrival))
            next_arrival += 1
        while busy and busy[0] <= moment:
            heapq.heappop(busy)
        free = role.handlers_at(moment) - len(busy)
        while free > 0 and waiting:
            _, index = heapq.heappop(waiting)
            outcome = outcomes[index]
            outcome.started = moment
            minutes = plan.handling_minutes.get(outcome.arrival.kind, 15)
            heapq.heappush(busy, moment + timedelta(minutes=minutes))
            free -= 1
        if moment.minute == 0:
            backlog.append((moment, len(waiting)))
        moment += MINUTE
    return backlog


def read_arrivals(path: Path) -> list[Arrival]:
    """A CSV with a header: ``at`` (ISO 8601 with offset), ``kind``, and optionally
    ``channel``, ``priority``, ``customer_tier``."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    arrivals = []
    for number, row in enumerate(rows, start=2):
        try:
            at = datetime.fromisoformat(row["at"])
        except (KeyError, ValueError) as exc:
            raise ValidationFailed(
                f"Line {number}: 'at' must be a date and time like 2026-07-06T09:30:00+08:00. "
                f"第{number}行：at 须为日期时间。"
            ) from exc
        if at.tzinfo is None:
            raise ValidationFailed(f"Line {number}: give 'at' with its UTC offset (+08:00).")
        extra: dict[str, Any] = {
            k: row[k] for k in ("channel", "priority", "customer_tier") if row.get(k)
        }
        arrivals.append(Arrival(at=at.astimezone(UTC), kind=row["kind"], **extra))
    return arrivals


# A typical working week per hour of the day (consultations, claim inquiries, claims), and
# the surge of a catastrophe: claims and inquiries multiplied on the days after the event.
BASE_PER_HOUR = {"consultation": 3.0, "claim_inquiry": 2.0, "claim_application": 2.5}
SURGE = (1.0, 8.0, 6.0, 4.0, 3.0, 2.0, 1.5)  # day 0 is the event


def catastrophe_week(first_day: date, *, timezone: str, seed: int = 7) -> list[Arrival]:
    """Seven days of arrivals from ``first_day``; the event strikes that evening."""
    rng = random.Random(seed)
    zone = ZoneInfo(timezone)
    arrivals = []
    for day_index, surge in enumerate(SURGE):
        day = first_day + timedelta(days=day_index)
        for hour in range(24):
            daytime = 1.0 if 8 <= hour < 21 else 0.25
            for kind, per_hour in BASE_PER_HOUR.items():
                factor = surge if kind != "consultation" else 1 + (surge - 1) / 3
                for _ in range(_poisson(rng, per_hour * daytime * factor)):
                    at = datetime(day.year, day.month, day.day, hour, tzinfo=zone) + timedelta(
                        seconds=rng.randrange(3600)
                    )
                    channel = rng.choice(("phone", "app", "web", "assistant"))
                    arrivals.append(Arrival(at.astimezone(UTC), kind, channel=channel))
    return arrivals


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small hourly means used here."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def chart(simulation: Simulation, path: Path) -> None:
    """Backlog per role over time, with each breach marked at its due time (SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(11, 4.5))
    for role, points in simulation.backlog.items():
        if points:
            # matplotlib plots datetimes (its stubs allow numbers only, hence the ignores)
            times = [p[0] for p in points]
            axes.plot(times, [p[1] for p in points], label=f"{role} backlog")  # type: ignore[arg-type]
    breaches = sorted(o.due for o in simulation.breaches())
    if breaches:
        counts = range(1, len(breaches) + 1)
        axes.plot(breaches, counts, color="red", label="breaches (cumulative)")  # type: ignore[arg-type]
    axes.set_xlabel("time (UTC)")
    axes.set_ylabel("items")
    axes.set_title("Capacity simulation: backlog and SLA breaches")
    axes.legend()
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, format="svg")
    pyplot.close(figure)
