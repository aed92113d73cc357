"""Document reading: text-layer PDFs vs. OCR, accuracy on generated documents, and uploads.

The documents are the test suite's generated samples (``tests/samples.py``): Chinese and
English invoices, certificates, discharge summaries, an ID card, a bank card, an accident
report and repair estimates, each rendered three ways: a PDF with a text layer, a PNG
picture (40 px text, as a 300 dpi scan) and a scanned PDF (the picture inside a PDF, no
text layer). Measured, in this order:

1. accepting (the baseline): ``inspect_upload`` (type from the bytes, structure checks)
   plus sha256 and a write to the content-addressed store, for every file of every form;
2. reading the text-layer PDFs (pypdf) and understanding them (classify, extract fields);
3. reading by OCR (the reading job's engine, RapidOCR): the PNGs and the scanned PDFs (rendered by
   pypdfium2 at 300 dpi first), then the same understanding;
4. end to end through the services on the target database: ``upload_document`` then the
   reading job (inline), for the five medical documents of each of a number of claims,
   each claim ending complete and back under review.

A document counts as correct when its kind is right and every expected field is exact
(amounts to the cent). Time is ``time.perf_counter`` wall time; nothing is asserted about it.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from time import perf_counter

from bench.common import BENCH_NOW, Target, fmt_rate, rate
from claimdesk.claims.enums import ClaimStatus
from claimdesk.claims.models import Claim
from claimdesk.claims.schemas import ClaimIn
from claimdesk.claims.service import report_claim
from claimdesk.core.db import unit_of_work
from claimdesk.customers.schemas import CustomerIn
from claimdesk.customers.service import create_customer
from claimdesk.documents import rules
from claimdesk.documents.enums import MediaType
from claimdesk.documents.inspection import inspect_upload
from claimdesk.documents.reading import default_ocr, read_text
from claimdesk.documents.service import upload_document
from claimdesk.documents.storage import LocalBlobStore
from claimdesk.policies.schemas import PolicyIn
from claimdesk.policies.service import create_policy
from claimdesk.security.enums import Role
from claimdesk.security.service import Actor, create_user
from tests import samples

TITLE = "Document reading"

FORMS: dict[str, tuple[Callable[[samples.Sample], bytes], MediaType]] = {
    "text-layer PDF": (samples.pdf, MediaType.PDF),
    "PNG (OCR)": (samples.png, MediaType.PNG),
    "scanned PDF (OCR)": (samples.scanned_pdf, MediaType.PDF),
}
_serial = itertools.count(1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("document reading")
    group.add_argument(
        "--documents-rounds",
        type=int,
        default=20,
        metavar="N",
        help="passes over the text-layer PDFs and the accept baseline (default 20)",
    )
    group.add_argument(
        "--documents-claims",
        type=int,
        default=10,
        metavar="N",
        help="claims for the end-to-end upload run, five documents each (default 10)",
    )


@dataclass
class Pass:
    form: str
    documents: int = 0
    pages: int = 0
    seconds: float = 0.0
    kind_right: int = 0
    all_right: int = 0
    wrong: list[str] | None = None


def _read_pass(form: str, files: list[tuple[samples.Sample, bytes]], rounds: int) -> Pass:
    mime = FORMS[form][1]
    ocr = default_ocr()
    reading_rules = rules.reading_rules()
    result = Pass(form, wrong=[])
    for round_number in range(rounds):
        for sample, data in files:
            started = perf_counter()
            reading = read_text(data, mime, ocr=ocr)
            outcome = rules.understand(reading.text, reading_rules, declared_kind=None)
            result.seconds += perf_counter() - started
            result.documents += 1
            result.pages += reading.pages
            if round_number:
                continue  # the same bytes read the same way: score the first round only
            kind_ok = outcome.detected_kind == sample.kind
            fields_ok = all(outcome.fields.get(k) == v for k, v in sample.fields.items())
            result.kind_right += kind_ok
            result.all_right += kind_ok and fields_ok
            if not (kind_ok and fields_ok):
                missed = sorted(k for k, v in sample.fields.items() if outcome.fields.get(k) != v)
                result.wrong.append(
                    f"{sample.name}: kind {outcome.detected_kind}"
                    + (f", fields wrong: {', '.join(missed)}" if missed else "")
                )
    return result


def _accept_pass(files: list[bytes], rounds: int, limit: int) -> tuple[int, float]:
    with tempfile.TemporaryDirectory(prefix="claimdesk-bench-store-") as folder:
        store = LocalBlobStore(Path(folder))
        started = perf_counter()
        for _ in range(rounds):
            for data in files:
                inspect_upload(data, max_bytes=limit)
                store.put(data)
        return rounds * len(files), perf_counter() - started


def _end_to_end(target: Target, claims: int) -> tuple[int, float, int]:
    """Upload the five medical documents to each claim; return (documents, s, complete)."""
    container = target.container
    settings = container.settings
    store = container.blobs
    files = [(s.kind, f"{s.name}.pdf", samples.pdf(s)) for s in samples.MEDICAL]
    with unit_of_work(container.sessions) as session:
        n = next(_serial)
        holder = create_customer(
            session,
            data=CustomerIn(name="王小明", id_number=f"BENCHDOC{n:06d}"),
            now=BENCH_NOW,
        )
        policy = create_policy(
            session,
            data=PolicyIn(
                product_code="MED-HOSP",
                holder_id=holder.id,
                start_date=BENCH_NOW.date().replace(month=1, day=1),
                end_date=BENCH_NOW.date().replace(month=12, day=31),
                sum_insured=Decimal("900000000"),
            ),
            now=BENCH_NOW,
        )
        user = create_user(
            session,
            hasher=container.hasher,
            username=f"bench-doc-customer-{n}",
            password="bench-password-1",
            role=Role.CUSTOMER,
            customer_id=holder.id,
            now=BENCH_NOW,
        )
        actor = Actor(user_id=user.id, role=Role.CUSTOMER, customer_id=holder.id)
        claim_ids = []
        for day in range(claims):
            claim, _ = report_claim(
                session,
                actor=actor,
                data=ClaimIn(
                    policy_id=policy.id,
                    claim_type="inpatient",
                    incident_date=BENCH_NOW.date().replace(month=5, day=1 + day % 28),
                    description="基准 / benchmark",
                    claimed_amount=Decimal("2034.50"),
                ),
                now=BENCH_NOW,
                settings=settings,
            )
            claim_ids.append(claim.id)
    huey = container.runner.huey
    immediate, huey.immediate = huey.immediate, True  # the reading job runs on commit
    try:
        started = perf_counter()
        for claim_id in claim_ids:
            for kind, name, data in files:
                # Each claim gets its own copy: a different file per claim, as in life.
                data = data + f"\n% claim {claim_id}\n".encode()
                with unit_of_work(container.sessions) as session:
                    upload_document(
                        session,
                        actor=actor,
                        claim_id=claim_id,
                        data=data,
                        filename=name,
                        declared_kind=kind,
                        now=BENCH_NOW,
                        settings=settings,
                        store=store,
                    )
        seconds = perf_counter() - started
    finally:
        huey.immediate = immediate
    with container.sessions() as session:
        complete = sum(
            session.get(Claim, claim_id).status == ClaimStatus.UNDER_REVIEW
            for claim_id in claim_ids
        )
    return len(claim_ids) * len(files), seconds, complete


@dataclass
class Result:
    summary: dict[str, str]
    markdown: str


def _pages_rate(value: float) -> str:
    return fmt_rate(value) if value >= 10 else f"{value:.2f}"


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "-"


def run(target: Target, args: argparse.Namespace) -> Result:
    say = print
    limit = target.container.settings.upload_max_bytes
    rendered = {
        form: [(sample, make(sample)) for sample in samples.ALL]
        for form, (make, _mime) in FORMS.items()
    }
    every_file = [data for files in rendered.values() for _, data in files]

    say(f"  accept baseline: {len(every_file)} files x {args.documents_rounds} ...")
    accepted, accept_seconds = _accept_pass(every_file, args.documents_rounds, limit)
    say(f"  text layer: {len(samples.ALL)} PDFs x {args.documents_rounds} ...")
    passes = [_read_pass("text-layer PDF", rendered["text-layer PDF"], args.documents_rounds)]
    for form in ("PNG (OCR)", "scanned PDF (OCR)"):
        say(f"  {form}: {len(samples.ALL)} documents ...")
        passes.append(_read_pass(form, rendered[form], 1))
    say(f"  end to end: {args.documents_claims} claims x {len(samples.MEDICAL)} documents ...")
    e2e_documents, e2e_seconds, e2e_complete = _end_to_end(target, args.documents_claims)

    accept_rate = rate(accepted, accept_seconds)
    text_rate = rate(passes[0].pages, passes[0].seconds)
    ocr_pages = sum(p.pages for p in passes[1:])
    ocr_rate = rate(ocr_pages, sum(p.seconds for p in passes[1:]))
    ocr_right = sum(p.all_right for p in passes[1:])
    ocr_total = 2 * len(samples.ALL)
    summary = {
        "database": target.label,
        "accept files/s": fmt_rate(accept_rate),
        "text-layer pages/s": fmt_rate(text_rate),
        "OCR pages/s": _pages_rate(ocr_rate),
        "OCR / text layer": f"1 : {text_rate / ocr_rate:,.0f}",
        "correct (text layer)": _share(passes[0].all_right, len(samples.ALL)),
        "correct (OCR)": _share(ocr_right, ocr_total),
        "end to end documents/s": fmt_rate(rate(e2e_documents, e2e_seconds)),
    }
    rows = [
        "| measurement | documents | pages | seconds | pages/s | kind right "
        "| kind and all fields right |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| accept (check type and structure, sha256, store) — baseline | {accepted} | | "
        f"{accept_seconds:.2f} | {fmt_rate(accept_rate)} files/s | | |",
    ]
    for p in passes:
        scored = len(samples.ALL)
        rows.append(
            f"| read + understand: {p.form} | {p.documents} | {p.pages} | {p.seconds:.2f} | "
            f"{_pages_rate(rate(p.pages, p.seconds))} | "
            f"{_share(p.kind_right, scored)} | {_share(p.all_right, scored)} |"
        )
    rows.append(
        f"| end to end: upload + reading job + completeness, on the database | {e2e_documents} | "
        f"{e2e_documents} | {e2e_seconds:.2f} | {fmt_rate(rate(e2e_documents, e2e_seconds))} | | |"
    )
    wrong = [f"- {p.form}: {w}" for p in passes for w in p.wrong or []]
    markdown = "\n".join(
        [
            f"#### {target.label}",
            "",
            *rows,
            "",
            f"**Ratios in this run:** text-layer reading is {text_rate / ocr_rate:,.0f}× faster "
            f"than OCR of the same documents; accepting a file (checks, hash, store) is "
            f"{accept_rate / text_rate:,.1f}× faster than reading a text-layer PDF and "
            f"{accept_rate / ocr_rate:,.0f}× faster than OCR. End to end, "
            f"{e2e_complete} of {args.documents_claims} claims ended complete and under review.",
            "",
            "Documents read wrongly (first round):" if wrong else "Every document read right.",
            *wrong,
        ]
    )
    say(f"  {summary}")
    return Result(summary, markdown)
