"""``claimdesk security``: keys for field encryption, search hashes and audit signatures."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from claimdesk.audit.backup import BackupError, rekey
from claimdesk.bootstrap import upgrade_database
from claimdesk.cli.context import container_of
from claimdesk.security.crypto import KeyringError, backup_key, decode_key, new_key
from claimdesk.security.keys import rotate_keys

app = typer.Typer(help="Encryption keys and key rotation.", no_args_is_help=True)


@app.command("generate-keys")
def generate_keys(key_id: str = typer.Option("k1", help="Id of the new encryption key.")) -> None:
    """Print fresh keys as settings lines (keep them secret; put them in the environment)."""
    typer.echo(f"CLAIMDESK_SECRET_KEY={new_key()}")
    typer.echo(f'CLAIMDESK_ENCRYPTION_KEYS={{"{key_id}": "{new_key()}"}}')
    typer.echo(f"CLAIMDESK_ENCRYPTION_KEY_ID={key_id}")
    typer.echo(f"CLAIMDESK_SEARCH_KEY={new_key()}")
    typer.echo(f"CLAIMDESK_AUDIT_SIGNING_KEY={new_key()}")
    typer.echo(f"CLAIMDESK_BACKUP_KEY={new_key()}")


@app.command("rotate-keys")
def rotate(ctx: typer.Context) -> None:
    """Re-encrypt every sensitive value under the active key (CLAIMDESK_ENCRYPTION_KEY_ID):
    database columns, and the data keys of stored document files.

    Add the new key to CLAIMDESK_ENCRYPTION_KEYS, make it active, run this, and only then
    remove the old key. Values and document files still in clear are encrypted too."""
    container = container_of(ctx)
    upgrade_database(container)
    with container.engine.begin() as connection:
        results = rotate_keys(connection)
    for result in results:
        typer.echo(f"{result.column}: {result.rewritten} of {result.total} values re-encrypted")
    files = container.blobs.rotate()
    typer.echo(
        f"documents: {files.encrypted} files encrypted, {files.rewrapped} data keys re-wrapped, "
        f"of {files.total} files"
    )


@app.command("rekey-backup")
def rekey_backup(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Folder written by `claimdesk backup`."),
) -> None:
    """Re-encrypt a backup under the current CLAIMDESK_BACKUP_KEY, so it still restores after
    the key changed. The key it was made with is read from CLAIMDESK_OLD_BACKUP_KEY (base64;
    unset: the current key, e.g. to encrypt a backup made in clear before)."""
    container = container_of(ctx)
    new = backup_key(container.settings)
    try:
        old_text = os.environ.get("CLAIMDESK_OLD_BACKUP_KEY")
        old = decode_key(old_text, "old backup key") if old_text else new
        count = rekey(path, old_key=old, new_key=new)
    except (BackupError, KeyringError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{count} files of {path} re-encrypted under the current backup key.")
