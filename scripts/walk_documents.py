"""Make the five PDFs the README's curl walk uploads (docs/walk/), to match the demo data
set's customer1 and the walk's inpatient claim of 5,200.00.

Run on a demo database (the demo is deterministic: same names and account numbers):

    CLAIMDESK_DATA_DIR=/tmp/demo .venv/bin/claimdesk demo
    CLAIMDESK_DATA_DIR=/tmp/demo .venv/bin/python scripts/walk_documents.py

The PDFs carry a text layer in Chinese and English (font: Debian's fonts-wqy-zenhei), so
ClaimDesk reads them with no OCR. They carry no dates the claim could contradict: the
walk's incident date is "three days ago" whenever it is run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import select

from claimdesk.bootstrap import build
from claimdesk.customers.models import Customer
from claimdesk.security.models import User

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
OUT = Path(__file__).resolve().parent.parent / "docs" / "walk"
AMOUNT = "5,200.00"


def papers(name: str, name_en: str, account: str, bank: str) -> dict[str, list[str]]:
    spaced = " ".join(account[i : i + 4] for i in range(0, len(account), 4))
    return {
        "id_card": [
            "中华人民共和国居民身份证 Resident Identity Card",
            f"姓名 {name}",
            "签发机关 公安局",
            "有效期限 2020.01.01-2040.01.01",
        ],
        "diagnosis_certificate": [
            "疾病诊断证明书 Diagnosis certificate",
            f"姓名：{name}",
            "诊断：社区获得性肺炎 Community-acquired pneumonia",
            "建议住院治疗。医师签字、医院盖章。",
        ],
        "itemised_invoice": [
            "住院收费票据（电子）Inpatient invoice",
            "票据号码：WALK20260001",
            f"患者姓名：{name}",
            "床位费 800.00",
            "西药费 2,600.00",
            "检查费 1,800.00",
            f"合计（小写）：¥{AMOUNT}",
        ],
        "discharge_summary": [
            "出院小结 Discharge summary",
            f"患者姓名：{name}",
            "住院天数：7天",
            "出院诊断：社区获得性肺炎",
        ],
        "bank_account_proof": [
            "银行卡账户证明 Bank account proof",
            f"户名：{name}",
            f"账号：{spaced}",
            f"开户行：{bank}",
            f"Account holder: {name_en}",
        ],
    }


def write(lines: list[str], path: Path) -> None:
    document = FPDF(format="A4")
    document.set_creation_date(datetime(2026, 12, 1, tzinfo=UTC))
    document.add_font("wqy", fname=str(FONT))
    document.set_font("wqy", size=12)
    document.add_page()
    for line in lines:
        document.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    path.write_bytes(bytes(document.output()))


def main() -> None:
    container = build()
    with container.sessions() as session:
        customer = session.scalars(
            select(Customer)
            .join(User, User.customer_id == Customer.id)
            .where(User.username == "customer1")
        ).one()
        account = customer.bank_accounts[0]
        made = papers(
            customer.name, customer.name_en or "", account.account_number, account.bank_name
        )
    OUT.mkdir(parents=True, exist_ok=True)
    for kind, lines in made.items():
        write(lines, OUT / f"{kind}.pdf")
        print(OUT / f"{kind}.pdf")


if __name__ == "__main__":
    main()
