"""Shared fixtures. The database is SQLite unless CLAIMDESK_TEST_DATABASE_URL names another.

Run the suite on PostgreSQL with
``CLAIMDESK_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test pytest``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from claimdesk.api.app import create_app
from claimdesk.assistant.embedding import HashingEmbedder
from claimdesk.bootstrap import Container, build, upgrade_database
from claimdesk.config import Settings
from claimdesk.core.clock import FixedClock
from claimdesk.core.db import Base
from claimdesk.policies.service import ensure_catalogue
from tests.e2e.worker_with_test_job import WRITE_AFTER_PAUSE
from tests.factories import World

START = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("CLAIMDESK_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'claimdesk.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _database_of_worker(url, worker) if worker else url


def _database_of_worker(url: str, worker: str) -> str:
    """Under pytest-xdist each worker empties its own PostgreSQL database: ``<name>_<worker>``,
    created beside the named one when missing."""
    named = make_url(url)
    own = named.set(database=f"{named.database}_{worker}")
    server = create_engine(named.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    server.dispose()
    return own.render_as_string(hide_password=False)


def _drop_everything(container: Container) -> None:
    with container.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    data_dir: Path = tmp_path_factory.mktemp("data")
    settings = Settings(
        environment="test",
        database_url=_database_url(tmp_path_factory),
        data_dir=data_dir,
        # High enough for every test; tests of the limits set their own.
        rate_limit_login="10000/minute",
        rate_limit_public="10000/minute",
        rate_limit_user="100000/minute",
        # Webhook tests send to receivers on this machine.
        webhook_allowed_networks=["127.0.0.1/32"],
        # Tests do not wait for the model at every client's start.
        assistant_warm_up=False,
    )
    container = build(
        settings,
        clock=FixedClock(START),
        embedder=HashingEmbedder(),
        # Thousands of test sign-ins: a cheap argon2 cost (the hash records its own
        # parameters, so verification is unchanged); served processes keep the real cost.
        hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
        extra_tasks=[WRITE_AFTER_PAUSE],
    )
    # Background jobs run inline, right after the commit that queued them.
    container.runner.huey.immediate = True
    _drop_everything(container)
    upgrade_database(container)
    yield container
    _drop_everything(container)
    container.loop_reads.close()
    container.engine.dispose()


@pytest.fixture(autouse=True)
def clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that touches the database starts from the product catalogue only
    (and no stored document files)."""
    if "container" not in request.fixturenames:
        yield
        return
    container: Container = request.getfixturevalue("container")
    assert isinstance(container.clock, FixedClock)
    container.clock.at = START
    yield
    with container.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    container.claims.clear()  # the next test's claims reuse ids and versions
    with container.sessions.begin() as session:
        ensure_catalogue(session)
    shutil.rmtree(container.settings.data_dir / "documents", ignore_errors=True)


@pytest.fixture
def clock(container: Container) -> FixedClock:
    assert isinstance(container.clock, FixedClock)
    return container.clock


@pytest.fixture
def session(container: Container) -> Iterator[Session]:
    with container.sessions() as session:
        yield session


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def world(container: Container, client: TestClient) -> World:
    return World(container, client)
