"""Sign-in and public routes are rate limited per client address (429 with Retry-After in
the error shape); health probes are not."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from claimdesk.api.access import ACCESS, PUBLIC
from claimdesk.api.app import create_app
from tests.integration.web.pages import Browser


@pytest.fixture
def strict_client(container):
    settings = container.settings.model_copy(
        update={"rate_limit_login": "3/minute", "rate_limit_public": "2/minute"}
    )
    app = create_app(dataclasses.replace(container, settings=settings))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    create_app(container)  # the suite's container is the installed one again


def test_the_fourth_sign_in_within_a_minute_is_refused_with_retry_after(strict_client):
    attempts = [
        strict_client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
        for _ in range(4)
    ]
    assert [r.status_code for r in attempts] == [401, 401, 401, 429]
    refused = attempts[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert set(refused.json()["error"]) == {"code", "message", "details"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_public_routes_share_the_public_limit(strict_client):
    public = sorted(k for k, rule in ACCESS.items() if rule == PUBLIC and k.startswith("GET "))
    if not public:
        pytest.skip("no public GET route to try")
    path = public[0].split(" ", 1)[1]
    codes = [strict_client.get(path).status_code for _ in range(3)]
    assert codes[:2] != [429, 429] and codes[2] == 429


def test_health_probes_are_never_rate_limited(strict_client):
    assert {strict_client.get("/healthz").status_code for _ in range(5)} == {200}


def test_the_web_sign_in_page_shares_the_sign_in_limit(strict_client):
    browser = Browser(strict_client)
    browser.get("/login")
    attempts = [browser.post("/login", {"username": "nobody", "password": "x"}) for _ in range(4)]
    assert [r.status_code for r in attempts] == [401, 401, 401, 429]
    refused = attempts[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert 'value="nobody"' in refused.text  # the form comes back as typed
