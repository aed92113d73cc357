"""Keys from settings: field encryption (AES-256-GCM, a key id in every value), keyed search
hashes (HMAC-SHA256) and the Ed25519 key that signs audit checkpoints.

An encrypted value is ``enc1:<key id>:<base64url(nonce || ciphertext || tag)>``; the column
it belongs to (e.g. ``customers.id_number``) is authenticated as associated data, so a value
copied into another column does not decrypt. Old keys stay in the key ring to decrypt; new
values use the active key; ``claimdesk security rotate-keys`` re-encrypts old ones.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import JSON, String, Text
from sqlalchemy.types import TypeDecorator

from claimdesk.config import Settings, get_settings

PREFIX = "enc1"
NONCE_BYTES = 12
DERIVED_KEY_ID = "derived"


class KeyringError(ValueError):
    """A key in the settings is missing or malformed, or a value does not decrypt."""


def _decode_key(text: str, what: str, size: int = 32) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyringError(f"The {what} is not valid base64.") from exc
    if len(raw) != size:
        raise KeyringError(f"The {what} must be {size} bytes (base64 of {size} random bytes).")
    return raw


def decode_key(text: str, what: str) -> bytes:
    """A 32-byte key from its base64 text (KeyringError naming ``what`` when malformed)."""
    return _decode_key(text, what)


def _derive(secret: str, purpose: str) -> bytes:
    """A development/test key from secret_key (settings refuse this outside them)."""
    return hmac.new(secret.encode(), f"claimdesk {purpose}".encode(), hashlib.sha256).digest()


def new_key() -> str:
    """32 random bytes in base64: a fresh encryption, search or signing key."""
    return base64.b64encode(os.urandom(32)).decode()


def backup_key(settings: Settings) -> bytes:
    """The key that encrypts backups (CLAIMDESK_BACKUP_KEY; derived in development and test)."""
    if settings.backup_key is not None:
        return _decode_key(settings.backup_key.get_secret_value(), "backup key")
    return _derive(settings.secret_key.get_secret_value(), "backup encryption")


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes] = field(repr=False)
    active: str
    search_key: bytes = field(repr=False)
    signing_seed: bytes = field(repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        secret = settings.secret_key.get_secret_value()
        keys = {
            kid: _decode_key(value.get_secret_value(), f"encryption key {kid!r}")
            for kid, value in settings.encryption_keys.items()
        } or {DERIVED_KEY_ID: _derive(secret, "field encryption")}
        active = settings.encryption_key_id or (next(iter(keys)) if len(keys) == 1 else None)
        if active not in keys:
            raise KeyringError(
                "Set CLAIMDESK_ENCRYPTION_KEY_ID to one of the key ids in "
                f"CLAIMDESK_ENCRYPTION_KEYS ({', '.join(keys)})."
            )
        search = settings.search_key
        signing = settings.audit_signing_key
        return cls(
            keys=keys,
            active=active,
            search_key=_decode_key(search.get_secret_value(), "search key")
            if search
            else _derive(secret, "search hash"),
            signing_seed=_decode_key(signing.get_secret_value(), "audit signing key")
            if signing
            else _derive(secret, "audit signing"),
        )

    def encrypt(self, plain: str, *, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, plain.encode(), context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}:{self.active}:{body}"

    def decrypt(self, token: str, *, context: str) -> str:
        kid = key_id(token)
        if kid is None:
            raise KeyringError(
                f"A value in {context} is not encrypted; run `claimdesk security rotate-keys`."
            )
        if kid not in self.keys:
            raise KeyringError(
                f"A value in {context} was encrypted with key {kid!r}, which is not in "
                "CLAIMDESK_ENCRYPTION_KEYS; keep old keys listed until rotate-keys has run."
            )
        body = token.split(":", 2)[2]
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        try:
            plain = AESGCM(self.keys[kid]).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()
            )
        except InvalidTag as exc:
            raise KeyringError(f"A value in {context} was altered or belongs elsewhere.") from exc
        return plain.decode()

    def search_hash(self, value: str, *, purpose: str) -> str:
        """Keyed hash of a normalised value: equal values match, the value stays unreadable."""
        normal = "".join(value.split()).upper()
        message = f"{purpose}\0{normal}".encode()
        return hmac.new(self.search_key, message, hashlib.sha256).hexdigest()

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.signing_seed)


def key_id(token: str) -> str | None:
    """The key id of an encrypted value, or None for a value that is not encrypted."""
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


_installed: Keyring | None = None


def install(keyring: Keyring) -> Keyring:
    """Make this the process's key ring (bootstrap does it from the settings)."""
    global _installed
    _installed = keyring
    return keyring


def keyring() -> Keyring:
    return _installed or install(Keyring.from_settings(get_settings()))


def search_hash(value: str, *, purpose: str) -> str:
    """The keyed hash to store beside an encrypted value and to search by."""
    return keyring().search_hash(value, purpose=purpose)


class EncryptedString(TypeDecorator[str]):
    """A string column stored encrypted; ``context`` ("table.column") binds each value to it."""

    impl = String
    cache_ok = True

    def __init__(self, length: int | None = None, *, context: str) -> None:
        super().__init__(length)
        self.context = context

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return keyring().encrypt(str(value), context=self.context)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(value, context=self.context)


class EncryptedText(EncryptedString):
    """A text column stored encrypted."""

    impl = Text
    cache_ok = True


class JSONWithEncryptedKeys(TypeDecorator[dict[str, Any]]):
    """A JSON object whose listed keys hold encrypted values (e.g. an extracted diagnosis);
    the other keys stay queryable."""

    impl = JSON
    cache_ok = True

    def __init__(self, *, keys: tuple[str, ...], context: str) -> None:
        super().__init__()
        self.keys = keys
        self.context = context

    def _convert(self, value: Any, change: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {
            k: change(v, context=f"{self.context}.{k}")
            if k in self.keys and isinstance(v, str)
            else v
            for k, v in value.items()
        }

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return self._convert(value, keyring().encrypt)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return self._convert(value, keyring().decrypt)
