"""A signed-in browser for the web pages, on the Starlette TestClient."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx2 import Response

from claimdesk.customers.models import Customer
from claimdesk.security.enums import Role
from tests.factories import PASSWORD, World

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: Response) -> str:
    match = _CSRF.search(page.text)
    assert match, "the page has no CSRF token"
    return match.group(1)


class Browser:
    """One person's cookie jar: signs in through /login and posts forms with the token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token = ""

    def get(self, url: str, **kwargs) -> Response:
        response = self.client.get(url, **kwargs)
        if _CSRF.search(response.text):
            self.token = csrf_of(response)
        return response

    def post(self, url: str, data: dict | None = None, **kwargs) -> Response:
        form = {"csrf_token": self.token, **(data or {})}
        return self.client.post(url, data=form, follow_redirects=False, **kwargs)

    def sign_in(self, username: str, password: str = PASSWORD) -> Response:
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password})
        assert response.status_code == 303, response.text
        return response


def signed_in(world: World, role: Role, customer: Customer | None = None) -> Browser:
    """A new browser (own cookies) signed in as a new user of this role."""
    world.login(role, customer)
    browser = Browser(TestClient(world.client.app))
    browser.sign_in(world.last_username)
    return browser
