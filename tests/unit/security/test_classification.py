"""Every column of every table has a data classification, and sensitive ones are encrypted."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import claimdesk
from claimdesk.core.db import Base
from claimdesk.security.classification import CLASSIFICATION, Level, level_of
from claimdesk.security.crypto import EncryptedString, JSONWithEncryptedKeys

for package in pkgutil.iter_modules(claimdesk.__path__):
    if package.ispkg and importlib.util.find_spec(f"claimdesk.{package.name}.models"):
        importlib.import_module(f"claimdesk.{package.name}.models")


def test_every_column_of_every_table_is_classified():
    missing = [
        f"{t.name}.{c.name}"
        for t in Base.metadata.sorted_tables
        for c in t.columns
        if level_of(t.name, c.name) is None
    ]
    assert missing == [], (
        "Classify these columns in CLASSIFICATION in claimdesk/security/classification.py "
        "(public, internal, personal or sensitive; sensitive ones must be encrypted): "
        + ", ".join(missing)
    )


def test_the_classification_names_only_columns_that_exist():
    tables = {t.name: {c.name for c in t.columns} for t in Base.metadata.sorted_tables}
    stale = [
        f"{table}.{column}"
        for table, levels in CLASSIFICATION.items()
        for columns in levels.values()
        for column in columns.split()
        if column not in tables.get(table, set())
    ]
    assert stale == []


def test_every_sensitive_column_is_stored_encrypted():
    plain = [
        f"{t.name}.{c.name}"
        for t in Base.metadata.sorted_tables
        for c in t.columns
        if level_of(t.name, c.name) == Level.SENSITIVE
        and not isinstance(c.type, EncryptedString | JSONWithEncryptedKeys)
    ]
    assert plain == [], "use EncryptedString / EncryptedText from claimdesk.security.crypto"
