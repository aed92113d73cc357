"""The compliance report names staff who read far more sensitive records than their peers."""

from __future__ import annotations

from datetime import timedelta

from claimdesk.audit.models import SensitiveAccess
from claimdesk.compliance.audit_report import build_report, render_html
from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role
from claimdesk.security.service import SYSTEM
from tests.factories import World


def _user_id(world: World, role: Role) -> int:
    me = world.client.get("/api/v1/auth/me", headers=world.login(role)).json()
    return int(me["user_id"])


def test_a_user_reading_far_more_records_than_peers_is_a_finding(world: World) -> None:
    curious = _user_id(world, Role.AGENT)
    peers = [_user_id(world, Role.AGENT) for _ in range(3)]
    reads = [(curious, n) for n in range(60)] + [(p, n) for p in peers for n in range(4)]
    with unit_of_work(world.container.sessions) as session:
        session.add_all(
            SensitiveAccess(
                at=world.now - timedelta(hours=1), user_id=user, role="agent",
                table_name="customers", record_id=str(record), field="id_number",
                purpose="GET /api/v1/customers/x",
            )
            for user, record in reads
        )  # fmt: skip
    with unit_of_work(world.container.sessions) as session:
        report = build_report(
            session,
            actor=SYSTEM,
            start=world.now.date() - timedelta(days=1),
            end=world.now.date() + timedelta(days=1),
            sample_size=0,
            seed=1,
            settings=world.container.settings,
            now=world.now,
        )
    assert [line.user_id for line in report.access.unusual] == [curious]
    assert report.access.unusual[0].records == 60
    assert report.access.findings == 1
    html = render_html(report)
    assert "Access to sensitive personal data" in html
    assert report.access.unusual[0].username in html


def test_a_quiet_period_has_no_unusual_access(world: World) -> None:
    with unit_of_work(world.container.sessions) as session:
        report = build_report(
            session,
            actor=SYSTEM,
            start=world.now.date(),
            end=world.now.date(),
            sample_size=0,
            seed=1,
            settings=world.container.settings,
            now=world.now,
        )
    assert report.access.unusual == []
