"""Sign-in and public routes are rate limited per client address (429 with Retry-After in
the error shape); health probes are not."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
import redis
from fastapi.testclient import TestClient

from claimdesk.api.access import ACCESS, PUBLIC
from claimdesk.api.app import create_app
from claimdesk.api.ratelimit import RateLimiter
from claimdesk.security.enums import Role
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


def user_limited_client(container, storage_url: str, key_prefix: str) -> TestClient:
    settings = container.settings.model_copy(
        update={"rate_limit_user": "3/minute", "rate_limit_storage_url": storage_url}
    )
    app = create_app(dataclasses.replace(container, settings=settings))
    app.state.rate_limiter = RateLimiter(settings, key_prefix=key_prefix)
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("storage", ["memory://", "redis://127.0.0.1:6379/0"])
def test_a_signed_in_user_over_the_limit_gets_429_and_others_are_not_counted(
    container, world, storage
):
    prefix = f"claimdesk-test-load-{uuid.uuid4().hex}"
    first = world.login(Role.ADJUSTER)
    second = world.login(Role.ADJUSTER)
    try:
        with user_limited_client(container, storage, prefix) as client:
            codes = [client.get("/api/v1/auth/me", headers=first).status_code for _ in range(4)]
            other = client.get("/api/v1/auth/me", headers=second)
            anonymous = client.get("/healthz")
    finally:
        create_app(container)  # the suite's container is the installed one again
        if storage.startswith("redis"):
            server = redis.Redis.from_url(storage)
            for key in server.scan_iter(f"{prefix}:*"):
                server.delete(key)
    assert codes == [200, 200, 200, 429]
    assert other.status_code == 200 and anonymous.status_code == 200
