"""Real documents made on the spot: Chinese and English claim papers as PNG and PDF files,
and hostile files that uploads must refuse. The benchmark uses them too.

Chinese text needs a CJK font: WenQuanYi Zen Hei from Debian's ``fonts-wqy-zenhei``
(``scripts/setup`` installs it); its path is looked up at run time.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfWriter

FONT_FOLDERS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


@cache
def cjk_font() -> Path:
    for folder in FONT_FOLDERS:
        found = sorted(folder.rglob("wqy-zenhei.ttc")) if folder.exists() else []
        if found:
            return found[0]
    raise RuntimeError(
        "The CJK font wqy-zenhei.ttc is not installed; run scripts/setup "
        "(it installs Debian's fonts-wqy-zenhei)."
    )


@dataclass(frozen=True)
class Sample:
    """A document's lines, what kind it is and the fields reading must find on it."""

    name: str
    kind: str
    lines: tuple[str, ...]
    fields: dict[str, str] = field(default_factory=dict)


INVOICE_ZH = Sample(
    "invoice-zh",
    "itemised_invoice",
    (
        "上海市医疗门诊收费票据（电子）",
        "票据号码：0012345678",
        "开票日期：2026年06月03日",
        "收款单位：上海市第六人民医院",
        "患者姓名：王小明",
        "诊断：社区获得性肺炎",
        "项目 金额",
        "西药费 1,200.00",
        "检查费 834.50",
        "合计（小写）：¥2,034.50",
    ),
    {
        "invoice_number": "0012345678",
        "date": "2026-06-03",
        "issuer": "上海市第六人民医院",
        "patient_name": "王小明",
        "diagnosis": "社区获得性肺炎",
        "amount": "2034.50",
    },
)

INVOICE_EN = Sample(
    "invoice-en",
    "itemised_invoice",
    (
        "MEDICAL INVOICE",
        "Invoice No.: INV-2026-0042",
        "Date: 2026-06-03",
        "Hospital: Shanghai Sixth People's Hospital",
        "Patient: Wang Xiaoming",
        "Diagnosis: Community-acquired pneumonia",
        "Medicines 1,200.00",
        "Laboratory tests 834.50",
        "Total amount: CNY 2,034.50",
    ),
    {
        "invoice_number": "INV-2026-0042",
        "date": "2026-06-03",
        "issuer": "Shanghai Sixth People's Hospital",
        "patient_name": "Wang Xiaoming",
        "diagnosis": "Community-acquired pneumonia",
        "amount": "2034.50",
    },
)

DIAGNOSIS_ZH = Sample(
    "diagnosis-zh",
    "diagnosis_certificate",
    (
        "疾病诊断证明书",
        "姓名：王小明",
        "诊断：社区获得性肺炎",
        "医院：上海市第六人民医院",
        "日期：2026年06月05日",
        "建议休息一周。",
    ),
    {
        "patient_name": "王小明",
        "diagnosis": "社区获得性肺炎",
        "issuer": "上海市第六人民医院",
        "date": "2026-06-05",
    },
)

DIAGNOSIS_EN = Sample(
    "diagnosis-en",
    "diagnosis_certificate",
    (
        "DIAGNOSIS CERTIFICATE",
        "Patient name: Wang Xiaoming",
        "Diagnosis: Community-acquired pneumonia",
        "Hospital: Shanghai Sixth People's Hospital",
        "Date: 2026-06-05",
        "Rest for one week is advised.",
    ),
    {
        "patient_name": "Wang Xiaoming",
        "diagnosis": "Community-acquired pneumonia",
        "issuer": "Shanghai Sixth People's Hospital",
        "date": "2026-06-05",
    },
)

DISCHARGE_ZH = Sample(
    "discharge-zh",
    "discharge_summary",
    (
        "出院小结",
        "患者姓名：王小明",
        "入院日期：2026年05月28日",
        "出院日期：2026年06月03日",
        "出院诊断：社区获得性肺炎",
        "医院：上海市第六人民医院",
    ),
    {"patient_name": "王小明", "diagnosis": "社区获得性肺炎", "issuer": "上海市第六人民医院"},
)

DISCHARGE_EN = Sample(
    "discharge-en",
    "discharge_summary",
    (
        "DISCHARGE SUMMARY",
        "Patient name: Wang Xiaoming",
        "Date of admission: 2026-05-28",
        "Date of discharge: 2026-06-03",
        "Diagnosis: Community-acquired pneumonia",
        "Hospital: Shanghai Sixth People's Hospital",
    ),
    {
        "patient_name": "Wang Xiaoming",
        "diagnosis": "Community-acquired pneumonia",
        "issuer": "Shanghai Sixth People's Hospital",
    },
)

ID_CARD_ZH = Sample(
    "id-card-zh",
    "id_card",
    (
        "中华人民共和国居民身份证",
        "姓名 王小明",
        "公民身份号码 110101199001010011",
        "签发机关 北京市公安局东城分局",
        "有效期限 2020.01.01-2040.01.01",
    ),
    {"patient_name": "王小明"},
)

BANK_ZH = Sample(
    "bank-zh",
    "bank_account_proof",
    (
        "银行卡账户证明",
        "户名：王小明",
        "账号：6222 0200 0000 0001",
        "开户行：中国工商银行上海分行",
    ),
)

ACCIDENT_REPORT_ZH = Sample(
    "accident-report-zh",
    "accident_report",
    (
        "道路交通事故认定书（简易程序）",
        "事故时间：2026年06月01日",
        "车牌号码：沪A12345",
        "当事人：王小明",
        "责任认定：对方负全部责任",
        "上海市公安局交通警察总队",
    ),
    {"accident_date": "2026-06-01", "plate_number": "沪A12345"},
)

REPAIR_ZH = Sample(
    "repair-zh",
    "repair_estimate",
    (
        "机动车维修估价单",
        "单据号：RE-778812",
        "车牌号码：沪A12345",
        "维修单位：上海安达汽车维修有限公司",
        "日期：2026年06月04日",
        "前保险杠 3,200.00",
        "工时费 5,450.00",
        "合计：¥8,650.00",
    ),
    {
        "invoice_number": "RE-778812",
        "plate_number": "沪A12345",
        "issuer": "上海安达汽车维修有限公司",
        "date": "2026-06-04",
        "amount": "8650.00",
    },
)

REPAIR_EN = Sample(
    "repair-en",
    "repair_estimate",
    (
        "REPAIR ESTIMATE",
        "Invoice No.: RE-778813",
        "Repair shop: Anda Auto Repair, Shanghai",
        "Date: 2026-06-04",
        "Front bumper 3,200.00",
        "Labour 5,450.00",
        "Total: 8,650.00",
    ),
    {
        "invoice_number": "RE-778813",
        "issuer": "Anda Auto Repair, Shanghai",
        "date": "2026-06-04",
        "amount": "8650.00",
    },
)

MEDICAL = (INVOICE_ZH, DIAGNOSIS_ZH, DISCHARGE_ZH, ID_CARD_ZH, BANK_ZH)
ALL = (
    INVOICE_ZH,
    INVOICE_EN,
    DIAGNOSIS_ZH,
    DIAGNOSIS_EN,
    DISCHARGE_ZH,
    DISCHARGE_EN,
    ID_CARD_ZH,
    BANK_ZH,
    ACCIDENT_REPORT_ZH,
    REPAIR_ZH,
    REPAIR_EN,
)


# ---------------------------------------------------------------- rendering

FONT_PX = 40  # about 10 pt at 300 dpi, as a scanner produces
LINE_PX = 72


def render_image(sample: Sample) -> Image.Image:
    font = ImageFont.truetype(str(cjk_font()), FONT_PX)
    image = Image.new("L", (1654, 160 + LINE_PX * len(sample.lines)), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(sample.lines):
        draw.text((100, 80 + LINE_PX * number), line, font=font, fill=0)
    return image


def png(sample: Sample) -> bytes:
    buffer = io.BytesIO()
    render_image(sample).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(sample: Sample) -> bytes:
    buffer = io.BytesIO()
    render_image(sample).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 6, 5, tzinfo=UTC))  # same sample, same bytes
    pdf.add_font("wqy", fname=str(cjk_font()))
    pdf.set_font("wqy", size=12)
    return pdf


def pdf(sample: Sample) -> bytes:
    """A PDF with a text layer, as an issuer's system produces it."""
    document = _pdf()
    document.add_page()
    for line in sample.lines:
        document.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def scanned_pdf(sample: Sample) -> bytes:
    """A PDF holding only a picture of the page, as a scanner produces it: no text layer."""
    document = _pdf()
    document.add_page()
    document.image(render_image(sample), x=0, y=0, w=210)
    return bytes(document.output())


# ---------------------------------------------------------------- hostile files


def encrypted_pdf(sample: Sample = INVOICE_EN) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf(sample)))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def truncated_pdf(sample: Sample = INVOICE_EN) -> bytes:
    data = pdf(sample)
    return data[: len(data) // 2]


def png_bomb(side: int = 30_000) -> bytes:
    """A valid PNG of side × side black pixels: a few dozen KB that would fill gigabytes."""
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + one row of 1-bit pixels
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row) for _ in range(side)]
    idat = b"".join(chunks) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
