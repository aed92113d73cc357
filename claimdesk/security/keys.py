"""Bring stored sensitive values under the active key: encrypt values still in clear,
re-encrypt values under old keys, and refill their keyed search hashes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ColumnClause, Connection, column, inspect, select, table, update

from claimdesk.core.db import Base
from claimdesk.security.crypto import (
    EncryptedString,
    JSONWithEncryptedKeys,
    Keyring,
    key_id,
    keyring,
)

# The columns encrypted since revision 0008sec; columns encrypted later are found in the
# models by rotate-keys (the migration must not touch tables of later revisions).
FIRST_ENCRYPTED = (
    ("customers", "id", "id_number"),
    ("customers", "id", "phone"),
    ("bank_accounts", "id", "account_number"),
)


@dataclass(frozen=True)
class RotationResult:
    column: str
    rewritten: int
    total: int


def encrypted_columns() -> list[tuple[str, str, str]]:
    """(table, primary key, column) of every encrypted column in the models."""
    found = []
    for t in Base.metadata.sorted_tables:
        names = [
            c.name for c in t.columns if isinstance(c.type, EncryptedString | JSONWithEncryptedKeys)
        ]
        if names:
            [pk] = t.primary_key.columns
            found += [(t.name, pk.name, name) for name in names]
    return found


def _reencrypt_json(
    connection: Connection, ring: Keyring, table_name: str, pk: str, name: str
) -> RotationResult:
    """JSON objects with some encrypted keys: re-encrypt those keys' values."""
    column_type = Base.metadata.tables[table_name].c[name].type
    assert isinstance(column_type, JSONWithEncryptedKeys)
    target = table(table_name, column(pk), column(name, JSON))
    rows = connection.execute(select(*target.columns)).all()
    rewritten = 0
    for row_id, value in rows:
        if not isinstance(value, dict):
            continue
        changed = dict(value)
        for key in column_type.keys:
            stored = value.get(key)
            context = f"{column_type.context}.{key}"
            if not isinstance(stored, str) or key_id(stored) == ring.active:
                continue
            plain = stored if key_id(stored) is None else ring.decrypt(stored, context=context)
            changed[key] = ring.encrypt(plain, context=context)
        if changed != value:
            connection.execute(update(target).where(target.c[pk] == row_id).values({name: changed}))
            rewritten += 1
    return RotationResult(f"{table_name}.{name}", rewritten, len(rows))


def _reencrypt(
    connection: Connection, ring: Keyring, table_name: str, pk: str, name: str
) -> RotationResult:
    context = f"{table_name}.{name}"
    has_hash = f"{name}_hash" in {c["name"] for c in inspect(connection).get_columns(table_name)}
    columns: list[ColumnClause[Any]] = [column(pk), column(name)]
    if has_hash:
        columns.append(column(f"{name}_hash"))
    target = table(table_name, *columns)
    rows = connection.execute(select(*target.columns)).all()
    rewritten = 0
    for row in rows:
        value = row[1]
        if value is None:
            continue
        kid = key_id(value)
        stale_hash = has_hash and row[2] is None
        if kid == ring.active and not stale_hash:
            continue
        plain = value if kid is None else ring.decrypt(value, context=context)
        values = {name: ring.encrypt(plain, context=context)}
        if has_hash:
            values[f"{name}_hash"] = ring.search_hash(plain, purpose=context)
        connection.execute(update(target).where(target.c[pk] == row[0]).values(**values))
        rewritten += 1
    return RotationResult(context, rewritten, len(rows))


def encrypt_stored_values(connection: Connection) -> list[RotationResult]:
    """Used by migration 0008sec: encrypt the first sensitive columns' clear values."""
    ring = keyring()
    return [_reencrypt(connection, ring, *spec) for spec in FIRST_ENCRYPTED]


def encrypt_columns(
    connection: Connection, columns: tuple[tuple[str, str, str], ...]
) -> list[RotationResult]:
    """Used by migrations that encrypt more columns: encrypt (and hash) their clear values."""
    ring = keyring()
    return [_reencrypt(connection, ring, *spec) for spec in columns]


def decrypt_columns(connection: Connection, columns: tuple[tuple[str, str, str], ...]) -> None:
    """The way back (a migration's downgrade): store the columns' values in clear again."""
    ring = keyring()
    for table_name, pk, name in columns:
        context = f"{table_name}.{name}"
        target = table(table_name, column(pk), column(name))
        for row_id, value in connection.execute(select(*target.columns)).all():
            if value is None or key_id(value) is None:
                continue
            plain = ring.decrypt(value, context=context)
            connection.execute(update(target).where(target.c[pk] == row_id).values({name: plain}))


def rotate_keys(connection: Connection) -> list[RotationResult]:
    """Re-encrypt every encrypted column under the active key (old keys must still be listed
    to decrypt); values in clear are encrypted too."""
    ring = keyring()
    results = []
    for table_name, pk, name in encrypted_columns():
        column_type = Base.metadata.tables[table_name].c[name].type
        rotate = _reencrypt_json if isinstance(column_type, JSONWithEncryptedKeys) else _reencrypt
        results.append(rotate(connection, ring, table_name, pk, name))
    return results
