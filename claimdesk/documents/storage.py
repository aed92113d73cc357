"""Content-addressed file storage: a file's name is its sha256, so the same file is kept once.

:class:`BlobStore` is the whole interface (put, get, exists): an S3-compatible store
implements it with put_object / get_object / head_object under the same keys.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from claimdesk.config import Settings
from claimdesk.core.errors import NotFound


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store the bytes (once, however often they are put); return their sha256."""
        ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...


class CorruptBlob(RuntimeError):
    """The stored bytes no longer match their hash: the file was altered on disk."""


class LocalBlobStore:
    """Files under ``root/ab/cd/abcd...``; writes are atomic (temporary file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha256 = digest(data)
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str) -> bytes:
        try:
            data = self._path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"The stored file {sha256[:12]}… is missing.") from exc
        if digest(data) != sha256:
            raise CorruptBlob(f"stored file {sha256} does not match its hash")
        return data

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()


def blob_store(settings: Settings) -> BlobStore:
    """The configured store: a folder ``documents`` in the data directory."""
    return LocalBlobStore(settings.data_dir / "documents")
