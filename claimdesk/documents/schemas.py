from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class LossLineOffer(BaseModel):
    """An amount read from an invoice, offered (never applied) as a loss line for assessment."""

    coverage_code: str
    description: str
    amount: Decimal


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    claim_id: int
    filename: str
    kind: str | None = Field(description="The kind the uploader named, else the one detected.")
    declared_kind: str | None
    detected_kind: str | None
    status: str = Field(description="received (being read), read or unreadable.")
    sha256: str
    size: int
    mime: str
    pages: int
    ocr_pages: int
    fields: dict[str, str] = Field(description="Key fields read from the document.")
    error: str | None
    uploaded_by_id: int | None
    uploaded_at: datetime
    read_at: datetime | None
    loss_line_offer: LossLineOffer | None = None


class DocumentDetailOut(DocumentOut):
    text: str | None = Field(description="The text read from the document (text layer or OCR).")


class KindOut(BaseModel):
    kind: str
    name_en: str
    name_zh: str


class MissingOut(KindOut):
    must_show_en: str
    must_show_zh: str


class PresentOut(KindOut):
    document_ids: list[int]


class DocumentRefOut(BaseModel):
    document_id: int
    filename: str
    kind: str | None
    reason: str | None = None


class MismatchOut(BaseModel):
    document_id: int
    kind: str | None
    field: str
    value: str
    code: str
    message_en: str
    message_zh: str


class CompletenessOut(BaseModel):
    claim_id: int
    claim_status: str
    complete: bool = Field(description="Every required kind present and nothing still being read.")
    required: list[KindOut]
    present: list[PresentOut]
    missing: list[MissingOut]
    unreadable: list[DocumentRefOut]
    unrecognised: list[DocumentRefOut]
    pending: list[DocumentRefOut]
    mismatched: list[MismatchOut]
    needs_look: list[MismatchOut] = Field(
        default_factory=list,
        description="Fields read with too little confidence to be trusted: staff confirm them; "
        "they raise no mismatch.",
    )
    invoiced_total: Decimal = Field(description="Sum of the amounts read from invoices.")
    claimed_amount: Decimal
