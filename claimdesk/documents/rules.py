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
from typing import Any

from claimdesk.core import messages
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
    min_confidence: float = 0.6
    labels: re.Pattern[str] | None = None

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
    labels = sorted(data.get("labels", []), key=len, reverse=True)
    label_pattern = None
    if labels:
        alternatives = [
            re.escape(label) if re.match(rf"[{_CJK}]", label) else rf"(?<=\s){re.escape(label)}\b"
            for label in labels
        ]
        label_pattern = re.compile("|".join(alternatives), re.IGNORECASE)
    return ReadingRules(
        min_score=int(data["min_score"]),
        kinds=kinds,
        fields=fields,
        min_confidence=float(data.get("min_confidence", 0.6)),
        labels=label_pattern,
    )


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
    # OCR often drops the spaces between English words ("TRAFFICACCIDENTREPORT")
    squashed = lowered.replace(" ", "")
    scores = {}
    for rule in rules.kinds.values():
        score = sum(
            weight
            for phrase, weight in rule.keywords.items()
            if phrase in lowered or (" " in phrase and phrase.replace(" ", "") in squashed)
        )
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
    raw = re.sub(r"[,\s]", "", raw)
    if raw.count(".") > 1:  # 10.657.88: dots as thousands separators (an OCR misreading)
        whole, _, cents = raw.rpartition(".")
        raw = whole.replace(".", "") + "." + cents
    try:
        return Decimal(raw).quantize(Decimal("0.01"))
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


_UPPER_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_UPPER_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def parse_amount_words(raw: str | None) -> Decimal | None:
    """The 大写 form of an amount: 贰仟零叁拾肆元伍角 -> 2034.50 (None if it does not parse)."""
    if not raw:
        return None
    raw = raw.replace("圆", "元").replace("正", "整")
    yuan_part, sep, cents_part = raw.partition("元")
    if not sep or (not yuan_part and not cents_part):
        return None
    total, section, digit = 0, 0, 0
    for char in yuan_part:
        if char in _UPPER_DIGITS:
            digit = _UPPER_DIGITS[char]
        elif char in _UPPER_UNITS:
            section += (digit or 1) * _UPPER_UNITS[char]
            digit = 0
        elif char in ("万", "亿"):
            total = (total + section + digit) * (10_000 if char == "万" else 100_000_000)
            section = digit = 0
        else:
            return None
    yuan = total + section + digit
    cents = 0
    match = re.fullmatch(
        r"(?:零)?(?:(?P<jiao>[零壹贰叁肆伍陆柒捌玖])角)?(?:零)?"
        r"(?:(?P<fen>[零壹贰叁肆伍陆柒捌玖])分)?(?:整)?",
        cents_part,
    )
    if match is None:
        return None
    if match["jiao"]:
        cents += 10 * _UPPER_DIGITS[match["jiao"]]
    if match["fen"]:
        cents += _UPPER_DIGITS[match["fen"]]
    return Decimal(yuan * 100 + cents) / 100


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number_valid(number: str) -> bool:
    """GB 11643: 17 digits, then the check digit of their weighted sum mod 11 (X for 10)."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17]


def luhn_valid(number: str) -> bool:
    """The Luhn check digit that bank card numbers (UnionPay 62…, 16-19 digits) carry."""
    if not number.isdigit() or len(number) < 12:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char)
        if index % 2:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return total % 10 == 0


# OCR's usual confusions inside a number: letters that look like digits.
_DIGIT_LOOKALIKES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "Z": "2",
        "S": "5",
        "B": "8",
        "b": "6",
    }
)


def _value(rule: FieldRule, raw: str) -> str | None:
    raw = raw.strip()
    if rule.type == "amount":
        amount = parse_amount(raw)
        return str(amount) if amount is not None else None
    if rule.type == "amount_words":
        words = parse_amount_words(raw)
        return f"{words:.2f}" if words is not None else None
    if rule.type == "date":
        day = parse_date(raw)
        return day.isoformat() if day and 1900 <= day.year <= 2100 else None
    if rule.type == "plate":
        plate = re.sub(r"\s", "", raw).upper()
        # plates never use I or O (GA 36): one after the province is OCR noise, one further
        # on is a misread 1 or 0
        if len(plate) == 8 and plate[1] in "IO":
            plate = plate[0] + plate[2:]
        return plate[:2] + plate[2:].replace("O", "0").replace("I", "1")
    if rule.type in ("digits", "card_number"):
        return re.sub(r"\D", "", raw.translate(_DIGIT_LOOKALIKES)) or None
    if rule.type == "id_number":
        number = re.sub(r"\s", "", raw).upper()
        return number[:17].translate(_DIGIT_LOOKALIKES) + number[17:] if number else None
    if rule.name == "issuer":
        return _clean_issuer(raw)
    if rule.name == "diagnosis" and _mostly_latin(raw):
        return re.sub(r"\s+", " ", re.sub(rf"[{_CJK}]", "", raw)).strip() or None
    if rule.name in ("patient_name", "account_holder") and re.fullmatch(r"[A-Za-z .'-]+", raw):
        return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", raw)  # "WuXiuying": OCR dropped the space
    return raw or None


_INSTITUTION_END = re.compile(
    r"(医院|医疗中心|卫生院|诊所|公司|修理厂|维修中心|服务中心|支队|大队)"
)


def _mostly_latin(raw: str) -> bool:
    return len(re.findall(r"[A-Za-z]", raw)) > len(re.findall(rf"[{_CJK}]", raw))


def _clean_issuer(raw: str) -> str | None:
    """An issuer's name without what a seal stamped beside it adds: text after the word that
    ends an institution's name (医院, 公司 …), Chinese characters in a Latin name; and with
    the spaces OCR drops after commas and between words put back."""
    if _mostly_latin(raw):
        raw = re.sub(rf"[{_CJK}]", "", raw)
        raw = re.sub(r",(?=\S)", ", ", raw)
        raw = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", raw)
        raw = re.sub(r"\s+", " ", raw).strip(" ,.")
    else:
        end = _INSTITUTION_END.search(raw)
        if end:
            raw = raw[: end.end()]
    return raw or None


def split_labels(text: str, rules: ReadingRules) -> str:
    """Each known label starts a line: a table row read as one line becomes label-value lines."""
    if rules.labels is None:
        return text
    return "\n".join(
        rules.labels.sub(lambda m: m[0] if m.start() == 0 else "\n" + m[0], line)
        for line in text.splitlines()
    )


@dataclass(frozen=True)
class Fields:
    """The key fields read from a document, and how sure reading is of each (0 to 1)."""

    values: dict[str, str]
    confidence: dict[str, float]


# Common Chinese family names (single and compound): a read name starting with one is likelier
# to be a name than OCR noise.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟")
_CJK_NAME = re.compile(rf"[{_CJK}]{{2,4}}")
_LATIN_NAME = re.compile(r"[A-Z][a-z]+(?:[ '-][A-Z][a-z]+){1,3}")


def field_confidence(name: str, rule_type: str, value: str, *, chinese: bool) -> float:
    """How sure reading is of one field, from what the value itself can prove: checksums
    (ID numbers, card numbers), a valid date, the shape of a name in the document's script."""
    if rule_type == "id_number":
        return 0.99 if id_number_valid(value) else 0.3
    if rule_type == "card_number":
        if luhn_valid(value):
            return 0.99
        return 0.5 if 12 <= len(value) <= 19 else 0.3
    if rule_type == "date":
        return 0.95
    if rule_type == "amount":
        return 0.85  # raised or lowered by the 大写 cross-check
    if name in ("patient_name", "account_holder"):
        if _CJK_NAME.fullmatch(value):
            known = value[0] in _SURNAMES or value.startswith(_COMPOUND_SURNAMES)
            return 0.95 if known else 0.65
        if _LATIN_NAME.fullmatch(value):
            # a Latin name on a Chinese document is what OCR makes of Chinese it cannot read
            return 0.5 if chinese else 0.9
        return 0.3
    if rule_type == "plate":
        return 0.95 if re.fullmatch(r".[A-HJ-NP-Z][A-HJ-NP-Z0-9]{5,6}", value) else 0.5
    if re.search(r"[^\w\s.,'&()\-/·]", value):
        return 0.5  # stray symbols: OCR noise
    return 0.9


def read_fields(text: str, rules: ReadingRules) -> Fields:
    """Key fields found in the text, as strings (amounts '1234.50', dates 'YYYY-MM-DD'),
    each with a confidence; the 大写 amount, when printed, cross-checks the figures."""
    normalized = split_labels(normalize_text(text), rules)
    chinese = len(re.findall(rf"[{_CJK}]", normalized)) > len(re.findall(r"[A-Za-z]", normalized))
    values: dict[str, str] = {}
    confidence: dict[str, float] = {}
    types: dict[str, str] = {}
    for rule in rules.fields:
        for pattern in rule.patterns:
            matches = list(pattern.finditer(normalized))
            if rule.pick == "last":
                matches.reverse()
            value = next((v for m in matches if (v := _value(rule, m["value"]))), None)
            if value is not None:
                values[rule.name] = value
                types[rule.name] = rule.type
                break
    words = values.pop("amount_words", None)
    for name, value in values.items():
        confidence[name] = field_confidence(name, types[name], value, chinese=chinese)
    if words is not None:
        if values.get("amount") == words:
            confidence["amount"] = 0.99
        elif "amount" in values:
            # the two forms disagree: the 大写 form is the legal one; someone should look
            values["amount"], confidence["amount"] = words, 0.5
        else:
            values["amount"], confidence["amount"] = words, 0.75
    return Fields(values, confidence)


def extract_fields(text: str, rules: ReadingRules) -> dict[str, str]:
    """Key fields found in the text, as strings (amounts '1234.50', dates 'YYYY-MM-DD')."""
    return read_fields(text, rules).values


@dataclass(frozen=True)
class Outcome:
    """What reading made of a document: its status, the kind it looks like, its fields."""

    status: DocumentStatus
    detected_kind: str | None
    fields: dict[str, str]
    error: str | None = None
    confidence: dict[str, float] = field(default_factory=dict)


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
    found = read_fields(text, rules)
    return Outcome(
        DocumentStatus.READ, classification.kind, found.values, confidence=found.confidence
    )


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
    # field -> confidence (0 to 1); a field not listed counts as confident (read before
    # confidence was kept, or typed in by a person)
    confidence: dict[str, float] = field(default_factory=dict)

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
    needs_look: list[Mismatch] = field(default_factory=list)
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


FIELD_NAMES = {
    "patient_name": ("name", "姓名"),
    "date": ("date", "日期"),
    "accident_date": ("accident date", "事故日期"),
    "plate_number": ("plate", "车牌"),
    "amount": ("amount", "金额"),
    "account_number": ("account number", "账号"),
    "account_holder": ("account holder", "户名"),
    "id_number": ("ID number", "身份证号"),
    "invoice_number": ("invoice number", "票据号码"),
    "issuer": ("issuer", "出具单位"),
    "diagnosis": ("diagnosis", "诊断"),
}


def low_confidence(doc: DocumentFacts, rules: ReadingRules) -> list[str]:
    """The fields of a document read with less confidence than the rules require."""
    return [name for name in doc.fields if doc.confidence.get(name, 1.0) < rules.min_confidence]


def _needs_look(doc: DocumentFacts, rules: ReadingRules) -> list[Mismatch]:
    found = []
    for name in low_confidence(doc, rules):
        en, zh = FIELD_NAMES.get(name, (name, name))
        value = doc.fields[name]
        found.append(
            Mismatch(
                doc.id,
                doc.kind,
                name,
                value,
                "needs_look",
                f"'{doc.filename}': the {en} was read as “{value}” but not clearly; "
                "please check it against the file.",
                f"“{doc.filename}”的{zh}识别为“{value}”，但不够清晰，请对照原件核实。",
            )
        )
    return found


def _mismatches(doc: DocumentFacts, claim: ClaimFacts, rules: ReadingRules) -> list[Mismatch]:
    """Fields that disagree with the claim. A field read with low confidence never counts
    (it is listed as needing a look instead): OCR noise must not look like fraud."""
    found = []
    rule = rules.kind(doc.kind)
    unsure = set(low_confidence(doc, rules))
    fields = {k: v for k, v in doc.fields.items() if k not in unsure}

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
            result.needs_look.extend(_needs_look(doc, rules))
            rule = rules.kind(doc.kind)
            amount = parse_amount(doc.fields.get("amount"))
            if rule and rule.loss_line and amount is not None:
                # The same invoice uploaded twice (e.g. a scan and a photo) counts once.
                invoices[doc.fields.get("invoice_number") or f"document {doc.id}"] = amount
    result.missing = [kind for kind in claim.required if kind not in result.present]
    result.invoiced_total = sum(invoices.values(), Decimal("0.00"))
    return result


def request_message(result: Completeness) -> dict[str, Any]:
    """One request to the customer listing everything still needed: a message key with
    the document kinds and file names, rendered in the reader's language when read."""
    items = [
        messages.message(
            "history.document_needed",
            kind=messages.code("document", kind),
            must_show=messages.code("document_must_show", kind),
        )
        for kind in result.missing
    ]
    items += [
        messages.message("history.document_unreadable", file=doc.filename)
        for doc in result.unreadable
    ]
    items += [
        messages.message("history.document_unrecognised", file=doc.filename)
        for doc in result.unrecognised
    ]
    return messages.message("history.documents_requested", items=messages.each(*items))
