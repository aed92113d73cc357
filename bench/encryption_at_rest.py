"""Encryption at rest: document upload and read throughput, and backup time, with
encryption against the same work in clear (what ClaimDesk did before issue 21).

Measured, in this order, each once, in one run:

1. upload: N files of S bytes (distinct content, written and fsynced as uploads are), each
   put into a clear store (:class:`LocalBlobStore` without a key ring, as before) and into the
   store :func:`blob_store` gives (a data key per file, AES-256-GCM, wrapped by the key
   ring), alternating file by file so both see the same machine load;
2. read: each file read back from both stores, alternating (clear: read + sha256 check;
   encrypted: unwrap, decrypt, check);
3. backup in clear: what ``claimdesk backup`` did before: the database snapshot, a copy of
   the document folder (the encrypted files of step 1) and the manifest's checksums;
4. backup encrypted: :func:`claimdesk.audit.backup.backup` with the backup key (snapshot,
   then every file encrypted in 1 MiB chunks, checksums in the manifest). Steps 3 and 4 run
   twice, taking turns; the better time of each is shown.

The database is the benchmark target as the other benchmarks left it (its snapshot is part of
both backups); the documents dominate the bytes. Wall time by ``time.perf_counter``;
nothing is asserted about it.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from bench.common import BENCH_NOW, Target, fmt_rate, rate
from claimdesk.audit import backup as backups
from claimdesk.documents.storage import LocalBlobStore, blob_store
from claimdesk.security.crypto import backup_key

TITLE = "Encryption at rest"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Encryption at rest")
    group.add_argument("--enc-files", type=int, default=200, metavar="N", help="files (200)")
    group.add_argument(
        "--enc-file-kib", type=int, default=512, metavar="KIB", help="size of each file (512)"
    )


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def _files(count: int, size: int) -> list[bytes]:
    """Distinct, incompressible-looking contents (a scan is compressed already)."""
    out = []
    for i in range(count):
        seed = hashlib.sha256(f"scan {i}".encode()).digest()
        block = hashlib.shake_256(seed).digest(size)
        out.append(block)
    return out


def _alternating(stores: list[LocalBlobStore], files: list[bytes]) -> list[tuple[float, float]]:
    """(put seconds, get seconds) of each store, the stores taking turns file by file."""
    put, get = [0.0] * len(stores), [0.0] * len(stores)
    for data in files:
        for i, store in enumerate(stores):
            started = perf_counter()
            store.put(data)
            put[i] += perf_counter() - started
    for data in files:
        name = hashlib.sha256(data).hexdigest()
        for i, store in enumerate(stores):
            started = perf_counter()
            assert len(store.get(name)) == len(data)
            get[i] += perf_counter() - started
    return list(zip(put, get, strict=True))


def _clear_backup(target: Target, destination: Path) -> float:
    """The pre-encryption procedure: database snapshot, then the document folder copied."""
    engine = target.container.engine
    started = perf_counter()
    destination.mkdir(parents=True)
    if engine.dialect.name == "sqlite":
        backups._backup_sqlite(engine, destination / backups.SQLITE_FILE)
    else:
        backups._backup_postgresql(engine, destination / backups.PG_FILE)
    source = target.container.settings.data_dir / backups.DOCUMENTS
    shutil.copytree(source, destination / backups.DOCUMENTS)
    for path in sorted(p for p in destination.rglob("*") if p.is_file()):
        backups._sha256(path)
    return perf_counter() - started


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run(target: Target, args: argparse.Namespace) -> Result:
    count, size = args.enc_files, args.enc_file_kib * 1024
    files = _files(count, size)
    megabytes = count * size / 1e6
    settings = target.container.settings
    with tempfile.TemporaryDirectory(prefix="claimdesk-enc-") as folder:
        work = Path(folder)
        (clear_put, clear_get), (encrypted_put, encrypted_get) = _alternating(
            [LocalBlobStore(work / "clear"), blob_store(settings)], files
        )
        clear_times, encrypted_times = [], []
        for round_ in range(2):  # taking turns; the better of two each
            clear_times.append(_clear_backup(target, work / f"backup-clear-{round_}"))
            started = perf_counter()
            backups.backup(
                target.container.engine,
                settings.data_dir,
                work / f"backup-encrypted-{round_}",
                now=BENCH_NOW,
                key=backup_key(settings),
            )
            encrypted_times.append(perf_counter() - started)
        clear_backup, encrypted_backup = min(clear_times), min(encrypted_times)
        backed_up = _size(work / "backup-encrypted-0")
    rows = [
        ("upload (put)", clear_put, encrypted_put),
        ("read (get)", clear_get, encrypted_get),
    ]
    summary = {
        "upload clear/encrypted (files/s)": (
            f"{fmt_rate(rate(count, clear_put))} / {fmt_rate(rate(count, encrypted_put))}"
        ),
        "read clear/encrypted (files/s)": (
            f"{fmt_rate(rate(count, clear_get))} / {fmt_rate(rate(count, encrypted_get))}"
        ),
        "backup clear/encrypted (s)": f"{clear_backup:.2f} / {encrypted_backup:.2f}",
    }
    lines = [
        f"N = {count:,} files of {size // 1024:,} KiB ({megabytes:,.0f} MB), each stored and "
        "read back; backups of the target database plus those files "
        f"({backed_up / 1e6:,.0f} MB encrypted).",
        "",
        "| step | clear | encrypted | clear | encrypted |",
        "|---|---:|---:|---:|---:|",
    ]
    for step, plain, sealed in rows:
        lines.append(
            f"| {step} | {fmt_rate(rate(count, plain))} files/s | "
            f"{fmt_rate(rate(count, sealed))} files/s | {megabytes / plain:,.0f} MB/s | "
            f"{megabytes / sealed:,.0f} MB/s |"
        )
    lines.append(
        f"| backup | {clear_backup:.2f} s | {encrypted_backup:.2f} s | "
        f"{backed_up / 1e6 / clear_backup:,.0f} MB/s | {backed_up / 1e6 / encrypted_backup:,.0f} "
        "MB/s |"
    )
    return Result(summary, "\n".join(lines))
