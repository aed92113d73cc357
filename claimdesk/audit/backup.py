"""Backup and restore of the database and the document store, consistent while the server
runs, with a manifest of checksums, row counts and the ledger head, verified after restore.

- SQLite: the online backup API copies a consistent snapshot page by page.
- PostgreSQL: ``pg_dump --format=custom`` under a snapshot exported from a REPEATABLE READ
  transaction, in which the row counts are taken too (dump and counts see the same data).
- Documents are immutable, content-addressed files written before the row that names them
  commits; they are copied after the database snapshot, so every document it names is there.
- Every file of the backup is encrypted with the backup key (CLAIMDESK_BACKUP_KEY): AES-256-GCM
  in 1 MiB chunks, each sealed with a random per-file nonce prefix and its counter, and with the
  file's name and whether it is the last chunk as associated data (a file renamed, reordered
  or cut short does not decrypt). The manifest (checksums of the encrypted files, row counts,
  the ledger head: no personal data) stays readable, with a key check value: restore refuses
  a wrong key before touching anything. Backups of format /1 (in clear) still restore.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, create_engine, func, inspect, select, table, text
from sqlalchemy.orm import Session

from claimdesk.audit import service
from claimdesk.core.db import Base
from claimdesk.documents.storage import LocalBlobStore
from claimdesk.security.crypto import keyring

FORMAT = "claimdesk-backup/2"
CLEAR_FORMAT = "claimdesk-backup/1"  # before backups were encrypted: still restored
CIPHER = "AES-256-GCM/1MiB-chunks"
MAGIC = b"CDB1"
CHUNK = 1 << 20
PREFIX = 8  # random per-file nonce prefix; the last 4 bytes count the chunks
TAG = 16
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
DOCUMENTS = "documents"
# Tables whose rows make a database "not empty" (the catalogue is loaded on every upgrade).
DATA_TABLES = ("users", "customers", "policies", "claims", "audit_entries")


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass
class Manifest:
    format: str
    created_at: str
    database: str  # sqlite or postgresql
    ledger_entries: int
    ledger_head: str
    row_counts: dict[str, int]
    files: dict[str, dict[str, int | str]] = field(default_factory=dict)
    encryption: dict[str, str] | None = None  # cipher and key check; None: format /1, in clear


@dataclass(frozen=True)
class RestoreReport:
    ok: bool
    problems: list[str]
    ledger_entries: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def key_check(key: bytes) -> str:
    """Identifies the backup key without revealing it (HMAC of a fixed label)."""
    return hmac.new(key, b"claimdesk backup key check", hashlib.sha256).hexdigest()[:32]


def _aad(name: str, last: bool) -> bytes:
    return name.encode() + (b"\0last" if last else b"\0more")


def encrypt_file(key: bytes, source: Path, destination: Path, name: str) -> None:
    """Write source encrypted to destination, chunk by chunk (``name`` is bound to it)."""
    prefix = os.urandom(PREFIX)
    sealer = AESGCM(key)
    with source.open("rb") as reader, destination.open("wb") as writer:
        writer.write(MAGIC + prefix)
        counter, block = 0, reader.read(CHUNK)
        while True:
            following = reader.read(CHUNK)
            last = not following
            nonce = prefix + counter.to_bytes(4, "big")
            writer.write(sealer.encrypt(nonce, block, _aad(name, last)))
            if last:
                return
            counter, block = counter + 1, following


def decrypt_file(key: bytes, source: Path, destination: Path, name: str) -> None:
    """The reverse of :func:`encrypt_file`; a wrong key or altered file raises BackupError."""
    opener = AESGCM(key)
    with source.open("rb") as reader, destination.open("wb") as writer:
        head = reader.read(len(MAGIC) + PREFIX)
        if not head.startswith(MAGIC):
            raise BackupError(f"{name} in the backup is not encrypted as expected.")
        prefix = head[len(MAGIC) :]
        counter, block = 0, reader.read(CHUNK + TAG)
        while True:
            following = reader.read(CHUNK + TAG)
            nonce = prefix + counter.to_bytes(4, "big")
            try:
                writer.write(opener.decrypt(nonce, block, _aad(name, not following)))
            except InvalidTag as exc:
                raise BackupError(
                    f"{name} in the backup does not decrypt with this backup key (or was "
                    "altered); nothing usable was restored from it."
                ) from exc
            if not following:
                return
            counter, block = counter + 1, following


def _row_counts(connection: Connection) -> dict[str, int]:
    present = set(inspect(connection).get_table_names())
    return {
        t.name: connection.execute(select(func.count()).select_from(table(t.name))).scalar_one()
        for t in Base.metadata.sorted_tables
        if t.name in present
    }


def _pg_environment(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (which goes in PGPASSWORD, not the process list)."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str, server_major: int) -> str:
    """The pg_dump / pg_restore on PATH, if its major version can handle the server's."""
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools.")
    version = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True)
    found = re.search(r"\) (\d+)", version.stdout)
    if found is None or int(found.group(1)) < server_major:
        raise BackupError(
            f"{name} is older than the server (major version {server_major}); install the "
            "client tools of the same or a newer version."
        )
    return tool


def _server_major(connection: Connection) -> int:
    return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _ledger_head(connection: Connection) -> str:
    head = connection.execute(
        text("SELECT hash FROM audit_entries ORDER BY seq DESC LIMIT 1")
    ).scalar_one_or_none()
    return head or ""


def backup(engine: Engine, data_dir: Path, target: Path, *, now: datetime, key: bytes) -> Manifest:
    """Write a consistent copy of the database and documents, encrypted with ``key``, and its
    manifest, to target."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; back up into a new folder.")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target, prefix=".clear-") as scratch:
        if engine.dialect.name == "sqlite":
            name = SQLITE_FILE
            counts, head = _backup_sqlite(engine, Path(scratch) / name)
        elif engine.dialect.name == "postgresql":
            name = PG_FILE
            counts, head = _backup_postgresql(engine, Path(scratch) / name)
        else:
            raise BackupError(f"Backups of {engine.dialect.name} databases are not supported.")
        encrypt_file(key, Path(scratch) / name, target / name, name)
    source = data_dir / DOCUMENTS
    for path in sorted(source.rglob("*") if source.exists() else []):
        if path.is_file() and not path.name.startswith("."):
            relative = (Path(DOCUMENTS) / path.relative_to(source)).as_posix()
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            encrypt_file(key, path, target / relative, relative)
    manifest = Manifest(
        FORMAT,
        now.isoformat(),
        engine.dialect.name,
        counts.get("audit_entries", 0),
        head,
        counts,
        encryption={"cipher": CIPHER, "key_check": key_check(key)},
    )
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        name = path.relative_to(target).as_posix()
        manifest.files[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
    _write_manifest(target, manifest)
    return manifest


def _backup_sqlite(engine: Engine, destination: Path) -> tuple[dict[str, int], str]:
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(destination) as copy:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)  # a SQLite engine's connection
            source.backup(copy)
    finally:
        raw.close()
    copy_engine = create_engine(f"sqlite:///{destination}")
    try:
        with copy_engine.connect() as connection:
            return _row_counts(connection), _ledger_head(connection)
    finally:
        copy_engine.dispose()


def _backup_postgresql(engine: Engine, destination: Path) -> tuple[dict[str, int], str]:
    url, env = _pg_environment(engine)
    with engine.connect() as connection:
        tool = _pg_tool("pg_dump", _server_major(connection))
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        counts, head = _row_counts(connection), _ledger_head(connection)
        command = [tool, "--format=custom", "--no-owner", f"--snapshot={snapshot}"]
        done = subprocess.run(
            [*command, "-f", str(destination), url], env=env, capture_output=True, text=True
        )
        connection.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return counts, head


def read_manifest(source: Path) -> Manifest:
    path = source / MANIFEST
    if not path.exists():
        raise BackupError(f"{source} has no {MANIFEST}: not a ClaimDesk backup.")
    data: dict[str, Any] = json.loads(path.read_text())
    if data.get("format") not in (FORMAT, CLEAR_FORMAT):
        raise BackupError(f"{path} is not a {FORMAT} manifest.")
    return Manifest(**data)


def check_files(source: Path, manifest: Manifest) -> list[str]:
    """Files of the backup that are missing or differ from the manifest's checksums."""
    problems = []
    for name, expected in manifest.files.items():
        path = source / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif _sha256(path) != expected["sha256"]:
            problems.append(f"{name} does not match its checksum")
    return problems


def _check_key(manifest: Manifest, key: bytes) -> None:
    if manifest.encryption is None:
        return
    if manifest.encryption.get("cipher") != CIPHER:
        raise BackupError(
            f"The backup is encrypted with {manifest.encryption.get('cipher')}, which this "
            "version cannot read."
        )
    if not hmac.compare_digest(manifest.encryption.get("key_check", ""), key_check(key)):
        raise BackupError(
            "The backup key does not match the key this backup was encrypted with: set "
            "CLAIMDESK_BACKUP_KEY to the key in use when it was made. Nothing was restored."
        )


def _open(manifest: Manifest, key: bytes, source: Path, name: str, scratch: Path) -> Path:
    """The clear file ``name`` of the backup (decrypted into scratch when encrypted)."""
    if manifest.encryption is None:
        return source / name
    clear = scratch / name.replace("/", "_")
    decrypt_file(key, source / name, clear, name)
    return clear


def restore(
    engine: Engine, data_dir: Path, source: Path, *, key: bytes, force: bool = False
) -> RestoreReport:
    """Restore a backup (decrypting it with ``key``) into this (empty, migrated or new)
    database and data folder, then verify it: ledger and document hashes, and row counts
    against the manifest."""
    manifest = read_manifest(source)
    broken = check_files(source, manifest)
    if broken:
        raise BackupError("The backup is damaged: " + "; ".join(broken) + ". Nothing was restored.")
    _check_key(manifest, key)
    if manifest.database != engine.dialect.name:
        raise BackupError(
            f"This is a {manifest.database} backup; restore it into a {manifest.database} "
            f"database (this one is {engine.dialect.name})."
        )
    with engine.connect() as connection:
        current = _row_counts(connection)
    if any(current.get(name, 0) for name in DATA_TABLES) and not force:
        raise BackupError(
            "The database is not empty; restoring would replace its data. "
            "Add --force to replace it."
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".restore-") as folder:
        scratch = Path(folder)
        if manifest.database == "sqlite":
            clear = _open(manifest, key, source, SQLITE_FILE, scratch)
            engine.dispose()
            with sqlite3.connect(clear) as backup_copy:
                raw = engine.raw_connection()
                try:
                    target = raw.driver_connection
                    assert isinstance(target, sqlite3.Connection)  # a SQLite engine's connection
                    backup_copy.backup(target)
                finally:
                    raw.close()
        else:
            _restore_postgresql(engine, _open(manifest, key, source, PG_FILE, scratch))
        for name in sorted(n for n in manifest.files if n.startswith(f"{DOCUMENTS}/")):
            destination = data_dir / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if manifest.encryption is None:
                shutil.copyfile(source / name, destination)
            else:
                decrypt_file(key, source / name, destination, name)
    return verify_restored(engine, data_dir, manifest)


def _write_manifest(target: Path, manifest: Manifest) -> None:
    (target / MANIFEST).write_text(json.dumps(vars(manifest), indent=2, sort_keys=True) + "\n")


def rekey(source: Path, *, old_key: bytes, new_key: bytes) -> int:
    """Re-encrypt a backup under a new backup key (a backup in clear, of format /1, is
    encrypted); returns the number of files rewritten. Old backups stay restorable after
    CLAIMDESK_BACKUP_KEY changes."""
    manifest = read_manifest(source)
    broken = check_files(source, manifest)
    if broken:
        raise BackupError("The backup is damaged: " + "; ".join(broken) + ". Nothing was changed.")
    _check_key(manifest, old_key)
    with tempfile.TemporaryDirectory(dir=source, prefix=".clear-") as folder:
        for name in sorted(manifest.files):
            clear = _open(manifest, old_key, source, name, Path(folder))
            sealed = source / f"{name}.rekey"
            encrypt_file(new_key, clear, sealed, name)
            os.replace(sealed, source / name)
            if clear.parent == Path(folder):
                clear.unlink()
            size = (source / name).stat().st_size
            manifest.files[name] = {"sha256": _sha256(source / name), "size": size}
    manifest.format = FORMAT
    manifest.encryption = {"cipher": CIPHER, "key_check": key_check(new_key)}
    _write_manifest(source, manifest)
    return len(manifest.files)


def _restore_postgresql(engine: Engine, dump: Path) -> None:
    url, env = _pg_environment(engine)
    with engine.connect() as connection:
        server = _server_major(connection)
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        connection.commit()
    engine.dispose()
    tool = _pg_tool("pg_restore", server)
    done = subprocess.run(
        [tool, "--no-owner", "--exit-on-error", "-d", url, str(dump)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def verify_restored(engine: Engine, data_dir: Path, manifest: Manifest) -> RestoreReport:
    problems = []
    with Session(engine) as session:
        verdict = service.verify(session, store=LocalBlobStore(data_dir / DOCUMENTS, keyring()))
        counts = _row_counts(session.connection())
    if not verdict.ok:
        problems.append(f"ledger broken at entry {verdict.first_broken_seq}: {verdict.reason}")
    if verdict.head_hash != manifest.ledger_head and manifest.ledger_head:
        problems.append("the ledger head differs from the one backed up")
    for name, expected in manifest.row_counts.items():
        if counts.get(name) != expected:
            problems.append(f"{name} has {counts.get(name)} rows, the backup {expected}")
    return RestoreReport(not problems, problems, verdict.entries)
