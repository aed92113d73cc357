"""Backup and restore: a consistent copy of the database and documents with a manifest,
restored only into an empty database (or with --force), and verified after restore."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from typer.testing import CliRunner

from claimdesk.audit.backup import BackupError, backup, restore
from claimdesk.cli import main as cli
from claimdesk.security.crypto import backup_key
from claimdesk.security.enums import Role
from tests import samples


@pytest.fixture
def key(container) -> bytes:
    return backup_key(container.settings)


@pytest.fixture
def filled(world):
    holder = world.customer("吴彦")
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(customer, world.policy(holder)).json()
    uploaded = world.client.post(
        f"/api/v1/claims/{claim['id']}/documents",
        files={"file": ("invoice.pdf", samples.pdf(samples.INVOICE_EN), "application/pdf")},
        headers=customer,
    )
    assert uploaded.status_code == 201, uploaded.text
    return claim


@pytest.fixture
def empty_target(container, tmp_path) -> Iterator[Engine]:
    """A second, empty database of the same kind as the test database."""
    url = container.engine.url
    if url.get_backend_name() == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'restored.db'}")
        yield engine
        engine.dispose()
        return
    name = f"{url.database}_restore"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(url).set(database=name))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def test_a_backup_restores_into_an_empty_database_and_verifies(
    container, filled, empty_target, tmp_path, key
):
    manifest = backup(
        container.engine,
        container.settings.data_dir,
        tmp_path / "b",
        now=container.clock.now(),
        key=key,
    )
    assert manifest.row_counts["claims"] == 1
    assert any(name.startswith("documents/") for name in manifest.files)
    restored_data = tmp_path / "restored-data"
    report = restore(empty_target, restored_data, tmp_path / "b", key=key)
    assert report.problems == []
    assert report.ok and report.ledger_entries == manifest.ledger_entries
    with empty_target.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM claims")).scalar_one() == 1
    assert len([p for p in (restored_data / "documents").rglob("*") if p.is_file()]) == 1


def test_restore_refuses_a_database_that_is_not_empty_without_force(
    container, filled, empty_target, tmp_path, key
):
    backup(
        container.engine,
        container.settings.data_dir,
        tmp_path / "b",
        now=container.clock.now(),
        key=key,
    )
    restore(empty_target, tmp_path / "d", tmp_path / "b", key=key)
    with pytest.raises(BackupError, match=r"not empty.*--force"):
        restore(empty_target, tmp_path / "d", tmp_path / "b", key=key)
    assert restore(empty_target, tmp_path / "d", tmp_path / "b", key=key, force=True).ok


def test_a_damaged_backup_is_refused_before_anything_is_restored(
    container, filled, empty_target, tmp_path, key
):
    backup(
        container.engine,
        container.settings.data_dir,
        tmp_path / "b",
        now=container.clock.now(),
        key=key,
    )
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    document = next(name for name in manifest["files"] if name.startswith("documents/"))
    path = tmp_path / "b" / document
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(BackupError, match=r"damaged.*does not match its checksum"):
        restore(empty_target, tmp_path / "d", tmp_path / "b", key=key)
    with empty_target.connect() as connection:
        tables = connection.execute(
            text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'claims'")
            if empty_target.dialect.name == "postgresql"
            else text("SELECT count(*) FROM sqlite_master WHERE name = 'claims'")
        ).scalar_one()
    assert tables == 0


def test_backup_refuses_a_folder_that_is_not_empty(container, tmp_path, key):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "old.txt").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        backup(
            container.engine,
            container.settings.data_dir,
            tmp_path / "b",
            now=container.clock.now(),
            key=key,
        )


def test_cli_backup_writes_a_manifest(container, filled, tmp_path, monkeypatch):
    result = CliRunner().invoke(cli.app, ["backup", str(tmp_path / "b")], obj=container)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "manifest.json").exists()
