"""What the system wrote on history rows (claim timeline, ticket history) and why it refused
rows of a bulk intake, said in the caller's language: Accept-Language (zh-CN or en) picks it,
as for the web pages."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Request

from claimdesk.api.deps import SettingsDep
from claimdesk.catastrophe.schemas import IntakeOut
from claimdesk.claims.schemas import ClaimEventOut
from claimdesk.customers.schemas import LoyaltyEntryOut, LoyaltyOut
from claimdesk.support.schemas import TicketEventOut, TicketOut
from claimdesk.web.i18n import Translator, negotiate

Entry = TypeVar("Entry", ClaimEventOut, TicketEventOut)


def get_reader(request: Request, settings: SettingsDep) -> Translator:
    return Translator(negotiate(request.headers.get("accept-language")), settings.display_timezone)


ReaderDep = Annotated[Translator, Depends(get_reader)]


def said(entries: list[Entry], t: Translator) -> list[Entry]:
    """The entries with their ``text`` in the reader's language (the rest as stored)."""
    return [e.model_copy(update={"text": t.entry(e.reason, e.data) or None}) for e in entries]


def ticket_said(ticket: TicketOut, t: Translator) -> TicketOut:
    """A ticket with its history and its claim's timeline said in the reader's language."""
    update: dict[str, object] = {}
    if ticket.events is not None:
        update["events"] = said(ticket.events, t)
    if ticket.claim is not None:
        update["claim"] = ticket.claim.model_copy(
            update={"timeline": said(ticket.claim.timeline, t)}
        )
    return ticket.model_copy(update=update) if update else ticket


def loyalty_said(entry: LoyaltyEntryOut, t: Translator) -> LoyaltyEntryOut:
    """A points movement with its reason named in the reader's language."""
    return entry.model_copy(update={"text": t.code("loyalty_reason", entry.reason)})


def loyalty_account_said(account: LoyaltyOut, t: Translator) -> LoyaltyOut:
    return account.model_copy(update={"entries": [loyalty_said(e, t) for e in account.entries]})


def intake_said(report: IntakeOut, t: Translator) -> IntakeOut:
    """A bulk intake's answer with each rejected row's reason in the reader's language
    (``text``); ``reason`` stays in English, as the command line's rejected-rows file."""
    rows = [
        r.model_copy(update={"text": t.message(r.message)}) if r.message is not None else r
        for r in report.rows
    ]
    return report.model_copy(update={"rows": rows})
