"""Pure rules: understanding a document's text, and whether a claim's documents are complete.

Keywords and field patterns are data (``reading.toml``); this module applies them.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from claimdesk.documents.checklists import template
from claimdesk.documents.enums import DocumentStatus

# Fewer non-space characters than this and a page or picture counts as having no text.
MIN_TEXT_CHARS = 12

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")
_SPACE_AROUND_COLON = re.compile(r"[ \t]*:[ \t]*")
_SPACES = re.compile(r"[ \t]+")


# ---------------------------------------------------------------- the rules (data)


@dataclass(frozen=True)
class KindRule:
    kind: str
    keywords: dict[str, int]
    needs_text: bool = True
    loss_line: bool = False
    names_person: bool = False
    in_period: bool = False


@dataclass(frozen=True)
class FieldRule:
    name: str
    type: str
    patterns: tuple[re.Pattern[str], ...]
    pick: str = "first"


@dataclass(frozen=True)
class ReadingRules:
    min_score: int
    kinds: dict[str, KindRule]
    fields: tuple[FieldRule, ...]

    def kind(self, kind: str | None) -> KindRule | None:
        return self.kinds.get(kind) if kind else None


@cache
def reading_rules() -> ReadingRules:
    text = resources.files("claimdesk.documents").joinpath("reading.toml").read_text("utf-8")
    return parse_rules(text)


def parse_rules(toml_text: str) -> ReadingRules:
    data = tomllib.loads(toml_text)
    kinds = {
        kind: KindRule(
            kind=kind,
            keywords={normalize_text(k).lower(): int(w) for k, w in entry["keywords"].items()},
            needs_text=entry.get("needs_text", True),
            loss_line=entry.get("loss_line", False),
            names_person=entry.get("names_person", False),
            in_period=entry.get("in_period", False),
        )
        for kind, entry in data["kinds"].items()
    }
    fields = tuple(
        FieldRule(
            name=name,
            type=entry["type"],
            patterns=tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in entry["patterns"]),
            pick=entry.get("pick", "first"),
        )
        for name, entry in data["fields"].items()
    )
    return ReadingRules(min_score=int(data["min_score"]), kinds=kinds, fields=fields)


# ---------------------------------------------------------------- reading text


def normalize_text(text: str) -> str:
    """NFKC (full-width to half-width), no spaces inside Chinese, one space elsewhere."""
    text = unicodedata.normalize("NFKC", text)
    lines = []
    for line in text.splitlines():
        line = _SPACE_BETWEEN_CJK.sub("", line)
        line = _SPACE_AROUND_COLON.sub(":", line)
        line = _SPACES.sub(" ", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def has_text(text: str) -> bool:
    return sum(1 for c in text if not c.isspace()) >= MIN_TEXT_CHARS


@dataclass(frozen=True)
class Classification:
    kind: str | None
    scores: dict[str, int]


def classify(text: str, rules: ReadingRules, *, prefer: Iterable[str] = ()) -> Classification:
    """The kind whose keywords weigh most in the text; ties go to a kind in ``prefer``."""
    lowered = normalize_text(text).lower()
    scores = {}
    for rule in rules.kinds.values():
        score = sum(weight for phrase, weight in rule.keywords.items() if phrase in lowered)
        if score:
            scores[rule.kind] = score
    if not scores or max(scores.values()) < rules.min_score:
        return Classification(None, scores)
    preferred = set(prefer)
    best = max(scores, key=lambda kind: (scores[kind], kind in preferred))
    return Classification(best, scores)


def parse_amount(raw: str | None) -> Decimal | None:
    if not raw:
        return None
    try:
        return Decimal(raw.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def parse_date(raw: str | None) -> date | None:
    parts = re.findall(r"\d+", raw or "")
    if len(parts) != 3:
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def _value(rule: FieldRule, raw: str) -> str | None:
    raw = raw.strip()
    if rule.type == "amount":
        amount = parse_amount(raw)
        return str(amount) if amount is not None else None
    if rule.type == "date":
        day = parse_date(raw)
        return day.isoformat() if day else None
    if rule.type == "plate":
        return re.sub(r"\s", "", raw).upper()
    if rule.type == "digits":
        return re.sub(r"\D", "", raw) or None
    return raw or None


def extract_fields(text: str, rules: ReadingRules) -> dict[str, str]:
    """Key fields found in the text, as strings (amounts '1234.50', dates 'YYYY-MM-DD')."""
    normalized = normalize_text(text)
    found: dict[str, str] = {}
    for rule in rules.fields:
        for pattern in rule.patterns:
            matches = list(pattern.finditer(normalized))
            if rule.pick == "last":
                matches.reverse()
            value = next((v for m in matches if (v := _value(rule, m["value"]))), None)
            if value is not None:
                found[rule.name] = value
                break
    return found


@dataclass(frozen=True)
class Outcome:
    """What reading made of a document: its status, the kind it looks like, its fields."""

    status: DocumentStatus
    detected_kind: str | None
    fields: dict[str, str]
    error: str | None = None


def understand(
    text: str, rules: ReadingRules, *, declared_kind: str | None, prefer: Iterable[str] = ()
) -> Outcome:
    """Classify and extract; a document that should have text but has none is unreadable."""
    declared = rules.kind(declared_kind)
    if not has_text(text):
        if declared is not None and not declared.needs_text:
            return Outcome(DocumentStatus.READ, None, {})
        return Outcome(
            DocumentStatus.UNREADABLE,
            None,
            {},
            "No text could be read from this file; upload a sharper scan or photo, "
            "flat and in good light.",
        )
    classification = classify(text, rules, prefer=prefer)
    return Outcome(DocumentStatus.READ, classification.kind, extract_fields(text, rules))


# ---------------------------------------------------------------- completeness


@dataclass(frozen=True)
class DocumentFacts:
    id: int
    filename: str
    status: DocumentStatus
    declared_kind: str | None
    detected_kind: str | None
    fields: dict[str, str]
    error: str | None = None

    @property
    def kind(self) -> str | None:
        """The kind the uploader named, else the one reading found."""
        return self.declared_kind or self.detected_kind


@dataclass(frozen=True)
class ClaimFacts:
    required: tuple[str, ...]
    person_names: tuple[str, ...]
    period_start: date
    period_end: date
    incident_date: date
    plate_number: str | None = None


@dataclass(frozen=True)
class Mismatch:
    document_id: int
    kind: str | None
    field: str
    value: str
    code: str
    message_en: str
    message_zh: str


@dataclass
class Completeness:
    required: tuple[str, ...]
    present: dict[str, list[int]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    unreadable: list[DocumentFacts] = field(default_factory=list)
    unrecognised: list[DocumentFacts] = field(default_factory=list)
    pending: list[DocumentFacts] = field(default_factory=list)
    mismatched: list[Mismatch] = field(default_factory=list)
    invoiced_total: Decimal = Decimal("0.00")

    @property
    def complete(self) -> bool:
        """Every required kind has a readable document and nothing is still being read."""
        return not self.missing and not self.pending


def _name_forms(name: str) -> set[str]:
    plain = unicodedata.normalize("NFKC", name).lower()
    plain = re.sub(r"[\s·.,\-_]+", " ", plain).strip()
    return {plain.replace(" ", ""), " ".join(sorted(plain.split()))}


def is_insured_name(name: str, insured: Sequence[str]) -> bool:
    """Same person, ignoring case, spaces, dots and the order of given and family names."""
    forms = _name_forms(name)
    return any(forms & _name_forms(other) for other in insured if other)


def _mismatches(doc: DocumentFacts, claim: ClaimFacts, rules: ReadingRules) -> list[Mismatch]:
    found = []
    rule = rules.kind(doc.kind)
    fields = doc.fields

    def add(field_name: str, code: str, en: str, zh: str) -> None:
        found.append(
            Mismatch(doc.id, doc.kind, field_name, fields.get(field_name, ""), code, en, zh)
        )

    if doc.declared_kind and doc.detected_kind and doc.declared_kind != doc.detected_kind:
        add(
            "kind",
            "kind_differs",
            f"'{doc.filename}' was uploaded as {template(doc.declared_kind).name_en} but looks "
            f"like {template(doc.detected_kind).name_en}.",
            f"“{doc.filename}”按{template(doc.declared_kind).name_zh}上传，"
            f"但看起来是{template(doc.detected_kind).name_zh}。",
        )
    patient = fields.get("patient_name")
    if rule and rule.names_person and patient and not is_insured_name(patient, claim.person_names):
        add(
            "patient_name",
            "person_not_insured",
            f"'{doc.filename}' names {patient}, who is not insured by this policy.",
            f"“{doc.filename}”上的姓名“{patient}”不是本保单的被保险人。",
        )
    issued = parse_date(fields.get("date"))
    if rule and rule.in_period and issued and not claim.period_start <= issued <= claim.period_end:
        add(
            "date",
            "date_outside_policy_period",
            f"'{doc.filename}' is dated {issued}, outside the policy period "
            f"{claim.period_start} to {claim.period_end}.",
            f"“{doc.filename}”的日期{issued}不在保险期间"
            f"（{claim.period_start}至{claim.period_end}）内。",
        )
    accident = parse_date(fields.get("accident_date"))
    if accident and accident != claim.incident_date:
        add(
            "accident_date",
            "accident_date_differs",
            f"'{doc.filename}' gives the accident date {accident}; the claim says "
            f"{claim.incident_date}.",
            f"“{doc.filename}”上的事故日期为{accident}，与报案的出险日期{claim.incident_date}不符。",
        )
    plate = fields.get("plate_number")
    if plate and claim.plate_number and plate != claim.plate_number.replace(" ", "").upper():
        add(
            "plate_number",
            "plate_differs",
            f"'{doc.filename}' shows the plate {plate}; the insured vehicle is "
            f"{claim.plate_number}.",
            f"“{doc.filename}”上的车牌{plate}与承保车辆{claim.plate_number}不符。",
        )
    return found


def assess_completeness(
    claim: ClaimFacts, documents: Sequence[DocumentFacts], rules: ReadingRules
) -> Completeness:
    result = Completeness(required=claim.required)
    invoices: dict[str, Decimal] = {}
    for doc in documents:
        if doc.status == DocumentStatus.RECEIVED:
            result.pending.append(doc)
        elif doc.status == DocumentStatus.UNREADABLE:
            result.unreadable.append(doc)
        elif doc.kind is None:
            result.unrecognised.append(doc)
        else:
            result.present.setdefault(doc.kind, []).append(doc.id)
            result.mismatched.extend(_mismatches(doc, claim, rules))
            rule = rules.kind(doc.kind)
            amount = parse_amount(doc.fields.get("amount"))
            if rule and rule.loss_line and amount is not None:
                # The same invoice uploaded twice (e.g. a scan and a photo) counts once.
                invoices[doc.fields.get("invoice_number") or f"document {doc.id}"] = amount
    result.missing = [kind for kind in claim.required if kind not in result.present]
    result.invoiced_total = sum(invoices.values(), Decimal("0.00"))
    return result


def request_message(result: Completeness) -> str:
    """One request to the customer listing everything still needed, in Chinese and English."""
    zh, en = [], []
    for kind in result.missing:
        t = template(kind)
        zh.append(f"{t.name_zh}（须显示：{t.must_show_zh}）")
        en.append(f"{t.name_en} (must show: {t.must_show_en})")
    for doc in result.unreadable:
        zh.append(f"“{doc.filename}”无法识别，请重新上传清晰的扫描件或照片")
        en.append(f"'{doc.filename}' could not be read; upload a clearer scan or photo")
    for doc in result.unrecognised:
        zh.append(f"“{doc.filename}”无法判断是哪类材料，请上传时注明材料类型")
        en.append(f"'{doc.filename}' could not be recognised; upload it again naming its kind")
    return (
        "请补充以下材料："
        + "；".join(zh)
        + "。\nPlease provide the following: "
        + "; ".join(en)
        + "."
    )
