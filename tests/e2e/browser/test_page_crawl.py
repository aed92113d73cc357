"""A crawl of every page a customer, an adjuster, a supervisor and an auditor can reach from
their home page, in zh-CN and en, on a 390×844 phone (Chromium, Debian's build, against
`claimdesk serve`). Each page: fits the screen, has no serious or critical axe-core violation
(axe-core from npm, run inside the page), shows no system text in the other language and no
raw codes, and no link of a menu or page answers 4xx/5xx."""

from __future__ import annotations

import re
import tomllib
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlalchemy import select

from claimdesk.core.db import unit_of_work
from claimdesk.security.enums import Role
from claimdesk.security.models import User
from claimdesk.support import inbox
from claimdesk.web.i18n import catalogue, code_names
from claimdesk.web.sessions import actor_of
from tests.e2e.browser.conftest import DESKTOP, NEEDS_CHROMIUM, OVERFLOW, PHONE, signed_in, user
from tests.factories import PASSWORD

pytestmark = NEEDS_CHROMIUM

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
LOCALES = ("zh-CN", "en")
PER_PATTERN = 3  # pages of one shape (/claims/{id}) visited per crawl
MAX_PAGES = 40
# Links not to follow: downloads and files, not pages.
NOT_PAGES = re.compile(r"(\.csv|\.zip|/file|/attachments/\d+|/static/.*)$")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*)+")

# The visible text of a page, piece by piece (text nodes, and the names people and screen
# readers are given: placeholders, labels, titles, alternative texts), leaving out what is
# marked as being in another language (the language switch: lang="en" on a Chinese page).
VISIBLE_TEXT = """() => {
  const lang = document.documentElement.lang;
  const texts = [];
  const inOwnLanguage = (el) => {
    const marked = el.closest('[lang]');
    return !marked || marked.lang === lang;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('script, style, noscript, template, textarea')) continue;
    if (!el.closest('option') && !el.checkVisibility({visibilityProperty: true})) continue;
    if (!inOwnLanguage(el)) continue;
    const text = node.textContent.trim();
    if (text) texts.push({text, stored: !!el.closest('.timeline .reason')});
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], [alt]')) {
    if (!inOwnLanguage(el)) continue;
    for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
      const text = (el.getAttribute(name) || '').trim();
      if (text) texts.push({text, stored: false});
    }
  }
  const buttons = document.querySelectorAll('input[type=submit], input[type=button]');
  for (const el of buttons) {
    if (el.value && inOwnLanguage(el)) texts.push({text: el.value, stored: false});
  }
  return texts;
}"""
# axe-core's serious and critical violations, and text in the colour of its background
# (white on white: axe leaves that "incomplete", message equalRatio, rather than failing it).
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations', 'incomplete']});
  const targets = (nodes) => nodes.slice(0, 3).map((n) => n.target.join(' '));
  const found = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: targets(v.nodes)}));
  for (const v of result.incomplete.filter((v) => v.id === 'color-contrast')) {
    const invisible = v.nodes.filter(
      (n) => n.any.some((check) => check.data && check.data.messageKey === 'equalRatio'));
    if (invisible.length) {
      found.push({id: v.id, impact: 'serious', help: 'text in the colour of its background',
                  nodes: targets(invisible)});
    }
  }
  return found;
}"""
LINKS = "() => [...document.querySelectorAll('a[href]')].map((a) => a.href)"


def _english_words() -> set[str]:
    """The words of the English texts of the catalogues (the pages' and the errors'): on a
    Chinese page, two of them in a row are system text in the other language."""
    errors = resources.files("claimdesk.core").joinpath("error_messages.toml").read_text("utf-8")
    texts = [*catalogue()["en"].values(), *tomllib.loads(errors)["en"].values()]
    words: set[str] = set()
    for text in texts:
        words.update(_words(re.sub(r"\{[^}]*\}", " ", text)))
    return words


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z'’-]+", text.lower())


def _codes() -> tuple[set[str], set[str]]:
    """Codes that have names (claim types, coverages, products, exclusions, statuses,
    actions, roles, ticket kinds, channels, document kinds, fields read from documents):
    (codes no word could be, one-word codes)."""
    codes = set(code_names()["product"]) | set(code_names()["coverage"])
    for key in catalogue()["en"]:
        prefix, _, code = key.partition(".")
        if prefix in {"status", "action", "exclusion", "role", "kind", "channel", "priority"}:
            codes.add(code)
    documents = resources.files("claimdesk.documents")
    codes |= set(tomllib.loads(documents.joinpath("checklists.toml").read_text("utf-8"))["kinds"])
    codes |= set(tomllib.loads(documents.joinpath("reading.toml").read_text("utf-8"))["fields"])
    compound = {c for c in codes if "_" in c or "-" in c}
    return compound, codes - compound


ENGLISH_WORDS = _english_words()
COMPOUND_CODES, WORD_CODES = _codes()


@dataclass
class Crawl:
    """What one role saw in one language."""

    role: str
    locale: str
    typed: list[str]  # what people typed in the test's data (names, descriptions, subjects)
    problems: list[str] = field(default_factory=list)
    # Other-language reasons stored with timeline entries by the system (known: issue 19's
    # change to message keys for them is under way in the services).
    stored_reasons: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def problem(self, path: str, what: str, *, stored: bool = False) -> None:
        found = self.stored_reasons if stored else self.problems
        found.append(f"{self.role} {self.locale} {path}: {what}")

    def check_text(self, path: str, texts: list[dict[str, Any]]) -> None:
        for piece in texts:
            raw, stored = piece["text"], piece["stored"]
            text = raw
            for typed in self.typed:
                text = text.replace(typed, " ")
            if self.locale == "en" and CJK.search(text):
                self.problem(path, f"Chinese text on an English page: {raw!r}", stored=stored)
            if self.locale == "zh-CN":
                for run in ENGLISH_RUN.findall(text):
                    if sum(word in ENGLISH_WORDS for word in _words(run)) >= 2:
                        self.problem(
                            path,
                            f"English text on a Chinese page: {run!r} in {raw!r}",
                            stored=stored,
                        )
            for code in COMPOUND_CODES | (WORD_CODES if self.locale == "zh-CN" else set()):
                if re.search(rf"(?<![\w./@-]){re.escape(code)}(?![\w@-]|\.\w)", text):
                    self.problem(path, f"raw code {code!r} in {raw!r}")


def _pattern(url: str) -> str:
    """A page's shape: ids as {id}, the query's names and its `queue`/`tab` values."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/{id}", parts.path)
    query = sorted(
        f"{k}={v}" if k in {"queue", "tab"} else k for k, v in parse_qsl(parts.query, True)
    )
    return f"{path}?{'&'.join(query)}"


def _check_in_page(page: Any, crawl: Crawl, where: str) -> None:
    """axe-core's rules and the text checks on the page as it is shown now."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    for violation in page.evaluate(AXE_RUN):
        crawl.problem(
            where,
            f"axe {violation['impact']} {violation['id']} ({violation['help']}): "
            f"{violation['nodes']}",
        )
    crawl.check_text(where, page.evaluate(VISIBLE_TEXT))


def _crawl(
    browser: Any, base_url: str, username: str, crawl: Crawl, password: str = PASSWORD
) -> None:
    """Breadth first from the user's home page over the links of every page it reaches."""
    context, page = signed_in(
        browser, base_url, username, crawl.locale, PHONE, password=password, bypass_csp=True
    )
    home = urlsplit(page.url)
    start = home.path + (f"?{home.query}" if home.query else "")
    queue, seen, shapes = deque([start]), {start}, Counter[str]()
    while queue and len(crawl.visited) < MAX_PAGES:
        path = queue.popleft()
        response = page.goto(path)
        crawl.visited.append(path)
        status = response.status if response else 0
        if status >= 400 or status == 0:
            crawl.problem(path, f"answers {status}")
            continue
        if page.locator("html").get_attribute("lang") != crawl.locale:
            crawl.problem(path, f"html lang is {page.locator('html').get_attribute('lang')}")
        excess = page.evaluate(OVERFLOW)
        if excess > 0:
            crawl.problem(path, f"{excess} px wider than a {PHONE['width']} px phone")
        _check_in_page(page, crawl, path)
        if path == start:  # the header's menu is folded on a phone: once unfolded, wide
            page.set_viewport_size(DESKTOP)
            _check_in_page(page, crawl, f"{path} (at {DESKTOP['width']} px)")
            page.set_viewport_size(PHONE)
        for href in page.evaluate(LINKS):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != base_url or NOT_PAGES.search(parts.path):
                continue
            query = urlencode(parse_qsl(parts.query, True))
            link = parts.path + (f"?{query}" if query else "")
            if link in seen or parts.path in {"/login", "/logout"}:
                continue
            seen.add(link)
            if shapes[_pattern(link)] < PER_PATTERN:
                shapes[_pattern(link)] += 1
                queue.append(link)
    context.close()


@pytest.fixture
def crawled_world(world):
    """A customer with medical and motor claims in several states (reported with documents
    missing; paid, with an excluded pre-existing line; a motor claim under review), a ticket,
    and the staff who crawl."""
    today = world.now.date()
    holder = world.customer("王小明", name_en="Wang Xiaoming")
    medical = world.policy(
        holder, start=today - timedelta(days=200), end=today + timedelta(days=160)
    )
    motor = world.policy(
        holder, "MOTOR-COMP", start=today - timedelta(days=100), end=today + timedelta(days=260)
    )
    customer = world.login(Role.CUSTOMER, holder)
    customer_name = world.last_username
    incident = str(today - timedelta(days=5))
    typed = ["王小明", "Wang Xiaoming", "Hospitalised for pneumonia / 肺炎住院"]

    reported = world.report(customer, medical, amount="3000.00", incident_date=incident)
    assert reported.status_code == 201, reported.text

    account = holder.bank_accounts[0].id
    paid = world.report(
        customer, medical, amount="8000.00", incident_date=incident, bank_account_id=account
    ).json()
    adjuster, senior = world.staff(Role.ADJUSTER), world.staff(Role.SENIOR_ADJUSTER)
    assert world.act(adjuster, paid["id"], "start_review").status_code == 200
    world.evidence(customer, paid["id"])
    lines = [
        {"description": "Ward and treatment", "amount": "7000.00"},
        {"description": "Earlier condition", "amount": "1000.00", "cause_codes": ["pre_existing"]},
    ]
    typed += ["Ward and treatment", "Earlier condition"]
    assessed = world.act(adjuster, paid["id"], "assess", loss_lines=lines)
    assert assessed.status_code == 200, assessed.text
    for action, headers in (("verify_coverage", adjuster), ("approve", senior), ("pay", adjuster)):
        response = world.act(headers, paid["id"], action)
        assert response.status_code == 200, response.text

    vehicle = world.report(
        customer, motor, amount="6000.00", claim_type="vehicle_damage", incident_date=incident
    ).json()
    assert world.act(adjuster, vehicle["id"], "start_review").status_code == 200

    ticket = world.client.post(
        "/api/v1/tickets",
        json={"kind": "claim_inquiry", "subject": "理赔进度", "body": "请问什么时候到账？"},
        headers=customer,
    )
    assert ticket.status_code == 201, ticket.text
    complaint = world.client.post(
        "/api/v1/tickets",
        json={
            "kind": "complaint",
            "subject": "赔付金额不对",
            "body": "既往症那一项不应扣除。",
            "claim_id": paid["id"],
        },
        headers=customer,
    )
    assert complaint.status_code == 201, complaint.text
    typed += ["赔付金额不对", "既往症那一项不应扣除。"]
    typed += ["理赔进度", "请问什么时候到账？", "中国保险行业协会 Insurance Association of China"]
    crawlers = {
        "customer": customer_name,
        "adjuster": user(world, Role.ADJUSTER),
        "supervisor": user(world, Role.SUPERVISOR),
        "auditor": user(world, Role.AUDITOR),
    }
    with unit_of_work(world.container.sessions) as session:
        for role in ("adjuster", "supervisor"):  # the inbox's saved filters and their buttons
            staff = session.scalars(select(User).where(User.username == crawlers[role])).one()
            inbox.save_filter(
                session,
                actor=actor_of(staff),
                name="Open complaints",
                criteria={"status": "open", "kind": "complaint"},
                now=world.now,
            )
    typed.append("Open complaints")
    return {**crawlers, "typed": typed}


def test_every_page_of_every_role_passes_the_checks_in_both_languages(
    crawled_world, base_url, browser
):
    assert AXE.exists(), f"{AXE} is missing: run bash scripts/setup --dev (npm ci)"
    problems, stored_reasons, visited = [], [], 0
    for role in ("customer", "adjuster", "supervisor", "auditor"):
        for locale in LOCALES:
            crawl = Crawl(role, locale, crawled_world["typed"])
            _crawl(browser, base_url, crawled_world[role], crawl)
            assert len(crawl.visited) > 3, (role, locale, crawl.visited)
            problems += crawl.problems
            stored_reasons += crawl.stored_reasons
            visited += len(crawl.visited)
    print(f"{visited} pages visited")
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
    if stored_reasons:
        pytest.xfail(
            "system-written timeline reasons are stored as text in one language until the "
            "services store message keys for them:\n" + "\n".join(stored_reasons)
        )
