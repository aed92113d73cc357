"""Content-addressed file storage: a file's name is the sha256 of its plaintext, so the same
file is kept once and the ledger's document proof (the sha256 recorded at upload) holds.

Files are encrypted at rest (AES-256-GCM) when the store has a key ring, which
:func:`blob_store` always gives it: each file gets its own random data key, kept in the file's
header wrapped (AES-GCM) by the key ring's active key. A stored file is::

    b"CDE1" | len(key id) (1 byte) | key id | nonce (12) + wrapped data key (32 + 16 tag)
          | nonce (12) + ciphertext + tag (16)

The sha256 is the associated data of both seals, so a file moved under another name does not
decrypt. Reading decrypts and checks the plaintext against its sha256; files stored in clear
before encryption are still read, and :meth:`LocalBlobStore.rotate` encrypts them, or re-wraps
the data keys of files under an old key (the bodies are not re-encrypted).

:class:`BlobStore` is the whole interface (put, get, exists): an S3-compatible store
implements it with put_object / get_object / head_object under the same keys.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from claimdesk.config import Settings
from claimdesk.core.errors import NotFound
from claimdesk.security.crypto import Keyring, KeyringError, keyring

MAGIC = b"CDE1"
NONCE = 12
WRAPPED_KEY = NONCE + 32 + 16


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store the bytes (once, however often they are put); return their sha256."""
        ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> bool:
        """Remove the stored file (its data key goes with it); False if there was none."""
        ...


class CorruptBlob(RuntimeError):
    """The stored bytes no longer match their hash: the file was altered on disk."""


@dataclass(frozen=True)
class StoreRotation:
    encrypted: int  # files that were in clear
    rewrapped: int  # files whose data key was under an old key
    total: int


def _wrap_context(sha256: str) -> bytes:
    return f"documents.data_key:{sha256}".encode()


def _seal(ring: Keyring, data: bytes, sha256: str) -> bytes:
    data_key = AESGCM.generate_key(bit_length=256)
    body_nonce = os.urandom(NONCE)
    body = AESGCM(data_key).encrypt(body_nonce, data, sha256.encode())
    return _header(ring, data_key, sha256) + body_nonce + body


def _header(ring: Keyring, data_key: bytes, sha256: str) -> bytes:
    kid = ring.active.encode()
    nonce = os.urandom(NONCE)
    wrapped = AESGCM(ring.keys[ring.active]).encrypt(nonce, data_key, _wrap_context(sha256))
    return MAGIC + bytes([len(kid)]) + kid + nonce + wrapped


def _parse(raw: bytes) -> tuple[str, bytes, int]:
    """(key id, nonce + wrapped data key, offset of the body) of an encrypted file."""
    size = raw[len(MAGIC)]
    start = len(MAGIC) + 1
    kid = raw[start : start + size].decode()
    wrapped = raw[start + size : start + size + WRAPPED_KEY]
    return kid, wrapped, start + size + WRAPPED_KEY


def _data_key(ring: Keyring, kid: str, wrapped: bytes, sha256: str) -> bytes:
    if kid not in ring.keys:
        raise KeyringError(
            f"The stored file {sha256[:12]}… is encrypted with key {kid!r}, which is not in "
            "CLAIMDESK_ENCRYPTION_KEYS; keep old keys listed until rotate-keys has run."
        )
    try:
        return AESGCM(ring.keys[kid]).decrypt(
            wrapped[:NONCE], wrapped[NONCE:], _wrap_context(sha256)
        )
    except InvalidTag as exc:
        raise CorruptBlob(f"stored file {sha256}: its data key does not unwrap") from exc


def is_encrypted(raw: bytes) -> bool:
    return raw.startswith(MAGIC)


class LocalBlobStore:
    """Files under ``root/ab/cd/abcd...``; writes are atomic (temporary file, then rename).
    With a key ring, files are written encrypted; without one, in clear (and an encrypted
    file cannot be read)."""

    def __init__(self, root: Path, ring: Keyring | None = None) -> None:
        self.root = root
        self.ring = ring

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _write(self, path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def put(self, data: bytes) -> str:
        sha256 = digest(data)
        path = self._path(sha256)
        if path.exists() and (self.ring is None or self._stored_encrypted(path)):
            return sha256
        content = data if self.ring is None else _seal(self.ring, data, sha256)
        self._write(path, content)
        return sha256

    @staticmethod
    def _stored_encrypted(path: Path) -> bool:
        with path.open("rb") as handle:
            return is_encrypted(handle.read(len(MAGIC)))

    def get(self, sha256: str) -> bytes:
        try:
            raw = self._path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"The stored file {sha256[:12]}… is missing.") from exc
        data = self._open(raw, sha256) if is_encrypted(raw) else raw
        if digest(data) != sha256:
            raise CorruptBlob(f"stored file {sha256} does not match its hash")
        return data

    def _open(self, raw: bytes, sha256: str) -> bytes:
        if self.ring is None:
            raise KeyringError(f"The stored file {sha256[:12]}… is encrypted; no key ring given.")
        kid, wrapped, offset = _parse(raw)
        data_key = _data_key(self.ring, kid, wrapped, sha256)
        body = raw[offset:]
        try:
            return AESGCM(data_key).decrypt(body[:NONCE], body[NONCE:], sha256.encode())
        except InvalidTag as exc:
            raise CorruptBlob(f"stored file {sha256} does not decrypt: it was altered") from exc

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def delete(self, sha256: str) -> bool:
        path = self._path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def names(self) -> Iterator[str]:
        """The sha256 of every stored file."""
        if not self.root.exists():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if path.is_file() and not path.name.startswith("."):
                yield path.name

    def rotate(self) -> StoreRotation:
        """Encrypt files stored in clear and re-wrap the data keys of files under an old key
        (under the active key); files already under it are left alone."""
        if self.ring is None:
            raise KeyringError("Rotating the document store needs a key ring.")
        encrypted = rewrapped = total = 0
        for sha256 in self.names():
            total += 1
            path = self._path(sha256)
            raw = path.read_bytes()
            if not is_encrypted(raw):
                if digest(raw) != sha256:
                    raise CorruptBlob(f"stored file {sha256} does not match its hash")
                self._write(path, _seal(self.ring, raw, sha256))
                encrypted += 1
                continue
            kid, wrapped, offset = _parse(raw)
            if kid == self.ring.active:
                continue
            data_key = _data_key(self.ring, kid, wrapped, sha256)
            self._write(path, _header(self.ring, data_key, sha256) + raw[offset:])
            rewrapped += 1
        return StoreRotation(encrypted, rewrapped, total)


def blob_store(settings: Settings) -> LocalBlobStore:
    """The configured store: a folder ``documents`` in the data directory, encrypted with the
    process's key ring."""
    return LocalBlobStore(settings.data_dir / "documents", keyring())
