"""Dashboards say when their figures were taken (on every figure) and refresh on demand;
the loss ratio says how it is defined."""

from __future__ import annotations

from claimdesk.security.enums import Role
from tests.integration.web.pages import signed_in

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


def test_every_figure_says_as_of_when_and_a_refresh_reads_the_database(world):
    holder = world.customer("韩梅", name_en="Han Mei")
    world.policy(holder)
    supervisor = signed_in(world, Role.SUPERVISOR)
    page = supervisor.get("/staff/dashboards", headers=EN).text
    assert 'id="as-of"' in page and 'id="refresh"' in page
    charts = page.count('<section class="card"><h2>')  # one card per chart
    assert charts >= 10
    assert page.count("As of ") >= charts + 2  # each chart, the summary and the loss ratio
    assert "live=1" in page and 'id="loss-ratio-definition"' in page
    live = supervisor.get("/staff/dashboards?live=1", headers=EN).text
    assert "read from the database now" in live
    chinese = supervisor.get("/staff/dashboards?live=1", headers=ZH).text
    assert "数据截至" in chinese and "As of" not in chinese


def test_a_bad_date_is_explained_in_the_readers_language(world):
    supervisor = signed_in(world, Role.SUPERVISOR)
    page = supervisor.get("/staff/dashboards?first=June", headers=ZH)
    assert page.status_code == 422
    assert "请按 YYYY-MM-DD 填写" in page.text and "write it as" not in page.text
