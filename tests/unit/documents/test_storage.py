"""The content-addressed store on local disk."""

from __future__ import annotations

import hashlib

import pytest

from claimdesk.core.errors import NotFound
from claimdesk.documents.storage import CorruptBlob, LocalBlobStore


def test_a_file_is_stored_once_under_its_sha256(tmp_path):
    store = LocalBlobStore(tmp_path)
    first = store.put(b"invoice")
    assert store.put(b"invoice") == first == hashlib.sha256(b"invoice").hexdigest()
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [first]
    assert store.get(first) == b"invoice"
    assert store.exists(first)


def test_a_file_altered_on_disk_is_not_served(tmp_path):
    store = LocalBlobStore(tmp_path)
    digest = store.put(b"original")
    next(p for p in tmp_path.rglob(digest)).write_bytes(b"tampered")
    with pytest.raises(CorruptBlob):
        store.get(digest)


def test_a_missing_file_is_not_found_and_a_bad_key_is_refused(tmp_path):
    store = LocalBlobStore(tmp_path)
    with pytest.raises(NotFound):
        store.get("0" * 64)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")
