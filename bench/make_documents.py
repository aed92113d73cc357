"""Make the document-reading evaluation set: phone-photo-like pictures of claim papers.

    .venv/bin/python -m bench.make_documents            # writes bench/data/documents/

Deterministic (one seed): the same fonts and libraries give the same files. Each document is
drawn with one of the installed CJK fonts (WenQuanYi Zen Hei and Micro Hei, AR PL UMing and
UKai from Debian's ``fonts-wqy-*`` and ``fonts-arphic-*``), in one of two layouts (label:value
lines, or a ruled table with the label and the value in separate cells), then photographed:
laid on a desk, skewed, put in perspective, lit unevenly, blurred, stamped with a red seal and
saved as JPEG. A few are clean PDFs with a text layer. ``truth.jsonl`` holds, a line per
document, its file, split (dev or test), kind, language, the degradations and the fields
reading must find (amounts to the cent, dates YYYY-MM-DD).

The people, hospitals, ID and card numbers are made up; ID numbers carry a valid GB 11643
check digit and card numbers a valid Luhn digit, as real ones do.
"""

from __future__ import annotations

import io
import json
import math
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent / "data" / "documents"
SEED = 20261203
COUNT = 168  # pictures; plus the clean PDFs
FONTS = {
    "zenhei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    "microhei": ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    "uming": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    "ukai": ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "欣怡子涵梓萱一诺浩然宇轩俊杰思远雨桐佳怡明辉志强秀英建华丽娟晓东海燕文博嘉懿若曦"
    "婷婷伟国春梅德胜玉兰振宇天佑"
)
PINYIN = {
    "王": "Wang",
    "李": "Li",
    "张": "Zhang",
    "刘": "Liu",
    "陈": "Chen",
    "杨": "Yang",
    "黄": "Huang",
    "赵": "Zhao",
    "吴": "Wu",
    "周": "Zhou",
    "徐": "Xu",
    "孙": "Sun",
}
GIVEN_EN = [
    "Xinyi",
    "Zihan",
    "Haoran",
    "Yuxuan",
    "Junjie",
    "Siyuan",
    "Jiayi",
    "Minghui",
    "Zhiqiang",
    "Xiuying",
    "Jianhua",
    "Lijuan",
    "Xiaodong",
    "Haiyan",
    "Wenbo",
    "Tingting",
]
HOSPITALS_ZH = [
    "上海市第六人民医院",
    "北京协和医院",
    "四川大学华西医院",
    "浙江大学医学院附属第一医院",
    "中山大学附属第一医院",
    "复旦大学附属华山医院",
    "武汉市中心医院",
    "南京鼓楼医院",
    "广州市妇女儿童医疗中心",
    "西安交通大学第一附属医院",
    "苏州市立医院",
    "天津医科大学总医院",
]
HOSPITALS_EN = [
    "Shanghai Sixth People's Hospital",
    "Peking Union Medical College Hospital",
    "West China Hospital",
    "Ruijin Hospital",
    "Huashan Hospital",
    "Nanjing Drum Tower Hospital",
    "Wuhan Central Hospital",
    "Suzhou Municipal Hospital",
]
DIAGNOSES_ZH = [
    "社区获得性肺炎",
    "急性阑尾炎",
    "左桡骨远端骨折",
    "2型糖尿病",
    "急性胃肠炎",
    "腰椎间盘突出症",
    "冠状动脉粥样硬化性心脏病",
    "急性支气管炎",
    "右踝关节扭伤",
    "胆囊结石伴胆囊炎",
    "高血压病3级",
    "上呼吸道感染",
]
DIAGNOSES_EN = [
    "Community-acquired pneumonia",
    "Acute appendicitis",
    "Fracture of left radius",
    "Type 2 diabetes mellitus",
    "Acute gastroenteritis",
    "Lumbar disc herniation",
    "Acute bronchitis",
    "Sprain of right ankle",
    "Cholecystitis with gallstones",
]
ITEMS_ZH = [
    "西药费",
    "中成药费",
    "检查费",
    "化验费",
    "治疗费",
    "手术费",
    "床位费",
    "护理费",
    "材料费",
]
ITEMS_EN = [
    "Medicines",
    "Laboratory tests",
    "Imaging",
    "Treatment",
    "Surgery",
    "Ward",
    "Nursing",
    "Materials",
]
PARTS_ZH = ["前保险杠", "左前大灯", "右后视镜", "发动机盖", "左前叶子板", "前挡风玻璃", "散热器"]
PARTS_EN = ["Front bumper", "Left headlamp", "Right mirror", "Bonnet", "Windscreen", "Radiator"]
SHOPS_ZH = [
    "上海安达汽车维修有限公司",
    "北京顺捷汽车服务有限公司",
    "广州骏马汽车修理厂",
    "杭州车之家汽车维修中心",
    "成都蓉城汽车修配有限公司",
]
SHOPS_EN = [
    "Anda Auto Repair, Shanghai",
    "Shunjie Motor Service, Beijing",
    "Junma Car Repair, Guangzhou",
    "Chezhijia Auto Centre, Hangzhou",
]
BANKS_ZH = [
    ("中国工商银行", "6222"),
    ("中国建设银行", "6217"),
    ("中国农业银行", "6228"),
    ("中国银行", "6216"),
    ("招商银行", "6225"),
    ("交通银行", "6222"),
]
CITIES = ["上海", "北京", "广州", "杭州", "成都", "南京", "武汉", "西安"]
PROVINCE_OF = {
    "上海": "沪",
    "北京": "京",
    "广州": "粤",
    "杭州": "浙",
    "成都": "川",
    "南京": "苏",
    "武汉": "鄂",
    "西安": "陕",
}
AREA_CODES = ["110101", "310104", "440106", "330106", "510104", "320102", "420102", "610103"]

DIGITS_UPPER = "零壹贰叁肆伍陆柒捌玖"


def amount_in_words(amount: Decimal) -> str:
    """¥2,034.50 -> 贰仟零叁拾肆元伍角 (the 大写 form printed on Chinese invoices)."""
    yuan = int(amount)
    cents = int((amount * 100) % 100)
    units = ["", "拾", "佰", "仟"]

    def four(n: int) -> str:
        out, zero = "", False
        for position in range(3, -1, -1):
            digit = n // 10**position % 10
            if digit:
                if zero and out:
                    out += "零"
                out += DIGITS_UPPER[digit] + units[position]
                zero = False
            else:
                zero = True
        return out

    words = ""
    if yuan >= 10_000:
        words = four(yuan // 10_000) + "万"
        rest = yuan % 10_000
        if rest:
            words += ("零" if rest < 1000 else "") + four(rest)
    elif yuan:
        words = four(yuan)
    words = (words or "零") + "元"
    jiao, fen = divmod(cents, 10)
    if not cents:
        return words + "整"
    if jiao:
        words += DIGITS_UPPER[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += DIGITS_UPPER[fen] + "分"
    return words


def id_check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def luhn_complete(partial: str) -> str:
    total = 0
    for index, digit in enumerate(reversed(partial)):
        value = int(digit)
        if index % 2 == 0:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return partial + str((10 - total % 10) % 10)


# ---------------------------------------------------------------- the documents


@dataclass
class Doc:
    kind: str
    lang: str
    title: str
    rows: list[list[str]]  # a row: [label, value] pairs flattened, or free text [line]
    fields: dict[str, str]
    items: list[tuple[str, str]] = field(default_factory=list)  # table of items
    footer: list[str] = field(default_factory=list)


def _person(rng: random.Random, lang: str) -> str:
    if lang == "en":
        return f"{rng.choice(list(PINYIN.values()))} {rng.choice(GIVEN_EN)}"
    surname = rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2, 2])))
    return surname + given


def _day(rng: random.Random) -> date:
    return date(2025, 1, 1) + timedelta(days=rng.randrange(0, 700))


def _zh_date(day: date, rng: random.Random) -> str:
    style = rng.choice(["cn", "cn", "dash", "dot"])
    if style == "cn":
        return f"{day.year}年{day.month:02d}月{day.day:02d}日"
    if style == "dash":
        return day.isoformat()
    return f"{day.year}.{day.month:02d}.{day.day:02d}"


def _amounts(rng: random.Random, count: int, low: int, high: int) -> list[Decimal]:
    return [Decimal(rng.randrange(low * 100, high * 100)) / 100 for _ in range(count)]


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def invoice(rng: random.Random, lang: str) -> Doc:
    name, day = _person(rng, lang), _day(rng)
    items_pool = ITEMS_ZH if lang == "zh" else ITEMS_EN
    chosen = rng.sample(items_pool, rng.randint(2, 5))
    amounts = _amounts(rng, len(chosen), 8, 4000)
    total = sum(amounts, Decimal("0"))
    number = "".join(rng.choice("0123456789") for _ in range(10))
    if lang == "zh":
        hospital = rng.choice(HOSPITALS_ZH)
        city = rng.choice(CITIES)
        inpatient = rng.random() < 0.5
        title = f"{city}市医疗{'住院' if inpatient else '门诊'}收费票据（电子）"
        rows = [
            ["票据号码", number, "开票日期", _zh_date(day, rng)],
            ["收款单位", hospital],
            ["患者姓名", name, "性别", rng.choice("男女")],
        ]
        if inpatient:
            rows.append(
                ["住院号", str(rng.randrange(100000, 999999)), "住院天数", str(rng.randint(2, 20))]
            )
        footer = [f"合计（大写）：{amount_in_words(total)}", f"合计（小写）：¥{_money(total)}"]
        rng.shuffle(footer) if rng.random() < 0.3 else None
        fields = {
            "invoice_number": number,
            "date": day.isoformat(),
            "issuer": hospital,
            "patient_name": name,
            "amount": f"{total:.2f}",
        }
    else:
        hospital = rng.choice(HOSPITALS_EN)
        number = f"INV-{day.year}-{rng.randrange(1000, 99999)}"
        title = rng.choice(["MEDICAL INVOICE", "OUTPATIENT RECEIPT", "HOSPITAL INVOICE"])
        rows = [
            ["Invoice No.", number, "Date", day.isoformat()],
            ["Hospital", hospital],
            ["Patient", name],
        ]
        footer = [f"Total amount: CNY {_money(total)}"]
        fields = {
            "invoice_number": number,
            "date": day.isoformat(),
            "issuer": hospital,
            "patient_name": name,
            "amount": f"{total:.2f}",
        }
    items = [(item, _money(a)) for item, a in zip(chosen, amounts, strict=True)]
    return Doc("itemised_invoice", lang, title, rows, fields, items, footer)


def discharge(rng: random.Random, lang: str) -> Doc:
    name, start = _person(rng, lang), _day(rng)
    end = start + timedelta(days=rng.randint(2, 20))
    if lang == "zh":
        hospital, diagnosis = rng.choice(HOSPITALS_ZH), rng.choice(DIAGNOSES_ZH)
        rows = [
            ["患者姓名", name, "性别", rng.choice("男女"), "年龄", f"{rng.randint(3, 88)}岁"],
            ["入院日期", _zh_date(start, rng), "出院日期", _zh_date(end, rng)],
            ["出院诊断", diagnosis],
            ["医院", hospital],
            ["诊疗经过：入院后完善相关检查，予对症治疗，病情好转出院。"],
            ["出院医嘱：注意休息，一周后门诊复查。"],
        ]
        title = rng.choice(["出院小结", "出院记录"])
    else:
        hospital, diagnosis = rng.choice(HOSPITALS_EN), rng.choice(DIAGNOSES_EN)
        rows = [
            ["Patient name", name],
            ["Date of admission", start.isoformat()],
            ["Date of discharge", end.isoformat()],
            ["Diagnosis", diagnosis],
            ["Hospital", hospital],
            ["Condition improved; follow up in one week."],
        ]
        title = "DISCHARGE SUMMARY"
    fields = {"patient_name": name, "diagnosis": diagnosis, "issuer": hospital}
    return Doc("discharge_summary", lang, title, rows, fields)


def diagnosis(rng: random.Random, lang: str) -> Doc:
    name, day = _person(rng, lang), _day(rng)
    if lang == "zh":
        hospital, found = rng.choice(HOSPITALS_ZH), rng.choice(DIAGNOSES_ZH)
        rows = [
            ["姓名", name, "性别", rng.choice("男女")],
            ["诊断", found],
            ["建议：休息" + rng.choice("一二三") + "周，门诊随诊。"],
            ["医院", hospital],
            ["日期", _zh_date(day, rng)],
        ]
        title = rng.choice(["疾病诊断证明书", "诊断证明书"])
    else:
        hospital, found = rng.choice(HOSPITALS_EN), rng.choice(DIAGNOSES_EN)
        rows = [
            ["Patient name", name],
            ["Diagnosis", found],
            ["Rest for one week is advised."],
            ["Hospital", hospital],
            ["Date", day.isoformat()],
        ]
        title = "DIAGNOSIS CERTIFICATE"
    fields = {"patient_name": name, "diagnosis": found, "issuer": hospital, "date": day.isoformat()}
    return Doc("diagnosis_certificate", lang, title, rows, fields)


def id_card(rng: random.Random, lang: str) -> Doc:
    name = _person(rng, "zh")
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 20000))
    first17 = f"{rng.choice(AREA_CODES)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    number = first17 + id_check_digit(first17)
    rows = [
        ["姓名", name],
        ["性别", rng.choice("男女"), "民族", "汉"],
        ["出生", f"{born.year}年{born.month}月{born.day}日"],
        ["住址", f"{rng.choice(CITIES)}市示例区样本路{rng.randint(1, 999)}号"],
        ["公民身份号码", number],
    ]
    return Doc(
        "id_card",
        "zh",
        "中华人民共和国居民身份证（样本）",
        rows,
        {"patient_name": name, "id_number": number},
    )


def bank_card(rng: random.Random, lang: str) -> Doc:
    bank, prefix = rng.choice(BANKS_ZH)
    number = luhn_complete(prefix + "".join(rng.choice("0123456789") for _ in range(14)))
    grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    if lang == "zh":
        holder = _person(rng, "zh")
        rows = [["户名", holder], ["账号", grouped], ["开户行", f"{bank}{rng.choice(CITIES)}分行"]]
        title = rng.choice(["银行卡账户证明", "银行账户证明", f"{bank} 银行卡"])
    else:
        holder = _person(rng, "en")
        rows = [
            ["Account holder", holder],
            ["Account number", grouped],
            ["Bank", "Industrial and Commercial Bank of China"],
        ]
        title = "BANK ACCOUNT PROOF"
    return Doc(
        "bank_account_proof",
        lang,
        title,
        rows,
        {"account_number": number, "account_holder": holder},
    )


def _plate(rng: random.Random) -> str:
    city = rng.choice(CITIES)
    return (
        PROVINCE_OF[city]
        + rng.choice("ABCDE")
        + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))
    )


def accident(rng: random.Random, lang: str) -> Doc:
    day, plate, name = _day(rng), _plate(rng), _person(rng, lang)
    if lang == "zh":
        rows = [
            ["事故时间", _zh_date(day, rng) + f" {rng.randint(7, 22)}时{rng.randint(10, 59)}分"],
            ["事故地点", f"{rng.choice(CITIES)}市示例路与样本街交叉口"],
            ["当事人", name, "车牌号码", plate],
            ["事故经过：甲车变道时与乙车发生刮擦，无人员受伤。"],
            ["责任认定", rng.choice(["对方负全部责任", "双方同等责任", "本方负次要责任"])],
            ["交警：" + rng.choice(CITIES) + "市公安局交通警察支队"],
        ]
        title = "道路交通事故认定书（简易程序）"
    else:
        rows = [
            ["Date of accident", day.isoformat()],
            ["Driver", name],
            ["Plate number", plate],
            ["Liability: the other party is fully liable."],
        ]
        title = "TRAFFIC ACCIDENT REPORT"
    return Doc(
        "accident_report",
        lang,
        title,
        rows,
        {"accident_date": day.isoformat(), "plate_number": plate},
    )


def repair(rng: random.Random, lang: str) -> Doc:
    day, plate = _day(rng), _plate(rng)
    parts = rng.sample(PARTS_ZH if lang == "zh" else PARTS_EN, rng.randint(2, 4))
    amounts = _amounts(rng, len(parts) + 1, 50, 6000)
    total = sum(amounts, Decimal("0"))
    number = f"RE-{rng.randrange(100000, 999999)}"
    if lang == "zh":
        shop = rng.choice(SHOPS_ZH)
        rows = [
            ["单据号", number, "日期", _zh_date(day, rng)],
            ["车牌号码", plate],
            ["维修单位", shop],
        ]
        items = [*zip(parts, map(_money, amounts), strict=False), ("工时费", _money(amounts[-1]))]
        footer = [f"合计：¥{_money(total)}"]
        title = rng.choice(["机动车维修估价单", "车辆定损单"])
    else:
        shop = rng.choice(SHOPS_EN)
        rows = [
            ["Invoice No.", number, "Date", day.isoformat()],
            ["Plate", plate],
            ["Repair shop", shop],
        ]
        items = [*zip(parts, map(_money, amounts), strict=False), ("Labour", _money(amounts[-1]))]
        footer = [f"Total: {_money(total)}"]
        title = "REPAIR ESTIMATE"
    fields = {
        "invoice_number": number,
        "plate_number": plate,
        "issuer": shop,
        "date": day.isoformat(),
        "amount": f"{total:.2f}",
    }
    return Doc("repair_estimate", lang, title, rows, fields, items, footer)


# kind maker, share of Chinese, weight
MAKERS = [
    (invoice, 0.7, 5),
    (discharge, 0.6, 2),
    (diagnosis, 0.6, 2),
    (id_card, 1.0, 2),
    (bank_card, 0.75, 2),
    (accident, 0.75, 2),
    (repair, 0.6, 2),
]


# ---------------------------------------------------------------- drawing


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = FONTS[name]
    return ImageFont.truetype(path, size, index=index)


def _line_text(row: list[str], lang: str) -> str:
    if len(row) == 1:
        return row[0]
    colon = "：" if lang == "zh" else ": "
    pairs = [f"{row[i]}{colon}{row[i + 1]}" for i in range(0, len(row), 2)]
    return "    ".join(pairs)


def draw_page(doc: Doc, rng: random.Random, font_name: str, table: bool) -> Image.Image:
    size = rng.randint(26, 32)
    font, title_font = _font(font_name, size), _font(font_name, int(size * 1.35))
    width = 1100
    line_h = int(size * 1.9)
    lines = len(doc.rows) + len(doc.items) + len(doc.footer) + 4
    page = Image.new("RGB", (width, 120 + line_h * lines), (250, 249, 244))
    draw = ImageDraw.Draw(page)
    title_w = draw.textlength(doc.title, font=title_font)
    draw.text(((width - title_w) / 2, 40), doc.title, font=title_font, fill=(20, 20, 20))
    y = 40 + int(line_h * 1.6)
    ink = (rng.randint(0, 40),) * 3
    left, right = 60, width - 60
    for row in doc.rows:
        if table and len(row) > 1:
            draw.line((left, y - 8, right, y - 8), fill=(90, 90, 90), width=2)
            cell = (right - left) / max(len(row), 2)
            for index, text in enumerate(row):
                x = left + cell * index + 10
                draw.text((x, y), text, font=font, fill=ink)
                if index:
                    draw.line(
                        (left + cell * index, y - 8, left + cell * index, y + line_h - 8),
                        fill=(90, 90, 90),
                        width=2,
                    )
            draw.line((left, y + line_h - 8, right, y + line_h - 8), fill=(90, 90, 90), width=2)
        else:
            draw.text((left, y), _line_text(row, doc.lang), font=font, fill=ink)
        y += line_h
    if doc.items:
        y += line_h // 3
        header = ("项目", "金额") if doc.lang == "zh" else ("Item", "Amount")
        for text_left, text_right in [header, *doc.items]:
            draw.text((left + 20, y), text_left, font=font, fill=ink)
            w = draw.textlength(text_right, font=font)
            draw.text((right - 40 - w, y), text_right, font=font, fill=ink)
            if table:
                draw.line((left, y - 8, right, y - 8), fill=(110, 110, 110), width=1)
            y += line_h
    for text in doc.footer:
        draw.text((left, y), text, font=font, fill=ink)
        y += line_h
    return page


def stamp_seal(page: Image.Image, rng: random.Random, font_name: str, text: str) -> None:
    """A red round seal over the lower right text, as issuers stamp invoices."""
    radius = rng.randint(90, 130)
    layer = Image.new("L", (radius * 2 + 4, radius * 2 + 4), 0)
    draw = ImageDraw.Draw(layer)
    draw.ellipse((2, 2, radius * 2, radius * 2), outline=255, width=7)
    star = _font(font_name, radius // 2)
    draw.text((radius - radius // 4, radius - radius // 4), "★", font=star, fill=255)
    ring = _font(font_name, max(16, radius // 5))
    chars = text[:14]
    for index, char in enumerate(chars):
        angle = math.radians(200 + index * (140 / max(len(chars) - 1, 1)))
        x = radius + (radius - radius // 4) * math.cos(angle)
        y = radius + (radius - radius // 4) * math.sin(angle)
        draw.text((x - radius // 10, y - radius // 10), char, font=ring, fill=255)
    x = rng.randint(page.width // 2, page.width - radius * 2 - 10)
    y = rng.randint(page.height // 3, max(page.height // 3 + 1, page.height - radius * 2 - 10))
    alpha = layer.point(lambda v: int(v * rng.uniform(0.55, 0.8)))
    red = Image.new("RGB", layer.size, (rng.randint(190, 225), 30, 40))
    page.paste(red, (x, y), alpha)


def photograph(page: Image.Image, rng: random.Random, degrade: list[str]) -> Image.Image:
    """Lay the page on a desk and take a phone picture of it."""
    margin = rng.randint(30, 90)
    desk_colour = tuple(rng.randint(60, 140) for _ in range(3))
    canvas = Image.new("RGB", (page.width + 2 * margin, page.height + 2 * margin), desk_colour)
    canvas.paste(page, (margin, margin))
    if "rotate" in degrade:
        canvas = canvas.rotate(
            rng.uniform(-7, 7), resample=Image.BICUBIC, expand=True, fillcolor=desk_colour
        )
    if "perspective" in degrade:
        w, h = canvas.size
        j = [rng.uniform(0, 0.05) for _ in range(8)]
        quad = (
            w * j[0],
            h * j[1],
            w * j[2],
            h * (1 - j[3]),
            w * (1 - j[4]),
            h * (1 - j[5]),
            w * (1 - j[6]),
            h * j[7],
        )
        canvas = canvas.transform(
            (w, h), Image.QUAD, quad, resample=Image.BICUBIC, fillcolor=desk_colour
        )
    if "light" in degrade:
        w, h = canvas.size
        gradient = Image.linear_gradient("L").resize((w, h)).rotate(rng.choice([0, 90, 180, 270]))
        low = rng.uniform(0.45, 0.7)
        shade = gradient.point(lambda v: int(255 * (low + (1 - low) * v / 255)))
        dark = Image.new("RGB", (w, h), (0, 0, 0))
        canvas = Image.composite(canvas, dark, shade)
    if "blur" in degrade:
        canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.7, 1.5)))
    return canvas


def jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def clean_pdf(doc: Doc, font_name: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 6, 5, tzinfo=UTC))
    path, _ = FONTS[font_name]
    pdf.add_font("cjk", fname=path)
    pdf.set_font("cjk", size=12)
    pdf.add_page()
    lines = [doc.title, *(_line_text(r, doc.lang) for r in doc.rows)]
    lines += [f"{a}    {b}" for a, b in doc.items] + doc.footer
    for line in lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# ---------------------------------------------------------------- the set


def make(root: Path = ROOT, count: int = COUNT) -> list[dict[str, object]]:
    rng = random.Random(SEED)
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("*.jpg"):
        old.unlink()
    for old in root.glob("*.pdf"):
        old.unlink()
    weighted = [m for m in MAKERS for _ in range(m[2])]
    records: list[dict[str, object]] = []
    for number in range(count):
        maker, zh_share, _ = weighted[number % len(weighted)]
        lang = "zh" if rng.random() < zh_share else "en"
        doc = maker(rng, lang)
        font_name = (
            rng.choice(list(FONTS))
            if doc.lang == "zh"
            else rng.choice(["zenhei", "microhei", "uming"])
        )
        table = rng.random() < 0.45
        degrade = [d for d in ("rotate", "perspective", "light", "blur") if rng.random() < 0.55]
        page = draw_page(doc, rng, font_name, table)
        if (
            doc.kind
            in (
                "itemised_invoice",
                "diagnosis_certificate",
                "repair_estimate",
                "discharge_summary",
                "accident_report",
            )
            and rng.random() < 0.6
        ):
            issuer = doc.fields.get("issuer", "交通警察支队")
            stamp_seal(page, rng, font_name, issuer if doc.lang == "zh" else "专用章")
            degrade.append("seal")
        if table:
            degrade.append("table")
        picture = photograph(page, rng, degrade)
        quality = rng.randint(45, 85)
        name = f"{number:03d}-{doc.kind}-{doc.lang}.jpg"
        (root / name).write_bytes(jpeg_bytes(picture, quality))
        records.append(
            {
                "file": name,
                "split": "dev" if number % 2 else "test",
                "kind": doc.kind,
                "lang": doc.lang,
                "font": font_name,
                "degraded": [*degrade, f"jpeg{quality}"],
                "fields": doc.fields,
            }
        )
    for number in range(12):
        maker, zh_share, _ = MAKERS[number % len(MAKERS)]
        lang = "zh" if number % 3 else "en"
        doc = maker(rng, lang if maker is not id_card else "zh")
        name = f"pdf{number:02d}-{doc.kind}-{doc.lang}.pdf"
        (root / name).write_bytes(clean_pdf(doc, "zenhei" if number % 2 else "microhei"))
        records.append(
            {
                "file": name,
                "split": "dev" if number % 2 else "test",
                "kind": doc.kind,
                "lang": doc.lang,
                "font": "pdf",
                "degraded": ["clean PDF, text layer"],
                "fields": doc.fields,
            }
        )
    with (root / "truth.jsonl").open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return records


def load(root: Path = ROOT) -> list[dict[str, object]]:
    with (root / "truth.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


if __name__ == "__main__":
    made = make()
    total = sum(p.stat().st_size for p in ROOT.iterdir())
    print(f"{len(made)} documents, {total / 1e6:.1f} MB in {ROOT}", file=sys.stderr)
