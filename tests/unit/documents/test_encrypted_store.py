"""Stored document files are encrypted (a data key per file, wrapped by the key ring), still
named by the sha256 of their plaintext; clear files stay readable; rotation re-wraps keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claimdesk.documents.storage import CorruptBlob, LocalBlobStore, digest, is_encrypted
from claimdesk.security.crypto import Keyring, KeyringError

SCAN = "%PDF-1.7 discharge summary: acute appendicitis / 急性阑尾炎".encode() * 20


def ring(*kids: str, active: str | None = None, keys: dict[str, bytes] | None = None) -> Keyring:
    keys = keys or {kid: os.urandom(32) for kid in kids}
    return Keyring(
        keys=keys, active=active or kids[-1], search_key=b"s" * 32, signing_seed=b"g" * 32
    )


def stored(store: LocalBlobStore, sha256: str) -> bytes:
    return (store.root / sha256[:2] / sha256[2:4] / sha256).read_bytes()


def test_a_file_is_stored_encrypted_under_its_plaintext_hash_and_reads_back(tmp_path: Path):
    store = LocalBlobStore(tmp_path, ring("k1"))
    sha256 = store.put(SCAN)
    assert sha256 == digest(SCAN)
    raw = stored(store, sha256)
    assert is_encrypted(raw)
    assert SCAN[:40] not in raw and b"appendicitis" not in raw
    assert store.get(sha256) == SCAN
    assert store.put(SCAN) == sha256  # stored once


def test_two_files_get_different_data_keys_and_ciphertexts(tmp_path: Path):
    keys = ring("k1")
    one = LocalBlobStore(tmp_path / "a", keys)
    two = LocalBlobStore(tmp_path / "b", keys)
    sha256 = one.put(SCAN)
    two.put(SCAN)
    assert stored(one, sha256) != stored(two, sha256)


def test_clear_files_from_before_stay_readable_and_are_encrypted_when_put_again(tmp_path: Path):
    sha256 = LocalBlobStore(tmp_path).put(SCAN)  # no key ring: in clear, as before
    assert stored(LocalBlobStore(tmp_path), sha256) == SCAN
    store = LocalBlobStore(tmp_path, ring("k1"))
    assert store.get(sha256) == SCAN
    store.put(SCAN)
    assert is_encrypted(stored(store, sha256))


def test_an_altered_or_moved_file_is_refused(tmp_path: Path):
    store = LocalBlobStore(tmp_path, ring("k1"))
    sha256 = store.put(SCAN)
    path = tmp_path / sha256[:2] / sha256[2:4] / sha256
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptBlob):
        store.get(sha256)
    other = digest(b"other")
    moved = tmp_path / other[:2] / other[2:4] / other
    moved.parent.mkdir(parents=True)
    moved.write_bytes(stored(store, store.put(b"x" * 10)))
    with pytest.raises(CorruptBlob):
        store.get(other)


def test_an_encrypted_file_needs_its_key(tmp_path: Path):
    sha256 = LocalBlobStore(tmp_path, ring("k1")).put(SCAN)
    with pytest.raises(KeyringError, match="not in CLAIMDESK_ENCRYPTION_KEYS"):
        LocalBlobStore(tmp_path, ring("k2")).get(sha256)
    with pytest.raises(KeyringError, match="encrypted"):
        LocalBlobStore(tmp_path).get(sha256)


def test_rotation_encrypts_clear_files_and_rewraps_old_keys_without_touching_bodies(
    tmp_path: Path,
):
    old = ring("k1")
    clear = LocalBlobStore(tmp_path).put(b"clear scan " * 50)
    store = LocalBlobStore(tmp_path, old)
    sealed = store.put(SCAN)
    body_before = stored(store, sealed)[-len(SCAN) - 16 :]

    new = ring("k1", "k2", keys={**old.keys, "k2": os.urandom(32)}, active="k2")
    result = LocalBlobStore(tmp_path, new).rotate()
    assert (result.encrypted, result.rewrapped, result.total) == (1, 1, 2)
    assert stored(store, sealed)[-len(SCAN) - 16 :] == body_before
    assert LocalBlobStore(tmp_path, new).rotate().total == 2  # nothing left to do
    assert LocalBlobStore(tmp_path, new).rotate().rewrapped == 0

    only_new = ring("k2", keys={"k2": new.keys["k2"]})
    assert LocalBlobStore(tmp_path, only_new).get(sealed) == SCAN
    assert LocalBlobStore(tmp_path, only_new).get(clear) == b"clear scan " * 50
