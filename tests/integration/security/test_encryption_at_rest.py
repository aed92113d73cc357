"""Issue 21, encryption at rest: after a medical claim with an uploaded scan, neither its
description nor the scan's bytes are anywhere in clear under the data folder, the database
files or a backup; restore with the right key gives the same data, a wrong key is refused."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from claimdesk.audit.backup import BackupError, backup, key_check, rekey, restore
from claimdesk.bootstrap import alembic_config
from claimdesk.claims.models import Claim, LossLine, description_hash
from claimdesk.cli import main as cli
from claimdesk.core.db import sqlite_file
from claimdesk.documents.storage import LocalBlobStore, is_encrypted
from claimdesk.fraud import service as fraud_service
from claimdesk.security import crypto
from claimdesk.security.crypto import backup_key
from claimdesk.security.enums import Role
from tests import samples

# Words no other test writes: the workers share a data folder between tests.
DESCRIPTION = "急性憩室炎住院 acute diverticulitis, admitted 3 days"
LINE = "乙状结肠切除术 sigmoidectomy"
WORDS = (DESCRIPTION, LINE, "急性憩室炎", "diverticulitis", "乙状结肠切除术", "sigmoidectomy")


def _needles(data: bytes) -> list[bytes]:
    """Windows of the scan: any of them found on disk means the scan lies there in clear."""
    step = max(len(data) // 8, 1)
    return [data[i : i + 48] for i in range(0, len(data) - 48, step)]


def _text_forms(*values: str) -> list[bytes]:
    """The texts as UTF-8 and as JSON escapes (how a JSON column would hold them)."""
    return [form for v in values for form in (v.encode(), json.dumps(v).strip('"').encode())]


def _files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.exists():
            yield from (p for p in root.rglob("*") if p.is_file())


def _found_in_clear(needles: list[bytes], *roots: Path) -> list[str]:
    return [
        f"{path}: {needle[:20]!r}"
        for path in _files(*roots)
        for needle in needles
        if needle in path.read_bytes()
    ]


@pytest.fixture
def medical_claim(world) -> dict:
    holder = world.customer("钱多多")
    customer = world.login(Role.CUSTOMER, holder)
    reported = world.report(
        customer,
        world.policy(holder),
        description=DESCRIPTION,
        loss_lines=[{"description": LINE, "amount": "5000.00"}],
    )
    assert reported.status_code == 201, reported.text
    claim = reported.json()
    scan = samples.png(samples.DISCHARGE_ZH)
    uploaded = world.client.post(
        f"/api/v1/claims/{claim['id']}/documents",
        files={"file": ("discharge.png", scan, "image/png")},
        headers=customer,
    )
    assert uploaded.status_code == 201, uploaded.text
    shown = world.client.get(f"/api/v1/claims/{claim['id']}", headers=customer)
    assert shown.json()["description"] == DESCRIPTION  # read back in clear
    return {"claim": claim, "scan": scan, "sha256": uploaded.json()["sha256"]}


@pytest.fixture
def empty_sqlite(tmp_path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    yield engine
    engine.dispose()


def _database_files(container) -> list[Path]:
    path = sqlite_file(container.engine.url.render_as_string(hide_password=False))
    if path is None:
        return []
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]


def test_nothing_of_a_medical_claim_lies_in_clear_on_disk_or_in_a_backup(
    container, medical_claim, tmp_path
):
    needles = _text_forms(*WORDS) + _needles(medical_claim["scan"])
    data_dir = container.settings.data_dir
    database = _database_files(container)
    if container.engine.dialect.name == "sqlite":
        assert database, "the SQLite file was not found"
        # Control: the search does find the scan where it lies in clear.
        (tmp_path / "control.bin").write_bytes(b".." + medical_claim["scan"] + b"..")
        assert _found_in_clear(_needles(medical_claim["scan"]), tmp_path)
    assert _found_in_clear(needles, data_dir, *database) == []
    stored = list(_files(data_dir / "documents"))
    assert stored and all(is_encrypted(p.read_bytes()) for p in stored)

    key = backup_key(container.settings)
    backup(container.engine, data_dir, tmp_path / "b", now=container.clock.now(), key=key)
    assert _found_in_clear(needles, tmp_path / "b") == []


@pytest.mark.skipif(
    bool(os.environ.get("CLAIMDESK_TEST_DATABASE_URL")), reason="restores into SQLite"
)
def test_restore_with_the_right_key_gives_the_same_data_and_a_wrong_key_is_refused(
    container, medical_claim, empty_sqlite, tmp_path
):
    key = backup_key(container.settings)
    backup(
        container.engine,
        container.settings.data_dir,
        tmp_path / "b",
        now=container.clock.now(),
        key=key,
    )
    with pytest.raises(BackupError, match="backup key does not match"):
        restore(empty_sqlite, tmp_path / "r", tmp_path / "b", key=os.urandom(32))
    assert not (tmp_path / "r" / "documents").exists()

    report = restore(empty_sqlite, tmp_path / "r", tmp_path / "b", key=key)
    assert report.ok, report.problems
    claim_id = medical_claim["claim"]["id"]
    with Session(empty_sqlite) as session, Session(container.engine) as original:
        for model in (Claim, LossLine):
            rows = lambda s, m=model: [  # noqa: E731
                {c.key: getattr(r, c.key) for c in m.__table__.columns}
                for r in s.scalars(select(m).order_by(m.id))
            ]
            assert rows(session) == rows(original)
        assert session.get(Claim, claim_id).description == DESCRIPTION
    restored = LocalBlobStore(tmp_path / "r" / "documents", crypto.keyring())
    assert restored.get(medical_claim["sha256"]) == medical_claim["scan"]


def test_a_backup_rekeyed_under_a_new_key_restores_only_with_it(container, medical_claim, tmp_path):
    old, new = backup_key(container.settings), os.urandom(32)
    backup(
        container.engine,
        container.settings.data_dir,
        tmp_path / "b",
        now=container.clock.now(),
        key=old,
    )
    assert rekey(tmp_path / "b", old_key=old, new_key=new) > 1
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    with pytest.raises(BackupError, match="backup key does not match"):
        rekey(tmp_path / "b", old_key=old, new_key=new)
    assert manifest["encryption"]["key_check"] != ""
    if container.engine.dialect.name == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
        assert restore(engine, tmp_path / "r", tmp_path / "b", key=new).ok
        engine.dispose()


def test_rotate_keys_covers_free_text_and_document_files(
    world, container, medical_claim, monkeypatch
):
    before = crypto.keyring()
    try:
        rotated = crypto.Keyring(
            keys={**before.keys, "2027": base64.b64decode(crypto.new_key())},
            active="2027",
            search_key=before.search_key,
            signing_seed=before.signing_seed,
        )
        crypto.install(rotated)
        # The container's store holds the key ring it was built with: give it the new one.
        monkeypatch.setattr(container, "blobs", LocalBlobStore(container.blobs.root, rotated))
        result = CliRunner().invoke(cli.app, ["security", "rotate-keys"], obj=container)
        assert result.exit_code == 0, result.output
        assert "claims.description" in result.output
        assert "1 data keys re-wrapped" in result.output
        with container.engine.connect() as connection:
            stored = connection.execute(
                text("SELECT description FROM claims WHERE id = :id"),
                {"id": medical_claim["claim"]["id"]},
            ).scalar_one()
        assert crypto.key_id(stored) == "2027"
        # The old key can go: the claim and its scan still read.
        crypto.install(
            crypto.Keyring(
                keys={"2027": rotated.keys["2027"]},
                active="2027",
                search_key=before.search_key,
                signing_seed=before.signing_seed,
            )
        )
        store = LocalBlobStore(container.blobs.root, crypto.keyring())
        assert store.get(medical_claim["sha256"]) == medical_claim["scan"]
        staff = world.staff(Role.ADJUSTER)
        shown = world.client.get(f"/api/v1/claims/{medical_claim['claim']['id']}", headers=staff)
        assert shown.json()["description"] == DESCRIPTION
    finally:
        crypto.install(before)


def _stored(container, claim_id: int) -> tuple[str, str, str | None]:
    with container.engine.connect() as connection:
        description = connection.execute(
            text("SELECT description FROM claims WHERE id = :id"), {"id": claim_id}
        ).scalar_one()
        line = (
            connection.execute(
                text("SELECT * FROM loss_lines WHERE claim_id = :id"), {"id": claim_id}
            )
            .one()
            ._mapping
        )
    return description, line["description"], line.get("description_hash")


def _migrate(container, step: str) -> None:
    config = alembic_config(container)
    with container.engine.begin() as connection:
        config.attributes["connection"] = connection
        if step == "up":
            command.upgrade(config, "heads")
        else:
            command.downgrade(config, "encryption@-1")


def test_migration_0015enc_encrypts_rows_stored_in_clear_and_downgrade_decrypts(
    container, medical_claim
):
    claim_id = medical_claim["claim"]["id"]
    try:
        _migrate(container, "down")
        description, line, line_hash = _stored(container, claim_id)
        assert (description, line, line_hash) == (DESCRIPTION, LINE, None)
    finally:
        _migrate(container, "up")
    description, line, line_hash = _stored(container, claim_id)
    assert crypto.key_id(description) == crypto.keyring().active
    assert crypto.key_id(line) == crypto.keyring().active
    assert line_hash == description_hash(LINE)
    with Session(container.engine) as session:
        claim = session.get(Claim, claim_id)
        assert claim.description == DESCRIPTION
        assert [x.description for x in claim.loss_lines] == [LINE]


def test_the_same_loss_line_on_another_claim_is_still_found_through_its_keyed_hash(
    world, container
):
    def report(name: str, text_: str) -> int:
        holder = world.customer(name)
        customer = world.login(Role.CUSTOMER, holder)
        reported = world.report(
            customer,
            world.policy(holder),
            loss_lines=[{"description": text_, "amount": "5000.00"}],
        )
        assert reported.status_code == 201, reported.text
        return reported.json()["id"]

    first = report("甲", "iPhone 15 Pro 屏幕碎裂")
    report("乙", "Laptop stolen")
    second = report("丙", "iphone 15  pro 屏幕碎裂")  # spacing and case differ
    with Session(container.engine) as session:
        shared = fraud_service._shared_loss_lines(session, session.get(Claim, second))
        first_number = session.get(Claim, first).number
    assert [(s.description, s.other_claim) for s in shared] == [
        ("iPhone 15 Pro 屏幕碎裂", first_number)
    ]


def test_cli_restore_refuses_a_wrong_key_and_rekey_backup_moves_a_backup_to_the_current_key(
    container, medical_claim, tmp_path, monkeypatch
):
    other = os.urandom(32)
    now = container.clock.now()
    backup(container.engine, container.settings.data_dir, tmp_path / "b", now=now, key=other)
    refused = CliRunner().invoke(cli.app, ["restore", str(tmp_path / "b")], obj=container)
    assert refused.exit_code == 2
    assert "backup key does not match" in refused.output

    unchanged = CliRunner().invoke(
        cli.app, ["security", "rekey-backup", str(tmp_path / "b")], obj=container
    )
    assert unchanged.exit_code == 2 and "backup key does not match" in unchanged.output
    monkeypatch.setenv("CLAIMDESK_OLD_BACKUP_KEY", base64.b64encode(other).decode())
    moved = CliRunner().invoke(
        cli.app, ["security", "rekey-backup", str(tmp_path / "b")], obj=container
    )
    assert moved.exit_code == 0, moved.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["encryption"]["key_check"] == key_check(backup_key(container.settings))
