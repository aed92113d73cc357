"""Claim papers made to match a claim, as PDFs with a text layer: the demo data set's
documents and the tests' (read back by the real reading pipeline, like any upload).

English lines in a core PDF font, so no CJK font is needed; names are the customers'
English names, which the insured-person check accepts like their Chinese ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF

# What each kind of document says, with the claim's facts filled in (see :class:`Facts`).
LINES: dict[str, tuple[str, ...]] = {
    "id_card": ("RESIDENT IDENTITY CARD", "Name: {name}", "Date of expiry: 2040-01-01"),
    "bank_account_proof": (
        "BANK ACCOUNT PROOF",
        "Account holder: {holder}",
        "Account number: {account_number}",
    ),
    "diagnosis_certificate": (
        "DIAGNOSIS CERTIFICATE",
        "Patient name: {name}",
        "Diagnosis: {diagnosis}",
        "Date: {day}",
    ),
    "itemised_invoice": (
        "MEDICAL INVOICE (ITEMISED)",
        "Invoice No.: INV-{ref}",
        "Date: {day}",
        "Patient: {name}",
        "Total amount: CNY {amount}",
    ),
    "discharge_summary": ("DISCHARGE SUMMARY", "Patient name: {name}", "Date of discharge: {day}"),
    "medical_records": (
        "OUTPATIENT MEDICAL RECORD",
        "Patient name: {name}",
        "Chief complaint: {diagnosis}",
    ),
    "accident_report": ("TRAFFIC ACCIDENT REPORT", "Police report", "Accident date: {day}"),
    "damage_photos": ("Photo of the damage",),
    "repair_estimate": (
        "REPAIR ESTIMATE",
        "Invoice No.: RE-{ref}",
        "Date: {day}",
        "Total: {amount}",
    ),
    "driving_licence": ("DRIVING LICENCE", "Name: {name}", "Class: C1"),
    "vehicle_licence": ("VEHICLE LICENCE", "Vehicle registration", "VIN: LSVAA4182E2{ref}"),
    "accident_proof": ("ACCIDENT CERTIFICATE", "Proof of accident", "Date of the accident: {day}"),
    "death_or_disability_proof": (
        "DISABILITY ASSESSMENT",
        "Name: {name}",
        "Disability grade: 10",
    ),
}


@dataclass(frozen=True)
class Facts:
    """What the papers of one claim say."""

    name: str  # the insured person (patient, driver)
    day: str  # YYYY-MM-DD: the incident, and the date of the papers
    amount: str  # invoice total, e.g. "5200.00"
    holder: str  # payee account holder
    account_number: str
    ref: str  # makes each claim's papers its own (invoice numbers, and the file bytes)
    diagnosis: str = "Community-acquired pneumonia"


def lines_for(kind: str, facts: Facts) -> list[str]:
    lines = [line.format(**vars(facts)) for line in LINES[kind]]
    return [*lines, f"Ref. {kind[:3].upper()}-{facts.ref}"]


def text_pdf(lines: Sequence[str]) -> bytes:
    """A one-page PDF with these lines as its text layer (same lines, same bytes)."""
    document = FPDF(format="A4")
    document.set_creation_date(datetime(2026, 6, 5, tzinfo=UTC))
    document.set_font("helvetica", size=12)
    document.add_page()
    for line in lines:
        document.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())
