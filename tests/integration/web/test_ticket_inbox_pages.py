"""The ticket inbox: owner column, SLA countdown, assigning a ticket, the customer panel
beside it, and filters each member of staff saves for themselves."""

from __future__ import annotations

import re

from claimdesk.security.enums import Role
from tests.factories import keyed
from tests.integration.web.pages import signed_in

EN = {"Accept-Language": "en"}


def _ticket(world, subject: str = "免赔额"):
    holder = world.customer()
    policy = world.policy(holder)
    claim = world.report(world.login(Role.CUSTOMER, holder), policy).json()
    customer = signed_in(world, Role.CUSTOMER, holder)
    customer.get("/tickets/new")
    first = customer.post(
        "/tickets", {"kind": "consultation", "subject": "以前的问题", "body": "?"}
    )
    assert first.status_code == 303
    opened = customer.post("/tickets", {"kind": "consultation", "subject": subject, "body": "?"})
    ticket_id = int(opened.headers["location"].rsplit("/", 1)[-1])
    return ticket_id, policy, claim


def test_a_supervisor_assigns_a_ticket_beside_the_customers_policies_claims_and_tickets(world):
    ticket_id, policy, claim = _ticket(world)
    agent = signed_in(world, Role.AGENT)
    agent_name = world.last_username
    supervisor = signed_in(world, Role.SUPERVISOR)
    inbox = supervisor.get("/staff?queue=tickets", headers=EN)
    row = inbox.text.split(f'href="/staff/tickets/{ticket_id}"')[1].split("</tr>")[0]
    assert re.search(r"\d+ (d|h|min)[^<]* left", row), row  # the SLA countdown
    page = supervisor.get(f"/staff/tickets/{ticket_id}", headers=EN)
    panel = page.text.split('id="customer-panel"')[1]
    assert policy.number in panel and claim["number"] in panel and "以前的问题" in panel
    assert f'/staff/tickets/{ticket_id}"' not in panel  # the ticket itself is not "earlier"
    agent_id = re.search(rf'<option value="(\d+)">{agent_name} \(', page.text)
    assert agent_id, page.text
    done = supervisor.post(f"/staff/tickets/{ticket_id}/assign", {"owner_id": agent_id[1]})
    assert done.status_code == 303
    page = supervisor.get(f"/staff/tickets/{ticket_id}", headers=EN)
    assert f"{agent_name} (Service agent)" in page.text.split('id="owner-name"')[1][:200]
    api = world.staff(Role.SUPERVISOR)  # the history: the system's words, in the reader's language
    said = {
        language: world.client.get(
            f"/api/v1/tickets/{ticket_id}", headers={**api, "Accept-Language": language}
        ).json()["events"][-1]
        for language in ("zh-CN", "en")
    }
    keyed(said["en"], "history.assigned_in_inbox")
    assert said["en"]["text"] == "Assigned in the ticket inbox."
    assert said["zh-CN"]["text"] == "在工单收件箱中分配。"
    inbox = supervisor.get("/staff?queue=tickets", headers=EN)
    row = inbox.text.split(f'href="/staff/tickets/{ticket_id}"')[1].split("</tr>")[0]
    assert agent_name in row
    mine = agent.get("/staff?queue=tickets&owner=me", headers=EN)
    assert f'href="/staff/tickets/{ticket_id}"' in mine.text  # now the agent's own
    again = supervisor.post(f"/staff/tickets/{ticket_id}/assign", {"owner_id": agent_id[1]})
    assert again.status_code == 303  # the same owner again: refused, said on the page
    page = supervisor.get(f"/staff/tickets/{ticket_id}", headers=EN)
    assert 'role="alert"' in page.text and "already" in page.text
    nobody = supervisor.post(f"/staff/tickets/{ticket_id}/assign", {"owner_id": ""})
    assert nobody.status_code == 303
    page = supervisor.get(f"/staff/tickets/{ticket_id}", headers=EN)
    assert "Choose who takes the ticket." in page.text


def test_saved_filters_are_each_persons_own(world):
    ticket_id, _, _ = _ticket(world)
    supervisor = signed_in(world, Role.SUPERVISOR)
    supervisor.get("/staff?queue=tickets")
    saved = supervisor.post(
        "/staff/ticket-filters", {"name": "未分配咨询", "owner": "none", "kind": "consultation"}
    )
    assert saved.status_code == 303
    where = saved.headers["location"]
    filter_id = int(where.rsplit("=", 1)[1])
    listed = supervisor.get(where, headers=EN)
    assert "未分配咨询" in listed.text and f"/staff/tickets/{ticket_id}" in listed.text
    mine = supervisor.get("/staff?queue=tickets&owner=me", headers=EN)
    assert f'/staff/tickets/{ticket_id}"' not in mine.text
    same = supervisor.post("/staff/ticket-filters", {"name": "未分配咨询", "owner": "me"})
    assert same.status_code == 303
    assert "already" in supervisor.get("/staff?queue=tickets", headers=EN).text
    bad = supervisor.get("/staff?queue=tickets&status=nonsense", headers=EN)
    assert bad.status_code == 422
    other = signed_in(world, Role.SUPERVISOR)
    assert other.get(where).status_code == 404
    assert "未分配咨询" not in other.get("/staff?queue=tickets").text
    assert other.post(f"/staff/ticket-filters/{filter_id}/delete").status_code == 404
    supervisor.get("/staff?queue=tickets")
    gone = supervisor.post(f"/staff/ticket-filters/{filter_id}/delete")
    assert gone.status_code == 303
    assert "未分配咨询" not in supervisor.get("/staff?queue=tickets").text
