"""A bilingual (zh-CN / en) demo data set: ``claimdesk demo``.

Everything is created through the domain services (customers, policies, users, claim
intake and claim transitions), so the demo data obeys the same rules as real use: every
claim reaches its state through the state machine, with the right roles, four-eyes and
approval authority. The data is deterministic (a seeded :class:`random.Random`) and its
dates are placed relative to the container's clock, so it stays valid in later years.

Loading twice adds nothing: when any demo username exists the load is skipped.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.bootstrap import Container
from claimdesk.claims import clocks as statutory_clocks
from claimdesk.claims import field_investigations, referrals
from claimdesk.claims.advances import advance_payment
from claimdesk.claims.enums import SELF_SERVICE_CHANNELS, Channel, ClaimAction, ClaimStatus
from claimdesk.claims.models import Claim
from claimdesk.claims.reserves import change as change_reserve
from claimdesk.claims.schemas import (
    AdvancePaymentIn,
    ClaimIn,
    FieldInvestigationCompleteIn,
    FieldInvestigationIn,
    LossLineIn,
    ReferralIn,
    TransitionIn,
)
from claimdesk.claims.service import calculate, documents_for, report_claim, transition
from claimdesk.compliance.schemas import TrainingIn
from claimdesk.compliance.service import add_training, certify_for_every_gate
from claimdesk.core.clock import local_date
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import PermissionDenied
from claimdesk.customers import loyalty, segments
from claimdesk.customers.models import BankAccount, Customer
from claimdesk.customers.schemas import BankAccountIn, CustomerIn
from claimdesk.customers.service import create_customer, verify_bank_account
from claimdesk.documents import paperwork
from claimdesk.documents.enums import MediaType
from claimdesk.documents.reading import TesseractOcr
from claimdesk.documents.service import read_document, save_reading, upload_document
from claimdesk.policies.models import Policy
from claimdesk.policies.schemas import InsuredIn, PolicyIn
from claimdesk.policies.service import create_policy
from claimdesk.security.enums import HANDLER_ROLES, Role
from claimdesk.security.models import User
from claimdesk.security.service import SYSTEM, Actor, create_user

SEED = 20260615
A = ClaimAction
C = Channel

# ------------------------------------------------------------------ users (quoted in README)


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: Role
    full_name: str
    note: str
    household: int | None = None  # customers: the demo household whose head they are


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("agent", "agent-demo-1", Role.AGENT, "李娜 Li Na", "Reports claims (counter, phone)"),
    DemoUser("adjuster", "adjuster-demo-1", Role.ADJUSTER, "张伟 Zhang Wei", "Reviews, assesses"),
    DemoUser(
        "adjuster2",
        "adjuster2-demo-1",
        Role.ADJUSTER,
        "刘洋 Liu Yang",
        "Approves; pays (four-eyes)",
    ),
    DemoUser(
        "senior_adjuster",
        "senior_adjuster-demo-1",
        Role.SENIOR_ADJUSTER,
        "陈静 Chen Jing",
        "Approves larger claims; denies; reopens",
    ),
    DemoUser(
        "supervisor", "supervisor-demo-1", Role.SUPERVISOR, "杨帆 Yang Fan", "Any amount; archives"
    ),
    DemoUser(
        "investigator", "investigator-demo-1", Role.INVESTIGATOR, "赵磊 Zhao Lei", "Fraud (SIU)"
    ),
    DemoUser("auditor", "auditor-demo-1", Role.AUDITOR, "黄敏 Huang Min", "Audit"),
    DemoUser("admin", "admin-demo-1", Role.ADMIN, "管理员 Admin", "Administration"),
    *(
        DemoUser(
            f"customer{n}",
            f"customer{n}-demo-1",
            Role.CUSTOMER,
            "",  # the name of the customer it belongs to
            "Sees own claims only",
            household=n - 1,
        )
        for n in range(1, 6)
    ),
)

# Who takes each lifecycle action; approvals go to the first of APPROVERS with authority
# for the amount, and documents / withdrawals come from whoever reported the claim.
ACTION_USERS: dict[ClaimAction, str] = {
    A.REQUEST_DOCUMENTS: "adjuster",
    A.START_REVIEW: "adjuster",
    A.START_INVESTIGATION: "adjuster",
    A.REFER_TO_SIU: "adjuster",
    A.ASSESS: "adjuster",
    A.VERIFY_COVERAGE: "adjuster",
    A.DENY: "senior_adjuster",
    A.PAY: "adjuster2",
    A.CLOSE: "adjuster",
    A.ARCHIVE: "supervisor",
    A.REOPEN: "senior_adjuster",
}
APPROVERS = ("adjuster2", "senior_adjuster", "supervisor")
WAIVER_AUTHORITY = "supervisor"  # approves the claims whose scenario waives documents
ACCOUNT_VERIFIER = "supervisor"  # the second person who verifies customers' bank accounts
SIU_ASSESSOR = "investigator"
TRAINING = (
    ("理赔合规与反欺诈 Claims compliance and anti-fraud", "12"),
    ("医疗费用审核实务 Medical bill review in practice", "8"),
)
STAFF_INTAKE = "agent"  # counter, phone and api claims; web and app ones come from customers
CUSTOMER_USERS = tuple(user for user in DEMO_USERS if user.role == Role.CUSTOMER)

# ------------------------------------------------------------------ people and places


def _rows(table: str) -> list[list[str]]:
    """A whitespace-separated text table as lists of fields, one per non-empty line."""
    return [line.split() for line in table.strip().splitlines()]


@dataclass(frozen=True)
class City:
    place: str  # province (except for the municipalities) and city
    district: str
    area_code: str  # the first six digits of a resident ID issued in the district
    plate_prefix: str
    hospital: str
    streets: tuple[str, ...]


# place, district, area code, plate prefix, hospital, streets...
CITIES: tuple[City, ...] = tuple(
    City(place, district, area_code, plate_prefix, hospital, streets=tuple(streets))
    for place, district, area_code, plate_prefix, hospital, *streets in _rows("""
        北京市        朝阳区    110105  京A  北京协和医院              建国路 望京街 酒仙桥路
        上海市        浦东新区  310115  沪A  上海市第一人民医院        世纪大道 张杨路 陆家嘴环路
        广东省广州市  天河区    440106  粤A  中山大学附属第一医院      天河路 体育东路 华夏路
        广东省深圳市  南山区    440305  粤B  北京大学深圳医院          科技园南路 深南大道 后海大道
        浙江省杭州市  西湖区    330106  浙A  浙江大学医学院附属第一医院 文三路 天目山路 学院路
        四川省成都市  武侯区    510107  川A  四川大学华西医院          人民南路 科华北路 武侯祠大街
        湖北省武汉市  武昌区    420106  鄂A  武汉大学人民医院          中南路 解放路 友谊大道
        江苏省南京市  鼓楼区    320106  苏A  南京鼓楼医院              中山北路 湖南路 北京西路
        陕西省西安市  雁塔区    610113  陕A  西安交通大学第一附属医院  小寨东路 长安南路 高新路
        重庆市        渝中区    500103  渝A  重庆医科大学附属第一医院  解放碑步行街 中山三路 民族路
    """)
)


def _names(table: str) -> tuple[tuple[str, str], ...]:
    """``汉字:Pinyin`` pairs separated by white space."""
    return tuple((hanzi, pinyin) for hanzi, pinyin in (pair.split(":") for pair in table.split()))


SURNAMES = _names("""
    王:Wang 李:Li 张:Zhang 刘:Liu 陈:Chen 杨:Yang 黄:Huang 赵:Zhao 吴:Wu 周:Zhou
    徐:Xu 孙:Sun 马:Ma 朱:Zhu 胡:Hu 郭:Guo 何:He 林:Lin 罗:Luo 高:Gao
    郑:Zheng 梁:Liang 谢:Xie 宋:Song 唐:Tang
""")
GIVEN_NAMES = {
    "female": _names("""
        芳:Fang 秀英:Xiuying 静:Jing 丽娟:Lijuan 敏:Min 婷婷:Tingting 雪梅:Xuemei
        晓燕:Xiaoyan 佳怡:Jiayi 欣怡:Xinyi 梓涵:Zihan 雨桐:Yutong 慧敏:Huimin
    """),
    "male": _names("""
        伟:Wei 强:Qiang 磊:Lei 军:Jun 洋:Yang 勇:Yong 杰:Jie 浩然:Haoran 子轩:Zixuan
        建国:Jianguo 志强:Zhiqiang 俊杰:Junjie 宇航:Yuhang
    """),
}
ENGLISH_GIVEN_NAMES = {
    "female": ("Lily", "Grace", "Emma", "Chloe", "Vivian", "Cindy"),
    "male": ("David", "Kevin", "Jason", "Eric", "Michael", "Tony"),
}

BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "招商银行", "交通银行")

# (model, model in English, electric: green plates have a 'D' and one more character)
VEHICLES: tuple[tuple[str, str, bool], ...] = (
    ("大众 朗逸", "Volkswagen Lavida", False),
    ("丰田 凯美瑞", "Toyota Camry", False),
    ("本田 雅阁", "Honda Accord", False),
    ("别克 GL8", "Buick GL8", False),
    ("吉利 星越L", "Geely Monjaro", False),
    ("比亚迪 汉 EV", "BYD Han EV", True),
    ("特斯拉 Model 3", "Tesla Model 3", True),
    ("理想 L7", "Li Auto L7", True),
)
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates

# Households, numbered from 0; the head of each is a customer (heads 0-4 can sign in).
HOUSEHOLDS = 38
WITH_CHILD = frozenset({1, 6, 11, 16, 21, 26, 31, 36})
WITH_SPOUSE = frozenset({3, 13, 23, 33})
LAPSED = frozenset({8, 17, 26, 35})  # their only policy has expired
RENEWED = frozenset({5, 13, 21, 29, 37})  # also hold last year's (expired) policy
OTHER_HOLDER = frozenset({7, 19, 31})  # bank account in someone else's name: unverified
OTHER_HOLDER_NAMES = ("深圳市鑫达贸易有限公司", "王建华", "李秀兰")

PRODUCT_CODES = ("MED-HOSP", "MOTOR-COMP", "ACC-PLUS")
FAMILY_PRODUCTS = ("MED-HOSP", "ACC-PLUS")  # products that also insure family members
# Per product: sums insured to choose from, premium range (CNY).
POLICY_TERMS: dict[str, tuple[tuple[int, ...], tuple[int, int]]] = {
    "MED-HOSP": ((200_000, 300_000, 1_000_000), (380, 1_280)),
    "MOTOR-COMP": ((500_000, 1_000_000, 2_000_000), (2_800, 6_800)),
    "ACC-PLUS": ((100_000, 200_000, 500_000), (120, 680)),
}
CURRENT_START_DAYS_AGO = (90, 330)
LAPSED_START_DAYS_AGO = (400, 700)
CUSTOMER_SINCE_DAYS_AGO = (720, 1100)

# ------------------------------------------------------------------ claims


@dataclass(frozen=True)
class Bilingual:
    zh: str
    en: str

    def text(self, locale: str = "zh-CN") -> str:
        return f"{self.en} / {self.zh}" if locale == "en" else f"{self.zh} / {self.en}"


B = Bilingual

STORIES: dict[str, tuple[Bilingual, ...]] = {
    "inpatient": (
        B("急性阑尾炎，住院行腹腔镜阑尾切除术", "Acute appendicitis; laparoscopic appendectomy"),
        B("社区获得性肺炎，住院治疗七天", "Community-acquired pneumonia; seven days in hospital"),
        B("骑车摔倒致右桡骨骨折，住院手术", "Fell off a bicycle, broke the right radius; surgery"),
        B("胆结石反复发作，住院行胆囊切除术", "Recurrent gallstones; gallbladder removed"),
    ),
    "outpatient": (
        B("急性肠胃炎，门诊就诊及化验", "Acute gastroenteritis: outpatient visit and lab tests"),
        B("孩子高烧不退，门诊输液三天", "Child with a high fever: three days of outpatient drips"),
        B("腰扭伤，门诊理疗", "Strained lower back: outpatient physiotherapy"),
    ),
    "vehicle_damage": (
        B("早高峰追尾前车，前保险杠及大灯损坏", "Rear-ended a car at rush hour; bumper and light"),
        B(
            "地下车库倒车刮擦立柱，左后门凹陷",
            "Scraped a pillar reversing in a car park; door dent",
        ),
        B("暴雨天涉水行驶，发动机进水", "Drove through flood water in a rainstorm; wet engine"),
    ),
    "third_party": (
        B("变道时与电动自行车碰撞，对方轻伤", "Hit an e-bike while changing lanes; rider hurt"),
        B("停车时撞坏小区道闸", "Damaged a residential compound barrier gate when parking"),
        B("路口起步时碰擦相邻车辆", "Scraped the next car when pulling away at a junction"),
    ),
    "accidental_medical": (
        B("雨天在地铁站滑倒，左踝扭伤", "Slipped in a metro station in the rain; sprained ankle"),
        B("打篮球时左手无名指骨折", "Broke the left ring finger playing basketball"),
        B("做饭时切伤手掌，急诊缝合", "Cut the palm while cooking; stitches in A&E"),
    ),
    "accidental_death_disability": (
        B(
            "装修时从梯子跌落致腰椎骨折，评定十级伤残",
            "Fell off a ladder, lumbar fracture; grade-10 disability",
        ),
        B(
            "交通事故致右腿骨折，评定九级伤残",
            "Road accident, broken right leg; grade-9 disability",
        ),
    ),
}

# Claimed amount range per claim type (CNY).
AMOUNTS: dict[str, tuple[int, int]] = {
    "inpatient": (6_000, 48_000),
    "outpatient": (400, 1_900),
    "vehicle_damage": (1_800, 24_000),
    "third_party": (2_000, 16_000),
    "accidental_medical": (600, 8_000),
    "accidental_death_disability": (20_000, 90_000),
}

REASONS: dict[ClaimAction, Bilingual] = {
    A.REQUEST_DOCUMENTS: B("材料不全，请补充下列材料。", "Documents missing; please send these."),
    A.START_INVESTIGATION: B("需核实事故经过。", "The course of the accident needs checking."),
    A.REFER_TO_SIU: B(
        "三个月内第三次在同一医院住院，费用清单有重复项目，移交反欺诈调查。",
        "Third admission to the same hospital in three months with duplicated invoice "
        "items; referred to the fraud unit (SIU).",
    ),
    A.APPROVE: B("按保单条款核定赔付。", "Approved as calculated under the policy terms."),
    A.DENY: B("不属于保险责任。", "Not covered by the policy."),
    A.WITHDRAW: B("客户决定撤回报案。", "The customer decided to withdraw the claim."),
    A.REOPEN: B("客户补充提交了新的证明材料，重新审核。", "New evidence from the customer."),
    A.PAY: B("按核定金额支付。", "Paid as approved."),
}
WAIVER = B(
    "客户在柜台出示身份证原件，已核对，免于上传。",
    "The customer showed the original ID card at the counter; checked, no upload needed.",
)
FIRST_INSTALMENT = B(
    "先行支付部分赔款，余款待伤残鉴定复核后支付。",
    "First instalment; the rest after the disability review.",
)
ADVANCE_REASON = B(
    "住院费用已可确定，先予支付；其余待出院结算后核定（保险法第二十五条）。",
    "The hospital bills so far are certain: paid in advance, the rest after discharge "
    "(Insurance Law art. 25).",
)
REFERRAL_NOTE = B(
    "超出本人审批权限，请审批；材料齐全，已核实保障。",
    "Above my approval authority; documents complete, coverage verified. Please decide.",
)
FIELD_INSTRUCTIONS = B(
    "走访医院核实伤残鉴定及病历，并走访事故现场。",
    "Visit the hospital to check the disability assessment and records; visit the scene.",
)
FIELD_FINDINGS = B(
    "伤残鉴定、病历与事故经过均与报案一致。",
    "The disability assessment, records and course of the accident match the claim.",
)
FIELD_INVESTIGATION = ("adjuster", "investigator")  # who opens it, who goes into the field
REFERRER = "adjuster2"  # refers claims above an adjuster's authority
CLOSING_FEEDBACK = (
    B("理赔很快，谢谢！", "Quick settlement, thank you!"),
    B("希望一次说清需要哪些材料。", "Please list all the documents needed up front."),
    B("客服很耐心。", "The staff were patient and helpful."),
)


@dataclass(frozen=True)
class Line:
    """A loss line; cause codes are what the assessor finds (the claimant gives none)."""

    zh: str
    en: str
    amount: str
    coverage: str | None = None
    causes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """Claims of one type taken along one path of actions: one claim per channel."""

    claim_type: str
    path: tuple[ClaimAction, ...]
    channels: tuple[Channel, ...]
    story: Bilingual | None = None
    lines: tuple[Line, ...] = ()
    reasons: Mapping[ClaimAction, Bilingual] = field(default_factory=dict)
    expired_policy: bool = False
    first_instalment: bool = False  # pay part of the approved amount, not all of it
    waived: tuple[str, ...] = ()  # documents a supervisor waives when approving
    referred_to: str | None = None  # refer for approval to this demo user at the end
    field_investigation: str | None = None  # "open" (left assigned) or "completed"


REVIEW = (A.START_REVIEW,)
ASSESS = (*REVIEW, A.ASSESS)
VERIFY = (*ASSESS, A.VERIFY_COVERAGE)
APPROVE = (*VERIFY, A.APPROVE)
PAY = (*APPROVE, A.PAY)
CLOSE = (*PAY, A.CLOSE)

COSMETIC = (
    Line("住院手术及治疗费用", "Surgery and inpatient treatment", "16800.00"),
    Line(
        "同期双眼皮整形手术",
        "Double-eyelid surgery in the same stay",
        "5200.00",
        None,
        ("cosmetic",),
    ),
)
PRE_EXISTING = (
    Line(
        "糖尿病并发症住院治疗",
        "Inpatient treatment of diabetes complications",
        "23400.00",
        None,
        ("pre_existing",),
    ),
)
PRE_EXISTING_STORY = B(
    "糖尿病足感染住院两周", "Two weeks in hospital for a diabetic foot infection"
)
PRE_EXISTING_DENIAL = B(
    "病历显示投保前已确诊糖尿病，属既往症除外责任。",
    "Records show diabetes diagnosed before the cover started: pre-existing condition.",
)
SEPTOPLASTY = B("鼻中隔偏曲手术住院", "Inpatient septoplasty")
NEW_EVIDENCE = B(
    "客户提交体检报告，显示投保时血糖正常。",
    "A health check shows normal blood sugar when the cover started.",
)
GUARDRAIL = B("夜间撞上护栏", "Hit a guardrail at night")
DRUNK_DENIAL = B(
    "交警认定驾驶人酒后驾驶，属除外责任。", "The police found the driver drunk: excluded."
)
DISC = B("腰椎间盘突出就医", "Treatment for a herniated lumbar disc")
DISC_DENIAL = B(
    "腰椎间盘突出属于疾病，不是意外。", "A herniated disc is an illness, not an accident."
)
SETTLED = B("已与对方协商解决，撤回报案。", "Settled with the other party; withdrawn.")
SMALL_AMOUNT = B("费用较少，决定不再申请。", "Small amount; decided not to claim.")
HIDDEN_DAMAGE = B("维修时发现隐藏损伤。", "The garage found hidden damage during the repair.")
DRUNK = (Line("车辆维修费用", "Vehicle repairs", "9800.00", None, ("drunk_driving",)),)
BOTH_COVERAGES = (
    Line(
        "本车前部钣金喷漆及大灯更换",
        "Own car: front panel, paint and headlight",
        "6480.00",
        "vehicle_damage",
    ),
    Line("对方车辆后保险杠修复", "Other car: rear bumper repair", "3150.00", "third_party"),
)
SURGERY = (Line("心脏支架手术及住院", "Coronary stent surgery and inpatient stay", "26000.00"),)
DISABILITY = (Line("七级伤残赔付", "Accidental disability benefit, grade 7", "80000.00"),)

SCENARIOS: tuple[Scenario, ...] = (
    # reported
    Scenario("inpatient", (), (C.WEB, C.PHONE)),
    Scenario("vehicle_damage", (), (C.APP, C.COUNTER)),
    Scenario("accidental_medical", (), (C.API,)),
    # awaiting documents, then under review once they are in
    Scenario("outpatient", (A.REQUEST_DOCUMENTS,), (C.APP, C.COUNTER)),
    Scenario("vehicle_damage", (A.REQUEST_DOCUMENTS,), (C.PHONE,)),
    Scenario("inpatient", (A.REQUEST_DOCUMENTS, A.SUBMIT_DOCUMENTS), (C.WEB, C.COUNTER)),
    Scenario("third_party", REVIEW, (C.PHONE, C.API)),
    # investigating: an ordinary check and the one fraud (SIU) referral
    Scenario("vehicle_damage", (*REVIEW, A.START_INVESTIGATION), (C.COUNTER,)),
    Scenario(
        "inpatient",
        (*REVIEW, A.REFER_TO_SIU),
        (C.PHONE,),
        story=B("肺部感染住院十天", "Ten days in hospital for a lung infection"),
    ),
    # assessed, coverage verified
    Scenario("accidental_medical", ASSESS, (C.APP, C.PHONE)),
    Scenario("outpatient", VERIFY, (C.WEB, C.COUNTER)),
    Scenario("vehicle_damage", VERIFY, (C.PHONE,)),
    # approved in full (no deductible), one with a first instalment paid
    Scenario("third_party", APPROVE, (C.COUNTER, C.APP)),
    Scenario("accidental_death_disability", (*APPROVE, A.PAY), (C.COUNTER,), first_instalment=True),
    # partially approved: deductible and co-payment, and an excluded cosmetic item
    Scenario("outpatient", APPROVE, (C.PHONE, C.API)),
    Scenario("inpatient", APPROVE, (C.WEB,), story=SEPTOPLASTY, lines=COSMETIC),
    # denied: drunk driving (nothing payable), an illness reported as an accident
    Scenario(
        "vehicle_damage",
        (*VERIFY, A.DENY),
        (C.PHONE,),
        story=GUARDRAIL,
        lines=DRUNK,
        reasons={A.DENY: DRUNK_DENIAL},
    ),
    Scenario(
        "accidental_medical",
        (*REVIEW, A.DENY),
        (C.COUNTER,),
        story=DISC,
        reasons={A.DENY: DISC_DENIAL},
    ),
    # paid
    Scenario("inpatient", PAY, (C.WEB, C.COUNTER)),
    Scenario("vehicle_damage", PAY, (C.APP, C.PHONE), lines=BOTH_COVERAGES),
    Scenario("accidental_medical", PAY, (C.PHONE,), waived=("id_card",)),
    # closed: after payment, and after a denial
    Scenario("outpatient", CLOSE, (C.WEB, C.PHONE)),
    Scenario("accidental_medical", CLOSE, (C.COUNTER, C.APP)),
    Scenario("third_party", CLOSE, (C.PHONE,), expired_policy=True),
    # side paths: approved with a waived document, referred for approval above the
    # adjuster's authority, field investigations of large claims (in progress, completed)
    Scenario("inpatient", APPROVE, (C.COUNTER,), waived=("id_card",)),
    Scenario("inpatient", VERIFY, (C.WEB,), lines=SURGERY, referred_to="senior_adjuster"),
    Scenario(
        "accidental_death_disability",
        VERIFY,
        (C.COUNTER,),
        lines=DISABILITY,
        field_investigation="open",
    ),
    Scenario(
        "accidental_death_disability",
        APPROVE,
        (C.PHONE,),
        lines=DISABILITY,
        field_investigation="completed",
    ),
    Scenario(
        "inpatient",
        (*VERIFY, A.DENY, A.CLOSE),
        (C.PHONE,),
        story=PRE_EXISTING_STORY,
        lines=PRE_EXISTING,
        reasons={A.DENY: PRE_EXISTING_DENIAL},
    ),
    # archived: closed or withdrawn claims on last year's policies
    Scenario("vehicle_damage", (*CLOSE, A.ARCHIVE), (C.COUNTER, C.PHONE), expired_policy=True),
    Scenario("inpatient", (*CLOSE, A.ARCHIVE), (C.PHONE,), expired_policy=True),
    Scenario("accidental_medical", (A.WITHDRAW, A.ARCHIVE), (C.COUNTER,), expired_policy=True),
    # withdrawn
    Scenario("third_party", (A.WITHDRAW,), (C.APP, C.PHONE), reasons={A.WITHDRAW: SETTLED}),
    Scenario("outpatient", (*REVIEW, A.WITHDRAW), (C.COUNTER,), reasons={A.WITHDRAW: SMALL_AMOUNT}),
    # reopened: a denial challenged with new evidence, a closed claim with hidden damage
    Scenario(
        "inpatient",
        (*VERIFY, A.DENY, A.REOPEN),
        (C.COUNTER,),
        story=PRE_EXISTING_STORY,
        lines=PRE_EXISTING,
        reasons={A.DENY: PRE_EXISTING_DENIAL, A.REOPEN: NEW_EVIDENCE},
    ),
    Scenario("vehicle_damage", (*CLOSE, A.REOPEN), (C.PHONE,), reasons={A.REOPEN: HIDDEN_DAMAGE}),
)

RECENT_DAYS = 60  # claims on policies in force happened within this many days
MAX_STEP_DAYS = 3  # a claim moves on after 1 to 3 days


# ------------------------------------------------------------------ small generators

# Reserves a handler revised on open claims: (claim type, state) -> (the claim amount the
# new reserve follows, its factor, why). Released reserves show on every closed, denied and
# withdrawn claim; payments lower them on the paid ones.
RESERVE_REVISIONS: dict[tuple[str, ClaimStatus], tuple[str, str, Bilingual]] = {
    ("inpatient", ClaimStatus.INVESTIGATING): (
        "claimed_amount",
        "1.50",
        B("并发症需延长住院，上调准备金。", "Complications mean a longer stay: reserve raised."),
    ),
    ("vehicle_damage", ClaimStatus.INVESTIGATING): (
        "claimed_amount",
        "1.30",
        B("拆检发现隐藏损伤，上调准备金。", "Strip-down found hidden damage: reserve raised."),
    ),
    ("accidental_medical", ClaimStatus.ASSESSED): (
        "assessed_amount",
        "1.00",
        B("按定损金额调整准备金。", "Reserve set to the assessed amount."),
    ),
    ("outpatient", ClaimStatus.COVERAGE_VERIFIED): (
        "payable_amount",
        "1.00",
        B("按核定可赔金额调整准备金。", "Reserve set to the payable amount under the terms."),
    ),
    ("third_party", ClaimStatus.APPROVED): (
        "outstanding_amount",
        "1.00",
        B("责任已确定，按批准金额调整准备金。", "Liability agreed: reserve set to the approval."),
    ),
}
RESERVE_REVISER = "senior_adjuster"


def resident_id(area_code: str, birth_date: date, sequence: int) -> str:
    """An 18-character resident ID number with a valid check character (GB 11643).

    ``sequence`` is the 3-digit order code; odd for men, even for women.
    """
    body = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _days_ago(rng: random.Random, today: date, bounds: tuple[int, int]) -> date:
    return today - timedelta(days=rng.randint(*bounds))


def _plate(rng: random.Random, city: City, electric: bool) -> str:
    if electric:
        return f"{city.plate_prefix}D{rng.choice(PLATE_LETTERS)}{_digits(rng, 4)}"
    return f"{city.plate_prefix}{rng.choice(PLATE_LETTERS)}{_digits(rng, 4)}"


def _money(rng: random.Random, bounds: tuple[int, int]) -> Decimal:
    return Decimal(rng.randint(bounds[0] * 10, bounds[1] * 10)) / 10


@dataclass(frozen=True)
class _Person:
    name: str
    name_en: str
    gender: str
    birth_date: date


# ------------------------------------------------------------------ the loader


@dataclass
class DemoSummary:
    already_loaded: bool
    existing_user: str | None = None
    users: int = 0
    customers: int = 0
    policies: int = 0
    claims_by_status: Counter[str] = field(default_factory=Counter)
    names: dict[str, str] = field(default_factory=dict)  # demo username -> full name


@dataclass
class _Household:
    head: Customer
    city: City
    members: list[tuple[Customer, str]]  # (customer, relationship to the head)


class _Loader:
    def __init__(self, session: Session, container: Container) -> None:
        self.session = session
        self.settings = container.settings
        self.hasher = container.hasher
        self.now = container.clock.now()
        self.zone = ZoneInfo(self.settings.display_timezone)
        self.today = local_date(self.now, self.settings.display_timezone)
        self.rng = random.Random(SEED)
        self.used_names: set[str] = set()
        self.used_id_numbers: set[str] = set()  # one customer per ID number
        self.city_of: dict[int, City] = {}
        self.actors: dict[str, Actor] = {}
        self.customer_actors: dict[int, Actor] = {}
        self.policies: list[Policy] = []
        self.policy_uses: Counter[int] = Counter()
        self.claims: list[Claim] = []
        self.store = container.blobs
        self.ocr = TesseractOcr()  # papers are PDFs with a text layer: it is not called

    def at(self, day: date) -> datetime:
        """A moment in office hours on ``day`` (local time), as UTC."""
        moment = time(self.rng.randint(9, 17), self.rng.randrange(0, 60, 5))
        return datetime.combine(day, moment, self.zone).astimezone(UTC)

    # -------------------------------------------------------------- customers

    def person(self, gender: str, age: tuple[int, int], surname: tuple[str, str]) -> _Person:
        while True:
            given, given_pinyin = self.rng.choice(GIVEN_NAMES[gender])
            name = surname[0] + given
            if name not in self.used_names:
                break
        self.used_names.add(name)
        if self.rng.random() < 0.5:
            name_en = f"{given_pinyin} {surname[1]}"
        else:
            name_en = f"{self.rng.choice(ENGLISH_GIVEN_NAMES[gender])} {surname[1]}"
        birth = self.today - timedelta(days=self.rng.randint(age[0] * 365, age[1] * 365))
        return _Person(name, name_en, gender, birth)

    def add_customer(
        self, person: _Person, city: City, address: str, account_holder: str | None = None
    ) -> Customer:
        rng = self.rng
        locale = "en" if rng.random() < 0.3 else "zh-CN"
        show_en = locale == "en" or rng.random() < 0.3
        sequence = rng.randrange(0, 1000, 2) + (person.gender == "male")
        id_number = resident_id(city.area_code, person.birth_date, sequence)
        while id_number in self.used_id_numbers:  # same place, birthday and sequence
            sequence = (sequence + 2) % 1000
            id_number = resident_id(city.area_code, person.birth_date, sequence)
        self.used_id_numbers.add(id_number)
        data = CustomerIn(
            name=person.name,
            name_en=person.name_en,  # the name on the English papers of their claims
            gender=person.gender,
            birth_date=person.birth_date,
            id_number=id_number,
            phone=f"1{rng.choice('3578')}{_digits(rng, 9)}",
            email=(
                f"{person.name_en.lower().replace(' ', '.')}{rng.randint(1, 99)}@example.com"
                if show_en
                else None
            ),
            address=address,
            preferred_locale=locale,
            bank_accounts=[
                BankAccountIn(
                    bank_name=rng.choice(BANKS),
                    account_number=f"62{_digits(rng, 17)}",
                    holder_name=account_holder or person.name,
                )
            ],
        )
        since = self.at(_days_ago(rng, self.today, CUSTOMER_SINCE_DAYS_AGO))
        customer = create_customer(self.session, data=data, now=since)
        self.city_of[customer.id] = city
        return customer

    def household(self, number: int) -> _Household:
        rng = self.rng
        city = rng.choice(CITIES)
        street = rng.choice(city.streets)
        address = (
            f"{city.place}{city.district}{street}{rng.randint(1, 300)}号"
            f"{rng.randint(1, 20)}栋{rng.randint(1, 30)}{rng.randint(1, 4):02d}室"
        )
        surname = rng.choice(SURNAMES)
        head = self.person(rng.choice(("female", "male")), (28, 62), surname)
        other = rng.choice(OTHER_HOLDER_NAMES) if number in OTHER_HOLDER else None
        members: list[tuple[Customer, str]] = []
        if number in WITH_SPOUSE:
            gender = "female" if head.gender == "male" else "male"
            spouse = self.person(gender, (28, 62), rng.choice(SURNAMES))
            members.append((self.add_customer(spouse, city, address), "spouse"))
        if number in WITH_CHILD:
            child = self.person(rng.choice(("female", "male")), (3, 16), surname)
            # A child's account is held by the parent: unverified for the child.
            members.append((self.add_customer(child, city, address, head.name), "child"))
        return _Household(self.add_customer(head, city, address, other), city, members)

    # -------------------------------------------------------------- policies

    def add_policy(
        self, household: _Household, product: str, start: date, *, family: bool
    ) -> Policy:
        rng = self.rng
        sums, premiums = POLICY_TERMS[product]
        insured = []
        if family:
            insured = [InsuredIn(customer_id=household.head.id)] + [
                InsuredIn(customer_id=member.id, relationship_to_holder=relationship)
                for member, relationship in household.members
            ]
        insured_object = {}
        if product == "MOTOR-COMP":
            model, model_en, electric = rng.choice(VEHICLES)
            insured_object = {
                "plate_number": _plate(rng, household.city, electric),
                "vehicle": f"{model} / {model_en}",
                "model_year": str(start.year - rng.randint(0, 6)),
            }
        data = PolicyIn(
            product_code=product,
            holder_id=household.head.id,
            insured=insured,
            start_date=start,
            end_date=_years_later(start, 1) - timedelta(days=1),
            sum_insured=Decimal(rng.choice(sums)),
            premium=Decimal(rng.randint(*premiums)),
            insured_object=insured_object,
        )
        created = self.at(start - timedelta(days=rng.randint(1, 14)))
        policy = create_policy(self.session, data=data, now=created)
        self.policies.append(policy)
        return policy

    def household_policies(self, number: int, household: _Household) -> None:
        products = [PRODUCT_CODES[number % 3]]
        if number < len(CUSTOMER_USERS):
            products.append(PRODUCT_CODES[(number + 1) % 3])
        if household.members and not set(products) & set(FAMILY_PRODUCTS):
            products.append("MED-HOSP")
        family_product = next((p for p in products if p in FAMILY_PRODUCTS), None)
        bounds = LAPSED_START_DAYS_AGO if number in LAPSED else CURRENT_START_DAYS_AGO
        start = _days_ago(self.rng, self.today, bounds)
        for product in products:
            family = bool(household.members) and product == family_product
            self.add_policy(household, product, start, family=family)
        if number in RENEWED:
            last_year = _years_later(start, -1)
            self.add_policy(household, products[0], last_year, family=False)

    # -------------------------------------------------------------- users

    def add_users(self, heads: list[Customer]) -> None:
        for user in DEMO_USERS:
            customer = heads[user.household] if user.household is not None else None
            created = create_user(
                self.session,
                hasher=self.hasher,
                username=user.username,
                password=user.password,
                role=user.role,
                customer_id=customer.id if customer else None,
                full_name=customer.name if customer else user.full_name,
                now=self.now,
            )
            actor = Actor(user_id=created.id, role=user.role, customer_id=created.customer_id)
            self.actors[user.username] = actor
            if user.role in HANDLER_ROLES | {Role.INVESTIGATOR}:
                self.qualify(created)
            if customer is not None:
                self.customer_actors[customer.id] = actor

    def qualify(self, user: User) -> None:
        """Certificates for every claim gate, issued three years ago; adjuster2's motor
        certificate runs out in three weeks (an expiry warning to show), and each handler
        has some of this year's training hours."""
        certificates = certify_for_every_gate(
            self.session,
            user=user,
            issued_on=_years_later(self.today, -3),
            expires_on=_years_later(self.today, 2),
            issuer="中国保险行业协会 Insurance Association of China",
            now=self.now,
        )
        for certificate in certificates:
            if user.username == "adjuster2" and certificate.kind == "motor_assessor":
                certificate.expires_on = self.today + timedelta(days=21)
        for course, hours in TRAINING:
            data = TrainingIn(
                course=course,
                provider="公司培训中心 Training Centre",
                topic="compliance" if "合规" in course else "claims",
                hours=Decimal(hours),
                completed_on=date(self.today.year, 1, 15) if self.today.month > 1 else self.today,
            )
            add_training(self.session, user=user, data=data, now=self.now, by=None)

    # -------------------------------------------------------------- claims

    def window(self, policy: Policy, scenario: Scenario) -> tuple[date, date]:
        """Incident dates that are payable on the policy and leave room for the path."""
        coverage = policy.product.coverage(scenario.claim_type)
        assert coverage is not None
        earliest = policy.start_date + timedelta(days=coverage.waiting_period_days)
        if not scenario.expired_policy:
            earliest = max(earliest, self.today - timedelta(days=RECENT_DAYS))
        room = MAX_STEP_DAYS * (len(scenario.path) + 1) + 1
        return earliest, min(policy.end_date, self.today - timedelta(days=room))

    def has_room(self, policy: Policy, scenario: Scenario) -> bool:
        earliest, latest = self.window(policy, scenario)
        return earliest <= latest

    def payee(self, policy: Policy, claimant_id: int) -> BankAccount | None:
        """The claimant's verified account, else the holder's, else none."""
        for customer_id in (claimant_id, policy.holder_id):
            customer = self.session.get(Customer, customer_id)
            assert customer is not None
            verified = [account for account in customer.bank_accounts if account.verified]
            if verified:
                return verified[0]
        return None

    def pick_policy(self, scenario: Scenario, channel: Channel) -> Policy:
        """A suitable policy, preferring the ones with fewest demo claims so far."""
        candidates = [
            policy
            for policy in self.policies
            if policy.product.coverage(scenario.claim_type) is not None
            and (policy.end_date < self.today) == scenario.expired_policy
            and (channel not in SELF_SERVICE_CHANNELS or policy.holder_id in self.customer_actors)
            and (A.PAY not in scenario.path or self.payee(policy, policy.holder_id) is not None)
            and self.has_room(policy, scenario)
        ]
        if not candidates:
            raise RuntimeError(f"No demo policy fits {scenario.claim_type} via {channel}.")
        fewest = min(self.policy_uses[policy.id] for policy in candidates)
        policy = self.rng.choice([p for p in candidates if self.policy_uses[p.id] == fewest])
        self.policy_uses[policy.id] += 1
        return policy

    def claim_in(
        self, scenario: Scenario, channel: Channel, policy: Policy, claimant_id: int, day: date
    ) -> ClaimIn:
        rng = self.rng
        customer = self.session.get(Customer, claimant_id)
        assert customer is not None
        city = self.city_of[claimant_id]
        story = scenario.story or rng.choice(STORIES[scenario.claim_type])
        lines = [
            LossLineIn(
                coverage_code=line.coverage,
                description=B(line.zh, line.en).text(customer.preferred_locale),
                amount=Decimal(line.amount),
            )
            for line in scenario.lines
        ]
        amount = sum((line.amount for line in lines), Decimal("0")) or _money(
            rng, AMOUNTS[scenario.claim_type]
        )
        place = (
            city.hospital
            if policy.product.line == "medical"
            else f"{city.place}{city.district}{rng.choice(city.streets)}"
        )
        account = self.payee(policy, claimant_id)
        return ClaimIn(
            policy_id=policy.id,
            claim_type=scenario.claim_type,
            incident_date=day,
            description=story.text(customer.preferred_locale),
            claimed_amount=amount,
            channel=channel,
            incident_location=place,
            loss_lines=lines,
            customer_id=claimant_id,
            bank_account_id=account.id if account else None,
        )

    def command(self, scenario: Scenario, claim: Claim, action: ClaimAction) -> TransitionIn:
        reason = scenario.reasons.get(action) or REASONS.get(action)
        fields: dict[str, Any] = {"reason": reason.text() if reason else None}
        if action == A.REQUEST_DOCUMENTS:
            kinds = [document.kind for document in documents_for(claim)]
            fields["documents"] = sorted(self.rng.sample(kinds, 2), key=kinds.index)
        elif action == A.ASSESS and any(line.causes for line in scenario.lines):
            fields["loss_lines"] = [
                LossLineIn(
                    coverage_code=line.coverage,
                    description=B(line.zh, line.en).text(),
                    amount=Decimal(line.amount),
                    cause_codes=list(line.causes),
                )
                for line in scenario.lines
            ]
        elif action == A.APPROVE and scenario.waived:
            fields["waive_documents"] = list(scenario.waived)
            fields["reason"] = WAIVER.text()
        elif action == A.PAY and scenario.first_instalment:
            fields["amount"] = claim.approved_amount / 2 // 100 * 100
            fields["reason"] = FIRST_INSTALMENT.text()
        elif action == A.CLOSE and claim.status == ClaimStatus.PAID:
            fields["feedback"] = self.rng.choice(CLOSING_FEEDBACK).text()
        return TransitionIn(action=action, **fields)

    def actor_for(
        self, scenario: Scenario, action: ClaimAction, claim: Claim, reporter: Actor
    ) -> Actor:
        if action in (A.SUBMIT_DOCUMENTS, A.WITHDRAW):
            return reporter
        if action == A.ASSESS and claim.siu_referred:
            return self.actors[SIU_ASSESSOR]
        if action == A.APPROVE and scenario.waived:
            return self.actors[WAIVER_AUTHORITY]
        if action == A.APPROVE:
            return self.actors[self.approver(claim.payable_amount or Decimal("0"))]
        return self.actors[ACTION_USERS[action]]

    def approver(self, amount: Decimal) -> str:
        """The first of APPROVERS whose authority covers ``amount`` (else the last one)."""
        limits = self.settings.authority_limits
        for username in APPROVERS:
            limit = limits.get(self.actors[username].role, Decimal("0"))
            if limit is None or amount <= limit:
                return username
        return APPROVERS[-1]

    def add_claim(
        self, scenario: Scenario, channel: Channel, *, on_days: Sequence[date] = ()
    ) -> Claim:
        """One claim of ``scenario``; ``on_days``: its report day and a day per action
        (placed, for the statutory clocks), else random days in the policy's window."""
        rng = self.rng
        policy = (
            self.policy_for_days(scenario, channel, on_days[0] - timedelta(days=1))
            if on_days
            else self.pick_policy(scenario, channel)
        )
        if channel in SELF_SERVICE_CHANNELS:
            reporter = self.customer_actors[policy.holder_id]
            claimant_id = policy.holder_id
        else:
            reporter = self.actors[STAFF_INTAKE]
            claimant_id = rng.choice([person.customer_id for person in policy.insured])
        if on_days:
            incident, days = on_days[0] - timedelta(days=1), iter(on_days)
        else:
            earliest, latest = self.window(policy, scenario)
            incident = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
            days = self._step_days(incident, len(scenario.path))
        data = self.claim_in(scenario, channel, policy, claimant_id, incident)
        reported_at = self.at(next(days))
        claim, _ = report_claim(
            self.session, actor=reporter, data=data, now=reported_at, settings=self.settings
        )
        if {A.APPROVE, A.SUBMIT_DOCUMENTS} & set(scenario.path):
            self.papers(claim, scenario, reporter, reported_at)
        at = reported_at
        for action in scenario.path:
            if action == A.APPROVE:
                self.field_investigation(claim, scenario, at, complete=True)
            at = self.at(next(days))
            claim = transition(
                self.session,
                actor=self.actor_for(scenario, action, claim, reporter),
                claim_id=claim.id,
                command=self.command(scenario, claim, action),
                now=at,
                settings=self.settings,
            )
        if scenario.field_investigation == "open":
            self.field_investigation(claim, scenario, at, complete=False)
        if scenario.referred_to:
            referrals.refer(
                self.session,
                actor=self.actors[REFERRER],
                claim_id=claim.id,
                data=ReferralIn(
                    to_user_id=self.actors[scenario.referred_to].user_id or 0,
                    note=REFERRAL_NOTE.text(),
                ),
                now=at + timedelta(hours=1),
                settings=self.settings,
            )
        return claim

    def policy_for_days(self, scenario: Scenario, channel: Channel, incident: date) -> Policy:
        """A policy in force with a verified payee that covers ``incident``."""
        for policy in self.policies:
            coverage = policy.product.coverage(scenario.claim_type)
            if (
                coverage is not None
                and policy.start_date + timedelta(days=coverage.waiting_period_days) <= incident
                and self.today <= policy.end_date
                and (
                    channel not in SELF_SERVICE_CHANNELS or policy.holder_id in self.customer_actors
                )
                and self.payee(policy, policy.holder_id) is not None
            ):
                self.policy_uses[policy.id] += 1
                return policy
        raise RuntimeError(f"No demo policy covers {scenario.claim_type} on {incident}.")

    def statutory_showcase(self) -> list[Claim]:
        """Claims placed in time so their statutory clocks (arts. 23-25) show each state the
        other claims may not: a decision due soon (warning), one overdue (breached) on a
        claim that got an advance payment of the amount already determinable (art. 25), and
        a payment made after its 10 days (met late). Running, met and not-applicable
        (cancelled) clocks come with the other claims. The sweep then records the warnings
        and escalations on the timelines."""
        today = self.today

        def ago(*days: int) -> list[date]:
            return [today - timedelta(days=n) for n in days]

        warning = self.add_claim(
            Scenario("inpatient", REVIEW, (C.WEB,)), C.WEB, on_days=ago(27, 27)
        )
        late = self.add_claim(
            Scenario("outpatient", PAY, (C.COUNTER,)),
            C.COUNTER,
            on_days=ago(40, 39, 38, 38, 36, 22),
        )
        scenario = Scenario("inpatient", VERIFY, (C.WEB,))
        advanced = self.add_claim(scenario, C.WEB, on_days=ago(45, 44, 42, 41))
        reporter = self.customer_actors[advanced.customer_id]
        self.papers(advanced, scenario, reporter, self.at(today - timedelta(days=44)))
        payable = calculate(self.session, advanced).total_payable
        amount = max(payable / 2 // 100 * 100, Decimal("100.00"))
        advanced = advance_payment(
            self.session,
            actor=self.actors[self.approver(amount)],
            claim_id=advanced.id,
            data=AdvancePaymentIn(amount=amount, reason=ADVANCE_REASON.text()),
            now=min(self.at(today), self.now - timedelta(hours=1)),
            settings=self.settings,
        )
        statutory_clocks.sweep(self.session, now=self.now - timedelta(minutes=1))
        return [warning, late, advanced]

    def field_investigation(
        self, claim: Claim, scenario: Scenario, at: datetime, *, complete: bool
    ) -> None:
        """A field investigation of a claim that routing sends to one (or whose scenario
        shows one): opened and assigned, then completed with findings when ``complete``."""
        if not (scenario.field_investigation or field_investigations.reasons_for(claim)):
            return
        opener, investigator = (self.actors[name] for name in FIELD_INVESTIGATION)
        task = field_investigations.open_investigation(
            self.session,
            actor=opener,
            claim_id=claim.id,
            data=FieldInvestigationIn(
                assignee_id=investigator.user_id,
                due_date=local_date(at, self.settings.display_timezone) + timedelta(days=7),
                instructions=FIELD_INSTRUCTIONS.text(),
            ),
            now=at + timedelta(minutes=30),
            settings=self.settings,
        )
        if complete:
            field_investigations.complete(
                self.session,
                actor=investigator,
                investigation_id=task.id,
                data=FieldInvestigationCompleteIn(
                    findings=FIELD_FINDINGS.text(), outcome="confirmed"
                ),
                now=at + timedelta(hours=2),
            )

    def papers(self, claim: Claim, scenario: Scenario, reporter: Actor, at: datetime) -> None:
        """The claim's required documents (less those its scenario waives), uploaded by
        whoever reported it and read as the worker reads them: PDFs with a text layer."""
        customer = self.session.get(Customer, claim.customer_id)
        account = self.session.get(BankAccount, claim.bank_account_id or 0)
        assert customer is not None
        facts = paperwork.Facts(
            name=customer.name_en or customer.name,
            day=claim.incident_date.isoformat(),
            amount=f"{claim.claimed_amount:.2f}",
            holder=customer.name_en or customer.name,
            account_number=account.account_number if account else "",
            ref=claim.number or str(claim.id),
        )
        kinds = [document.kind for document in documents_for(claim)]
        for kind in kinds:
            if kind in scenario.waived:
                continue
            data = paperwork.text_pdf(paperwork.lines_for(kind, facts))
            document, _ = upload_document(
                self.session,
                actor=reporter,
                claim_id=claim.id,
                data=data,
                filename=f"{kind}.pdf",
                declared_kind=kind,
                now=at,
                settings=self.settings,
                store=self.store,
            )
            reading, outcome = read_document(
                data, MediaType.PDF, declared_kind=kind, prefer=kinds, ocr=self.ocr
            )
            save_reading(
                self.session, document_id=document.id, reading=reading, outcome=outcome, now=at
            )

    def revise_reserves(self, claims: list[Claim]) -> None:
        """A senior adjuster revises the case reserve of some open claims, with a reason, a
        day after the claim reached its state (not after now)."""
        for claim in claims:
            revision = RESERVE_REVISIONS.get((claim.claim_type, ClaimStatus(claim.status)))
            if revision is None:
                continue
            basis, factor, reason = revision
            amount = (Decimal(getattr(claim, basis) or 0) * Decimal(factor)).quantize(
                Decimal("0.01")
            )
            since = getattr(claim, f"{claim.status}_at") or claim.reported_at
            if amount == claim.reserve_amount:
                continue
            change_reserve(
                self.session,
                actor=self.actors[RESERVE_REVISER],
                claim_id=claim.id,
                amount=amount,
                reason=reason.text(),
                now=min(since + timedelta(days=1), self.now - timedelta(hours=1)),
            )

    def verify_accounts(self) -> None:
        """Accounts held by the customers themselves, verified by a second person."""
        verifier = self.actors[ACCOUNT_VERIFIER]
        for account in self.session.scalars(select(BankAccount).order_by(BankAccount.id)):
            if account.holder_name == account.customer.name:
                verify_bank_account(
                    self.session,
                    actor=verifier,
                    customer_id=account.customer_id,
                    account_id=account.id,
                    now=self.now,
                )

    def _step_days(self, incident: date, steps: int) -> Iterator[date]:
        """The report day (0-2 days after the incident), then a day for each action."""
        day = incident + timedelta(days=self.rng.randint(0, MAX_STEP_DAYS - 1))
        yield day
        for _ in range(steps):
            day += timedelta(days=self.rng.randint(1, MAX_STEP_DAYS))
            yield day

    # -------------------------------------------------------------- all of it

    def load(self) -> DemoSummary:
        households = [self.household(number) for number in range(HOUSEHOLDS)]
        for number, household in enumerate(households):
            self.household_policies(number, household)
        self.add_users([household.head for household in households])
        self.verify_accounts()
        claims = [
            self.add_claim(scenario, channel)
            for scenario in SCENARIOS
            for channel in scenario.channels
        ]
        self.revise_reserves(claims)
        claims += self.statutory_showcase()
        # Loyalty points due for tenure and renewals; everyone's behaviour segment.
        loyalty.accrue(self.session, now=self.now, timezone=self.settings.display_timezone)
        segments.recompute(self.session, actor=SYSTEM, now=self.now)
        return DemoSummary(
            already_loaded=False,
            users=len(DEMO_USERS),
            customers=sum(1 + len(household.members) for household in households),
            policies=len(self.policies),
            claims_by_status=Counter(claim.status for claim in claims),
        )


def demo_user_names(session: Session) -> dict[str, str]:
    """Full names of the demo users in the database (customers are named after theirs)."""
    usernames = [user.username for user in DEMO_USERS]
    rows = session.execute(
        select(User.username, User.full_name).where(User.username.in_(usernames)).order_by(User.id)
    )
    return {username: full_name for username, full_name in rows}


def load_demo(container: Container) -> DemoSummary:
    """Load the demo data set in one transaction, unless it is already there.

    Refused in production: the demo users have published passwords.
    """
    if container.settings.environment == "production":
        raise PermissionDenied(
            "The demo data set has published passwords; it is not loaded in production."
        )
    with unit_of_work(container.sessions) as session:
        existing = demo_user_names(session)
        if existing:
            return DemoSummary(
                already_loaded=True, existing_user=next(iter(existing)), names=existing
            )
        summary = _Loader(session, container).load()
        summary.names = demo_user_names(session)
        return summary


def users_table(names: Mapping[str, str] | None = None) -> Table:
    """The demo sign-ins, for the terminal; ``names`` as from :func:`demo_user_names`."""
    table = Table(title="Demo users / 演示账号")
    table.add_column("Username", no_wrap=True)
    table.add_column("Password", no_wrap=True)
    table.add_column("Role")
    table.add_column("Name")
    table.add_column("Note")
    for user in DEMO_USERS:
        name = (names or {}).get(user.username) or user.full_name
        table.add_row(user.username, user.password, user.role.value, name, user.note)
    return table
