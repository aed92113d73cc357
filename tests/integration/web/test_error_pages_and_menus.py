"""Browsers get error pages in their language (not JSON), the pages link the favicon, and
every menu entry opens for the role that sees it."""

from __future__ import annotations

import re

import pytest

from claimdesk.security.enums import Role
from tests.integration.web.pages import signed_in

HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
MENU = re.compile(r'<nav aria-label="[^"]+">(.*?)</nav>', re.S)


def test_an_unknown_page_is_a_page_in_the_browsers_language(world):
    english = world.client.get("/no-such-page", headers={"Accept": HTML, "Accept-Language": "en"})
    assert english.status_code == 404
    assert english.headers["content-type"].startswith("text/html")
    assert "Page not found" in english.text and 'lang="en"' in english.text
    chinese = world.client.get("/no-such-page", headers={"Accept": HTML, "Accept-Language": "zh"})
    assert chinese.status_code == 404 and "页面不存在" in chinese.text
    assert "Page not found" not in chinese.text


def test_an_address_whose_id_is_not_a_number_is_a_422_page_in_the_readers_language(world):
    supervisor = signed_in(world, Role.SUPERVISOR)
    supervisor.get("/staff")  # a page first: the form token
    for path in ("/staff/tickets/x", "/staff/claims/abc"):
        chinese = supervisor.client.get(path, headers={"Accept-Language": "zh-CN"})
        assert chinese.status_code == 422
        assert "提交的内容有误" in chinese.text and "Some of what was sent" not in chinese.text
    deleted = supervisor.client.post(
        "/staff/ticket-filters/abc/delete",
        data={"csrf_token": supervisor.token},
        headers={"Accept-Language": "en"},
    )
    assert deleted.status_code == 422 and "Some of what was sent is not valid" in deleted.text


def test_the_api_and_clients_not_asking_for_html_still_get_json(world):
    api = world.client.get("/api/v1/no-such-thing", headers={"Accept": HTML})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    plain = world.client.get("/no-such-page")
    assert plain.json()["error"]["code"] == "not_found"


def test_a_signed_in_user_keeps_their_menu_on_an_error_page(world):
    adjuster = signed_in(world, Role.ADJUSTER)
    page = adjuster.get("/staff/nothing-here", headers={"Accept": HTML, "Accept-Language": "en"})
    assert page.status_code == 404
    assert 'href="/staff/intake"' in page.text


def test_the_pages_link_a_favicon_that_is_served(world):
    page = world.client.get("/login")
    assert '<link rel="icon" href="/static/favicon.svg"' in page.text
    icon = world.client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.text.startswith("<svg")


@pytest.mark.parametrize(
    "role",
    [Role.CUSTOMER, Role.AGENT, Role.ADJUSTER, Role.SUPERVISOR, Role.INVESTIGATOR, Role.AUDITOR],
)
def test_every_menu_entry_opens_for_the_role_that_sees_it(world, role):
    customer = world.customer("韩梅", name_en="Han Mei") if role == Role.CUSTOMER else None
    browser = signed_in(world, role, customer)
    home = browser.get("/" if role == Role.CUSTOMER else "/staff", headers={"Accept": HTML})
    links = re.findall(r'href="([^"]+)"', MENU.search(home.text).group(1))
    assert links, home.text
    for link in links:
        page = browser.get(link.replace("&amp;", "&"), headers={"Accept": HTML})
        assert page.status_code == 200, f"{role}: {link} answers {page.status_code}"


def test_the_auditor_is_not_offered_the_intake_they_may_not_use(world):
    auditor = signed_in(world, Role.AUDITOR)
    home = auditor.get("/staff")
    assert 'href="/staff/intake"' not in home.text
    assert 'href="/staff/dashboards"' in home.text
    assert auditor.get("/staff/intake").status_code == 403
