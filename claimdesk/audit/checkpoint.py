"""Signed checkpoints of the ledger: the head hash and entry count at a moment, signed with
Ed25519, so a copy kept elsewhere later proves that nothing up to that entry changed."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.orm import Session

from claimdesk.audit import service
from claimdesk.audit.rules import canonical, verify_chain
from claimdesk.security.crypto import Keyring

FORMAT = "claimdesk-audit-checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    format: str
    head_seq: int
    head_hash: str
    entries: int
    created_at: str
    public_key: str
    signature: str = ""

    def signed_bytes(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k not in ("signature", "public_key")}
        return canonical(body).encode()

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"Not a ClaimDesk audit checkpoint (format {FORMAT} expected).")
        return cls(**data)


def public_key_text(keyring: Keyring) -> str:
    raw = keyring.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def make(session: Session, *, keyring: Keyring, now: datetime) -> Checkpoint:
    """Verify the ledger, then sign its head; refuses to vouch for a broken ledger."""
    verdict = service.verify(session)
    if not verdict.ok:
        raise ValueError(
            f"The ledger is broken at entry {verdict.first_broken_seq} ({verdict.reason}); "
            "no checkpoint is signed for it."
        )
    unsigned = Checkpoint(
        FORMAT,
        verdict.head_seq,
        verdict.head_hash,
        verdict.entries,
        now.isoformat(),
        public_key_text(keyring),
    )
    signature = keyring.signing_key.sign(unsigned.signed_bytes())
    return Checkpoint(**{**asdict(unsigned), "signature": base64.b64encode(signature).decode()})


@dataclass(frozen=True)
class CheckpointVerdict:
    ok: bool
    reason: str


def check(
    session: Session, checkpoint: Checkpoint, *, trusted_public_key: str
) -> CheckpointVerdict:
    """The checkpoint is signed by the trusted key, and the ledger still has that head."""
    if checkpoint.public_key != trusted_public_key:
        return CheckpointVerdict(False, "the checkpoint was signed by another key")
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key))
    try:
        key.verify(base64.b64decode(checkpoint.signature), checkpoint.signed_bytes())
    except InvalidSignature:
        return CheckpointVerdict(False, "the checkpoint's signature does not match its content")
    verdict = verify_chain(service.links_up_to(session, checkpoint.head_seq))
    if not verdict.ok:
        return CheckpointVerdict(
            False, f"entry {verdict.first_broken_seq} before the checkpoint: {verdict.reason}"
        )
    if (verdict.head_seq, verdict.head_hash) != (checkpoint.head_seq, checkpoint.head_hash):
        return CheckpointVerdict(
            False,
            f"the ledger's entry {checkpoint.head_seq} is not the one signed "
            "(entries before the checkpoint were removed or rewritten)",
        )
    return CheckpointVerdict(
        True, f"entries 1-{checkpoint.head_seq} are as signed on {checkpoint.created_at}"
    )
