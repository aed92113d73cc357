"""Pooled connections to a database server: reads in autocommit, pings only after idling,
the event loop's own read connection replaced after it was lost."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from claimdesk.bootstrap import Container
from claimdesk.core.db import LOOP_READS_APPLICATION, build_engine
from claimdesk.security.enums import Role


@pytest.fixture
def server_url(container: Container) -> str:
    url = container.settings.resolved_database_url
    if container.engine.dialect.name == "sqlite":
        pytest.skip("a database server's connections (SQLite has no server)")
    return url


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("select pg_backend_pid()")).scalar_one()


def test_a_connection_killed_while_idle_is_replaced_before_use(server_url):
    engine = build_engine(server_url, idle_ping_seconds=0.05)
    killer = create_engine(server_url)
    try:
        first = _backend(engine)
        with killer.connect() as connection:
            connection.execute(text("select pg_terminate_backend(:pid)"), {"pid": first})
        time.sleep(0.1)
        assert _backend(engine) != first  # pinged, found dead, replaced: no error
    finally:
        engine.dispose()
        killer.dispose()


def test_a_connection_in_constant_use_is_reused_without_a_ping(server_url):
    engine = build_engine(server_url, idle_ping_seconds=60)
    pings: list[object] = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(connection) or original(connection)  # type: ignore[method-assign]
    try:
        backends = {_backend(engine) for _ in range(5)}
        assert len(backends) == 1
        assert pings == []
    finally:
        engine.dispose()


def test_reads_run_in_autocommit_on_a_server(container: Container, server_url):
    with container.reads() as session:
        session.execute(text("select 1"))
        assert session.connection().connection.dbapi_connection.autocommit is True
    with container.sessions() as session:
        session.execute(text("select 1"))
        assert session.connection().connection.dbapi_connection.autocommit is False


def test_a_lost_loop_connection_is_dropped_and_opened_again_off_the_loop(
    container: Container, server_url, world
):
    """The status read's connection on the event loop, killed by the server: the read is
    still answered (from a worker thread) and a new loop connection is opened."""
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    policy = world.policy(holder)
    claim = world.report(customer, policy, bank_account_id=holder.bank_accounts[0].id).json()
    headers = world.staff(Role.ADJUSTER)
    path = f"/api/v1/claims/{claim['id']}"
    assert world.client.get(path, headers=headers).status_code == 200  # opens it

    def loop_backends() -> list[int]:
        with container.engine.connect() as connection:
            return list(
                connection.execute(
                    text(
                        "select pid from pg_stat_activity"
                        " where application_name = :name and datname = current_database()"
                    ),
                    {"name": LOOP_READS_APPLICATION},
                ).scalars()
            )

    [first] = loop_backends()
    with container.engine.connect() as connection:
        connection.execute(text("select pg_terminate_backend(:pid)"), {"pid": first})
    time.sleep(0.1)
    again = world.client.get(path, headers=headers)
    assert again.status_code == 200, again.text
    assert world.client.get(path, headers=headers).status_code == 200
    assert loop_backends() not in ([], [first])  # a new one, opened in a worker thread
