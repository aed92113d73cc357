"""The staff ticket page shows the ticket's history (opened, assigned, complaint record,
reassigned, SLA breaches and escalations, status changes) oldest first, with who and when,
in the page's language only: codes by their names, no key or parameter left unrendered."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from claimdesk.customers.models import Customer
from claimdesk.security.enums import Role
from claimdesk.support.enums import TicketAction, TicketStatus
from claimdesk.web.i18n import catalogue
from tests.integration.support.conftest import Desk
from tests.integration.web.pages import signed_in

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _history(page: str) -> list[tuple[str, str]]:
    """(kind, visible text) of each line of the page's history, oldest first."""
    section = page.split('id="history"')[1].split("</section>")[0]
    lines = re.findall(r'<li class="ev-([a-z_0-9]+)">(.*?)</li>', section, re.S)
    return [
        (kind, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split()))
        for kind, body in lines
    ]


def _by_kind(lines: list[tuple[str, str]]) -> dict[str, str]:
    """The lines of each kind, one per line of text."""
    found: dict[str, list[str]] = {}
    for kind, text in lines:
        found.setdefault(kind, []).append(text)
    return {kind: "\n".join(texts) for kind, texts in found.items()}


def _worked_ticket(world) -> tuple[Desk, int, Customer]:
    """A complaint opened on the web, its record updated, reassigned in the inbox, its
    first response escalated, answered, then waiting on the customer."""
    desk = Desk(world)
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    ticket = desk.open(customer, kind="complaint", subject="赔付太慢", body="怎么还没到账？")
    first, second = desk.agents
    assert ticket["owner_id"] == first.id
    updated = world.client.patch(
        f"/api/v1/tickets/{ticket['id']}/complaint",
        json={"root_cause": "documents lost", "severity": "high"},
        headers=first.headers,
    )
    assert updated.status_code == 200, updated.text
    supervisor = signed_in(world, Role.SUPERVISOR)
    supervisor.get(f"/staff/tickets/{ticket['id']}")
    moved = supervisor.post(f"/staff/tickets/{ticket['id']}/assign", {"owner_id": second.id})
    assert moved.status_code == 303
    assert desk.sweep(timedelta(days=10)).escalated >= 1
    agent = world.sign_in(second.username)  # ten days on: a fresh token
    assert desk.say(agent, ticket["id"], "我们正在核实。").status_code == 201
    waiting = desk.act(
        agent,
        ticket["id"],
        "wait_on_customer",
        reason="等待客户提供银行流水 / Waiting for the bank statement",
    )
    assert waiting.status_code == 200, waiting.text
    return desk, ticket["id"], holder


def test_the_staff_ticket_page_lists_the_history_in_the_readers_language(world):
    desk, ticket_id, holder = _worked_ticket(world)
    first, second = (a.username for a in desk.agents)
    reader = signed_in(world, Role.SUPERVISOR)
    english = _history(reader.get(f"/staff/tickets/{ticket_id}", headers=EN).text)
    chinese = _history(reader.get(f"/staff/tickets/{ticket_id}", headers=ZH).text)

    kinds = [kind for kind, _ in english]
    assert kinds[:4] == ["created", "assigned", "complaint_updated", "reassigned"]
    assert kinds[4:6] == ["sla_breached", "sla_breached"]  # the sweep finds both late
    assert kinds[6] == "sla_escalated"  # and then escalates
    assert kinds[-2:] == [TicketAction.START, TicketAction.WAIT_ON_CUSTOMER]
    assert [kind for kind, _ in chinese] == kinds  # the same lines, oldest first

    said = _by_kind(english)
    assert "Ticket opened through Web." in said["created"]
    assert f"{holder.name_en} (Customer)" in said["created"]  # a customer by their name
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", said["created"])  # when
    assert f"Assigned to {first} (team rota)." in said["assigned"]
    assert "Complaint record updated: severity, root cause." in said["complaint_updated"]
    assert f"Reassigned from {first} to {second}." in said["reassigned"]
    assert "(Supervisor)" in said["reassigned"]  # who did it
    assert "Assigned in the ticket inbox." in said["reassigned"]  # the stored message
    assert (
        f"First response time limit escalated to {desk.lead.username} (level 1)."
        in (said["sla_escalated"])
    )
    assert "System" in said["sla_escalated"]
    assert "First response time limit breached." in said["sla_breached"]
    assert "Resolution time limit breached." in said["sla_breached"]
    assert "Work started: New → Open" in said[TicketAction.START]
    assert f"{second} (Service agent)" in said[TicketAction.START]
    waiting = said[TicketAction.WAIT_ON_CUSTOMER]
    assert "Waiting for the customer: Open → Waiting for the customer" in waiting
    assert "Waiting for the bank statement" in waiting and "银行流水" not in waiting

    zh = _by_kind(chinese)
    assert "通过网站创建工单。" in zh["created"] and f"{holder.name}（客户）" in zh["created"]
    assert f"分配给{first}（团队轮流）。" in zh["assigned"]
    assert "投诉记录已更新：严重程度、根本原因。" in zh["complaint_updated"]
    assert (
        f"由{first}转派给{second}。" in zh["reassigned"]
        and "在工单收件箱中分配。" in (zh["reassigned"])
    )
    assert f"首次响应时限已升级至{desk.lead.username}（第1级）。" in zh["sla_escalated"]
    assert "首次响应时限已超时。" in zh["sla_breached"] and "系统" in zh["sla_breached"]
    assert "开始处理：新建 → 处理中" in zh[TicketAction.START]
    assert f"{second}（客服专员）" in zh[TicketAction.START]
    assert "等待客户提供银行流水" in zh[TicketAction.WAIT_ON_CUSTOMER]

    for _, text in english:  # nothing Chinese on the English page (no one typed any here)
        assert not CJK.search(text), text
    english_words = {w for v in catalogue()["en"].values() for w in re.findall(r"[A-Za-z]+", v)}
    for _, text in chinese:  # and no English words but staff's user names on the Chinese one
        text = re.sub(r"(?<![A-Za-z_-])[a-z_]+-\d+", "", text)
        assert not set(re.findall(r"[A-Za-z]{2,}", text)) & english_words, text


def test_no_code_key_or_parameter_is_left_unrendered(world):
    _desk, ticket_id, _holder = _worked_ticket(world)
    reader = signed_in(world, Role.SUPERVISOR)
    codes = (
        {s.value for s in TicketStatus} | {a.value for a in TicketAction} | {"round_robin"}
    ) - {"new", "open", "resume", "close", "start"}  # plain words in English texts
    codes |= {"first_response", "sla_escalated", "complaint_updated", "root_cause", "complaint"}
    for headers in (EN, ZH):
        for _kind, text in _history(
            reader.get(f"/staff/tickets/{ticket_id}", headers=headers).text
        ):
            assert "ticket_history." not in text and "history." not in text, text  # keys
            assert "{" not in text and "}" not in text, text  # parameters
            for code in codes:
                assert not re.search(rf"(?<![\w-]){code}(?![\w-])", text), (code, text)
