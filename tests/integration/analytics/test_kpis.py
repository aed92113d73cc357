"""KPIs over the hand-built June in conftest.py; every expected value is worked out there."""

from __future__ import annotations

import io
import shutil
from datetime import date, timedelta
from decimal import Decimal

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from claimdesk.analytics import service
from claimdesk.analytics.facts import write_snapshot
from claimdesk.cli import analytics as cli
from claimdesk.security.enums import Role
from claimdesk.security.service import Actor
from tests.factories import World
from tests.integration.analytics.conftest import June

JUNE = {"period_from": date(2026, 6, 1), "period_to": date(2026, 6, 30)}
SUPERVISOR = Actor(user_id=None, role=Role.SUPERVISOR)


def test_june_kpis_match_the_hand_count(world: World, june: June, session) -> None:
    report = service.kpis(session, actor=SUPERVISOR, now=world.now, **JUNE)
    kpis = report.totals

    assert kpis.claims_reported == 6  # c1-c6; c6 at 01:00 local on 06-01 is in June
    assert kpis.claims_closed == 3
    assert kpis.cycle_time_mean_days == 3.0  # (4 + 5 + 0) / 3
    assert kpis.cycle_time_median_days == 4.0
    assert kpis.cycle_time_p90_days == 4.8  # 4 + 0.8 * (5 - 4)
    assert kpis.straight_through_rate == round(1 / 6, 4)  # c1
    assert kpis.documents_incomplete_rate == round(2 / 6, 4)  # c2, c5
    assert kpis.sla_clocks_ended == 3
    assert kpis.sla_compliance == round(1 / 3, 4)
    assert kpis.complaints == 2
    assert kpis.complaint_rate_per_1000_claims == 333.33
    assert kpis.complaint_resolution_mean_days == 3.0
    assert kpis.csat_responses == 3
    assert kpis.csat_mean == 3.67
    assert kpis.csat_satisfied_rate == round(2 / 3, 4)
    assert kpis.paid_amount == Decimal("3500.00")
    assert kpis.siu_referrals_decided == 2
    assert kpis.fraud_referral_hit_rate == 0.5

    ratios = {row.product: row for row in report.loss_ratio_by_product}
    assert ratios["MED-HOSP"].earned_premium == Decimal("300.00")
    assert ratios["MED-HOSP"].paid_amount == Decimal("3500.00")
    assert ratios["MED-HOSP"].loss_ratio == round(3500 / 300, 4)
    assert ratios["ACC-PLUS"].earned_premium == Decimal("60.00")
    assert ratios["ACC-PLUS"].loss_ratio == 0.0


def test_filters_narrow_every_kpi_to_the_channel_product_or_handler(
    world: World, june: June, session
) -> None:
    phone = service.kpis(session, actor=SUPERVISOR, now=world.now, channel="phone", **JUNE)
    assert phone.totals.claims_reported == 2
    assert phone.totals.cycle_time_mean_days == 0.0  # only c3 closed
    assert phone.totals.complaints == 0  # both complaints came by web
    assert phone.loss_ratio_by_product == []  # premium has no channel

    accident = service.kpis(session, actor=SUPERVISOR, now=world.now, product="ACC-PLUS", **JUNE)
    assert accident.totals.claims_reported == 1
    assert accident.totals.csat_responses == 0
    assert [r.product for r in accident.loss_ratio_by_product] == ["ACC-PLUS"]

    handler = service.kpis(session, actor=SUPERVISOR, now=world.now, handler=june.handler_a, **JUNE)
    assert handler.totals.claims_reported == 2  # c2 and c4
    assert handler.totals.paid_amount == Decimal("2500.00")


def test_breakdown_by_channel_and_by_week_gives_chart_rows(world: World, june: June, session):
    by_channel = service.breakdown(session, actor=SUPERVISOR, now=world.now, by="channel", **JUNE)
    counts = {row.group: row.claims_reported for row in by_channel.rows}
    assert counts == {"phone": 2, "web": 4}

    by_week = service.breakdown(session, actor=SUPERVISOR, now=world.now, by="week", **JUNE)
    weeks = {row.group: row.claims_reported for row in by_week.rows}
    assert weeks == {"2026-W23": 5, "2026-W24": 1}
    assert [row.group for row in by_week.rows] == sorted(weeks)


def test_a_parquet_snapshot_gives_the_same_kpis_as_the_live_database(
    world: World, june: June, session, tmp_path
) -> None:
    write_snapshot(session, tmp_path, timezone="Asia/Shanghai", now=world.now)
    live = service.kpis(session, actor=SUPERVISOR, now=world.now, channel="web", **JUNE)
    snap = service.kpis(
        None, actor=SUPERVISOR, now=world.now, channel="web", snapshot=tmp_path, **JUNE
    )
    assert snap.totals == live.totals
    assert snap.loss_ratio_by_product == live.loss_ratio_by_product


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_exports_read_back_to_the_same_figures(world: World, june: June, session, fmt) -> None:
    report = service.breakdown(session, actor=SUPERVISOR, now=world.now, by="channel", **JUNE)
    data = service.export_bytes(report, fmt)
    table = pa_csv.read_csv(io.BytesIO(data)) if fmt == "csv" else pq.read_table(io.BytesIO(data))
    rows = {row["group"]: row for row in table.to_pylist()}
    for row in report.rows:
        back = rows[row.group]
        assert back["claims_reported"] == row.claims_reported
        assert back["cycle_time_mean_days"] == row.cycle_time_mean_days
        assert Decimal(str(back["paid_amount"])) == row.paid_amount


def test_kpis_over_http_for_a_supervisor_and_refused_for_an_adjuster(
    world: World, june: June
) -> None:
    query = "from=2026-06-01&to=2026-06-30"
    response = world.client.get(
        f"/api/v1/metrics/kpis?{query}", headers=world.staff(Role.SUPERVISOR)
    )
    assert response.status_code == 200, response.text
    assert response.json()["totals"]["claims_reported"] == 6
    assert response.json()["totals"]["paid_amount"] == "3500.00"

    csv = world.client.get(
        f"/api/v1/metrics/kpis/breakdown?by=product&format=csv&{query}",
        headers=world.staff(Role.SUPERVISOR),
    )
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert b"MED-HOSP" in csv.content

    refused = world.client.get(f"/api/v1/metrics/kpis?{query}", headers=world.staff(Role.ADJUSTER))
    assert refused.status_code == 403


def test_a_period_that_ends_before_it_starts_is_refused(world: World) -> None:
    response = world.client.get(
        "/api/v1/metrics/kpis?from=2026-06-30&to=2026-06-01",
        headers=world.staff(Role.SUPERVISOR),
    )
    assert response.status_code == 422
    assert "swap" in response.json()["error"]["message"]


def test_the_api_answers_from_a_fresh_snapshot_and_live_on_request(
    world: World, june: June, session, clock
) -> None:
    folder = service.snapshot_folder(world.container.settings.data_dir)
    write_snapshot(session, folder, timezone="Asia/Shanghai", now=world.now)
    url = "/api/v1/metrics/kpis?from=2026-06-01&to=2026-06-30"
    headers = world.staff(Role.SUPERVISOR)
    try:
        from_snapshot = world.client.get(url, headers=headers).json()
        assert from_snapshot["source"].startswith("snapshot 2026-06-15")
        live = world.client.get(f"{url}&live=true", headers=headers).json()
        assert live["source"] == "live"
        assert live["totals"] == from_snapshot["totals"]
        clock.advance(service.SNAPSHOT_MAX_AGE + timedelta(minutes=1))
        assert world.client.get(url, headers=headers).json()["source"] == "live"
    finally:
        shutil.rmtree(folder)


def test_the_export_command_writes_parquet_that_reads_back(
    world: World, june: June, container, monkeypatch, tmp_path
) -> None:
    out = tmp_path / "kpis.parquet"
    result = CliRunner().invoke(
        cli.app,
        ["export", "--format", "parquet", "--out", str(out), "--from", "2026-06-01",
         "--to", "2026-06-30", "--by", "channel"],
        obj=container,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["group"]: r for r in pq.read_table(out).to_pylist()}
    assert rows["web"]["claims_reported"] == 4 and rows["phone"]["claims_reported"] == 2
    assert rows["web"]["paid_amount"] == "3000.00"
