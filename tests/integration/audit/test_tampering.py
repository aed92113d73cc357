"""Tampering with the ledger or the stored documents is detected and located; a signed
checkpoint proves that nothing before it changed, even if the whole chain was rehashed."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from claimdesk.audit import checkpoint as checkpoints
from claimdesk.audit import service
from claimdesk.audit.models import AuditEntry
from claimdesk.audit.rules import GENESIS, entry_hash
from claimdesk.cli import main as cli
from claimdesk.security.crypto import keyring
from claimdesk.security.enums import Role
from tests import samples

FIELDS = ("at", "actor_id", "actor_role", "action", "subject_type", "subject_id", "data")


@pytest.fixture
def ledger(world):
    """A claim with an uploaded document and a few staff users: several ledger entries."""
    holder = world.customer("周迅")
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(customer, world.policy(holder)).json()
    uploaded = world.client.post(
        f"/api/v1/claims/{claim['id']}/documents",
        files={"file": ("invoice.pdf", samples.pdf(samples.INVOICE_EN), "application/pdf")},
        headers=customer,
    )
    assert uploaded.status_code == 201, uploaded.text
    for role in (Role.ADJUSTER, Role.AUDITOR, Role.AGENT):
        world.staff(role)
    return claim


def verdict(container):
    with container.sessions() as session:
        return service.verify(session, store=container.blobs)


def altered(entry: AuditEntry, field: str):
    value = getattr(entry, field)
    if field == "at":
        return value + timedelta(microseconds=1)
    if field == "actor_id":
        return (value or 0) + 1
    if field == "data":
        return {**value, "tampered": True}
    return value[:-1] + ("x" if value[-1] != "x" else "y")


def test_changing_any_field_of_any_entry_is_detected_at_that_entry(container, ledger):
    with container.sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        originals = [
            (e.seq, {f: getattr(e, f) for f in (*FIELDS, "prev_hash", "hash")}) for e in entries
        ]
    assert len(originals) >= 5
    for seq, original in originals:
        for field in (*FIELDS, "prev_hash", "hash"):
            with container.sessions.begin() as session:
                entry = session.get(AuditEntry, seq)
                setattr(entry, field, altered(entry, field))
            found = verdict(container)
            with container.sessions.begin() as session:
                session.execute(
                    update(AuditEntry).where(AuditEntry.seq == seq).values({field: original[field]})
                )
            assert (found.ok, found.first_broken_seq) == (False, seq), (seq, field, found)
    assert verdict(container).ok


def test_a_deleted_entry_is_detected_where_it_was(container, ledger):
    with container.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
    found = verdict(container)
    assert (found.ok, found.first_broken_seq) == (False, 3)
    assert "missing" in found.reason


def test_reordered_entries_are_detected(container, ledger):
    with container.engine.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET seq = -1 WHERE seq = 2"))
        connection.execute(text("UPDATE audit_entries SET seq = 2 WHERE seq = 3"))
        connection.execute(text("UPDATE audit_entries SET seq = 3 WHERE seq = -1"))
    found = verdict(container)
    assert (found.ok, found.first_broken_seq) == (False, 2)


def stored_files(container) -> list[Path]:
    root = container.settings.data_dir / "documents"
    return [p for p in root.rglob("*") if p.is_file()]


def upload_entry_seq(container) -> int:
    with container.sessions() as session:
        return session.scalars(
            select(AuditEntry.seq).where(AuditEntry.action == "claim.document_uploaded")
        ).one()


def test_a_changed_byte_of_a_stored_document_is_detected_at_its_upload_entry(container, ledger):
    [stored] = stored_files(container)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))
    found = verdict(container)
    assert (found.ok, found.first_broken_seq) == (False, upload_entry_seq(container))
    assert "changed" in found.reason


def test_a_deleted_stored_document_is_detected(container, ledger):
    [stored] = stored_files(container)
    stored.unlink()
    found = verdict(container)
    assert (found.ok, found.first_broken_seq) == (False, upload_entry_seq(container))
    assert "missing" in found.reason


def rehash_everything_after_rewriting(container, seq: int) -> None:
    """What an attacker with database access does: rewrite an entry and rehash the chain."""
    with container.sessions.begin() as session:
        prev = GENESIS
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            if entry.seq == seq:
                entry.actor_role = "admin"
            entry.prev_hash = prev
            entry.hash = entry_hash(**{f: getattr(entry, f) for f in ("seq", *FIELDS, "prev_hash")})
            prev = entry.hash


def sign(container) -> checkpoints.Checkpoint:
    with container.sessions() as session:
        return checkpoints.make(session, keyring=keyring(), now=container.clock.now())


def check(container, signed) -> checkpoints.CheckpointVerdict:
    with container.sessions() as session:
        return checkpoints.check(
            session, signed, trusted_public_key=checkpoints.public_key_text(keyring())
        )


def test_a_checkpoint_holds_while_the_ledger_only_grows(world, container, ledger):
    signed = sign(container)
    world.login(Role.SUPERVISOR)  # a new user: the ledger grows
    with container.sessions() as session:
        assert service.verify(session).head_seq > signed.head_seq
    assert check(container, signed).ok


def test_a_rehashed_chain_passes_plain_verification_but_not_the_checkpoint(container, ledger):
    signed = sign(container)
    rehash_everything_after_rewriting(container, seq=2)
    with container.sessions() as session:
        assert service.verify(session).ok  # the chain alone cannot tell
    result = check(container, signed)
    assert not result.ok
    assert f"entry {signed.head_seq}" in result.reason


def test_an_edited_checkpoint_fails_its_signature(container, ledger):
    signed = sign(container)
    forged = dataclasses.replace(signed, head_seq=signed.head_seq - 1)
    assert check(container, forged).reason == (
        "the checkpoint's signature does not match its content"
    )


def test_cli_writes_a_checkpoint_and_verifies_against_it(container, ledger, tmp_path, monkeypatch):
    runner = CliRunner()
    target = tmp_path / "checkpoint.json"
    written = runner.invoke(cli.app, ["audit", "checkpoint", "--out", str(target)], obj=container)
    assert written.exit_code == 0, written.output
    assert checkpoints.public_key_text(keyring()) in target.read_text()
    holds = runner.invoke(cli.app, ["audit", "verify", "--checkpoint", str(target)], obj=container)
    assert holds.exit_code == 0, holds.output
    assert "Checkpoint holds" in holds.output
    rehash_everything_after_rewriting(container, seq=1)
    fails = runner.invoke(cli.app, ["audit", "verify", "--checkpoint", str(target)], obj=container)
    assert fails.exit_code == 1
    assert "Checkpoint FAILS" in fails.output
