"""A small, hand-built June 2026 whose KPIs are worked out by hand in test_kpis.py.

June 2026 in Shanghai: 1-5 and 8-12 are working days, 6-7 a weekend. Every claim is
reported at 10:00 local time unless said otherwise.

| claim | product  | channel | reported        | what happened                                   |
|-------|----------|---------|-----------------|-------------------------------------------------|
| c1    | MED-HOSP | web     | 06-01           | paid 1000.00 by the system, closed 06-05 (4 wd) |
| c2    | MED-HOSP | web     | 06-02           | documents requested; handler A assessed, B      |
|       |          |         |                 | approved; paid 2000.00; closed 06-09 (5 wd)     |
| c3    | MED-HOSP | phone   | 06-03           | referred to SIU, denied 06-03, closed 06-03 (0) |
| c4    | MED-HOSP | phone   | 06-04           | referred to SIU, approved, paid 500.00 by A     |
| c5    | MED-HOSP | web     | 06-08           | documents requested, still open                 |
| c6    | ACC-PLUS | web     | 06-01 01:00     | (05-31 17:00 UTC) open                          |
| out1  | MED-HOSP | web     | 05-31           | outside the period                              |
| out2  | MED-HOSP | web     | 07-01 01:00     | (06-30 17:00 UTC) outside the period            |

Tickets: a complaint 06-02 resolved 06-05 (3 wd), a complaint 06-08 open, a consultation
06-03. SLA clocks: met, breached, running past due (counts as breached), running, cancelled
(ignored), and a met clock started in May (outside). Surveys answered in June: 5, 2, 4;
one unanswered, one answered in July (outside).

Premiums: MED-HOSP 3650.00 for 2026 (365 days), ACC-PLUS 730.00 for 2026: June earns
300.00 and 60.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from claimdesk.claims.models import Claim
from claimdesk.core.db import unit_of_work
from claimdesk.policies.models import Policy
from claimdesk.security.enums import Role
from claimdesk.security.service import create_user
from claimdesk.support.models import SlaClock, Survey, Ticket
from tests.factories import World


def local(day: str, hour: int = 10) -> datetime:
    """A Shanghai wall-clock time as UTC."""
    return datetime.fromisoformat(f"2026-{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


@dataclass
class June:
    handler_a: int
    handler_b: int
    claims: dict[str, int]


@pytest.fixture
def june(world: World) -> June:
    customer = world.customer()
    med = world.policy(customer, "MED-HOSP")
    acc = world.policy(customer, "ACC-PLUS")
    sessions = world.container.sessions
    with unit_of_work(sessions) as session:
        a = create_user(
            session,
            username="handler-a",
            password="x" * 12,
            role=Role.ADJUSTER,
            now=world.now,
            hasher=world.container.hasher,
        )
        b = create_user(
            session,
            hasher=world.container.hasher,
            username="handler-b",
            password="x" * 12,
            role=Role.SENIOR_ADJUSTER,
            now=world.now,
        )
        session.flush()
        session.get(Policy, med.id).premium = Decimal("3650.00")
        session.get(Policy, acc.id).premium = Decimal("730.00")

        def claim(name: str, policy: Policy, channel: str, reported: datetime, **fields):
            row = Claim(
                number=f"T-{name}",
                policy_id=policy.id,
                customer_id=customer.id,
                claim_type="inpatient",
                channel=channel,
                incident_date=date(2026, 5, 20),
                description=name,
                claimed_amount=Decimal("5000.00"),
                reported_at=reported,
                status="reported",
                **fields,
            )
            session.add(row)
            return row

        made = {
            "c1": claim(
                "c1",
                med,
                "web",
                local("06-01"),
                paid_at=local("06-04"),
                paid_amount=Decimal("1000.00"),
                decided_at=local("06-03"),
                closed_at=local("06-05"),
            ),
            "c2": claim(
                "c2",
                med,
                "web",
                local("06-02"),
                awaiting_documents_at=local("06-02"),
                assessor_id=a.id,
                approver_id=b.id,
                decided_at=local("06-05"),
                paid_at=local("06-08"),
                paid_amount=Decimal("2000.00"),
                closed_at=local("06-09"),
            ),
            "c3": claim(
                "c3",
                med,
                "phone",
                local("06-03"),
                siu_referred=True,
                denied_at=local("06-03", 15),
                decided_at=local("06-03", 15),
                closed_at=local("06-03", 16),
            ),
            "c4": claim(
                "c4",
                med,
                "phone",
                local("06-04"),
                siu_referred=True,
                assessor_id=a.id,
                approver_id=b.id,
                decided_at=local("06-10"),
                paid_at=local("06-11"),
                paid_amount=Decimal("500.00"),
            ),
            "c5": claim("c5", med, "web", local("06-08"), awaiting_documents_at=local("06-08")),
            "c6": claim("c6", acc, "web", local("06-01", 1)),
            "out1": claim("out1", med, "web", local("05-31")),
            "out2": claim("out2", med, "web", local("07-01", 1)),
        }

        def ticket(name: str, kind: str, created: datetime, **fields):
            row = Ticket(
                number=f"TKT-{name}",
                kind=kind,
                channel="web",
                subject=name,
                customer_id=customer.id,
                product_code="MED-HOSP",
                created_at=created,
                status="open",
                **fields,
            )
            session.add(row)
            return row

        ticket("complaint-1", "complaint", local("06-02"), resolved_at=local("06-05"))
        ticket("complaint-2", "complaint", local("06-08"))
        consultation = ticket("consultation", "consultation", local("06-03"))
        session.flush()

        def clock(name: str, started: datetime, state: str, due: datetime, stopped=None):
            session.add(
                SlaClock(
                    ticket_id=consultation.id,
                    kind="consultation",
                    metric=name,
                    calendar="always",
                    target_seconds=3600,
                    started_at=started,
                    due_at=due,
                    stopped_at=stopped,
                    running_since=None if stopped else started,
                    state=state,
                )
            )

        clock("met", local("06-02"), "met", local("06-03"), local("06-02", 11))
        clock("breached", local("06-03"), "breached", local("06-03", 11), local("06-04"))
        clock("past-due", local("06-03", 12), "on_track", local("06-04"))  # breached by now
        clock("running", local("06-12"), "on_track", local("06-30"))
        clock("cancelled", local("06-05"), "cancelled", local("06-06"), local("06-05", 11))
        clock("may", local("05-20"), "met", local("05-21"), local("05-20", 11))

        def survey(key: str, score: int | None, responded: datetime | None):
            session.add(
                Survey(
                    key=key,
                    subject="claim",
                    customer_id=customer.id,
                    channel="web",
                    product_code="MED-HOSP",
                    created_at=local("06-01"),
                    expires_at=local("06-01") + timedelta(days=60),
                    score=score,
                    responded_at=responded,
                )
            )

        survey("s1", 5, local("06-05"))
        survey("s2", 2, local("06-10"))
        survey("s3", 4, local("06-11"))
        survey("s4", None, None)
        survey("s5", 1, local("07-02"))
        session.flush()
        return June(a.id, b.id, {name: row.id for name, row in made.items()})
