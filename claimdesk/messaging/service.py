"""Customer communications: contact preferences, templates (edit, preview), the notice each
customer-visible step makes, and the outbox messages a notice becomes.

A notice goes out on each channel the customer's preferences allow. A step a person took
is sent at once; automatic steps of one claim (the system's document request, a
straight-through claim's review, approval and payment) wait ``message_digest_seconds``
in one open message, which then goes out as one digest (or as the single notice, if no
other step joined it).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimdesk.claims.enums import ClaimAction, ClaimStatus
from claimdesk.claims.models import Claim, ClaimEvent, LossLine
from claimdesk.claims.service import documents_for
from claimdesk.config import Settings
from claimdesk.core.clock import local_date
from claimdesk.core.errors import NotFound
from claimdesk.customers.models import BankAccount, Customer
from claimdesk.documents.checklists import template as document_template
from claimdesk.documents.enums import DocumentStatus
from claimdesk.documents.models import Document
from claimdesk.messaging import links, rules
from claimdesk.messaging.enums import MessageChannel, MessageEvent, OutboxState
from claimdesk.messaging.models import ContactPreference, MessageTemplate
from claimdesk.messaging.rules import Notice, Preferences
from claimdesk.messaging.schemas import (
    PreferencesIn,
    PreferencesOut,
    PreviewIn,
    PreviewOut,
    TemplateIn,
    TemplateOut,
)
from claimdesk.messaging.templates import (
    Rendered,
    TemplateInvalid,
    as_markup,
    check_event,
    check_locale,
    default_source,
    html_document,
    names,
    render_source,
    sample_params,
    status_name,
)
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor
from claimdesk.support.models import OutboxMessage, Survey, Ticket, TicketMessage

log = logging.getLogger(__name__)

STATUTORY_PAYMENT_DAYS = 10  # Insurance Law art. 23


# ---------------------------------------------------------------- preferences


def preferences_of(session: Session, customer_id: int) -> Preferences:
    row = session.get(ContactPreference, customer_id)
    if row is None:
        return Preferences()
    return Preferences(tuple(MessageChannel(c) for c in row.channels), row.opt_out_non_statutory)


def _customer_for(
    session: Session, actor: Actor, customer_id: int, staff_permission: str
) -> Customer:
    customer = session.get(Customer, customer_id)
    if actor.is_customer:
        if customer is None or actor.customer_id != customer_id:
            raise NotFound(f"Customer {customer_id} does not exist.")
    else:
        require(actor, staff_permission)
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    return customer


def _preferences_view(session: Session, customer: Customer) -> PreferencesOut:
    row = session.get(ContactPreference, customer.id)
    current = preferences_of(session, customer.id)
    return PreferencesOut(
        customer_id=customer.id,
        channels=list(current.channels),
        language=rules.locale_of(customer.preferred_locale),
        opt_out_non_statutory=current.opt_out_non_statutory,
        email=bool(customer.email),
        phone=bool(customer.phone),
        updated_at=row.updated_at if row else None,
    )


def get_preferences(session: Session, *, actor: Actor, customer_id: int) -> PreferencesOut:
    customer = _customer_for(session, actor, customer_id, "customers.view_360")
    return _preferences_view(session, customer)


def set_preferences(
    session: Session, *, actor: Actor, customer_id: int, data: PreferencesIn, now: datetime
) -> PreferencesOut:
    """The customer (or staff on their behalf) chooses channels, language and whether
    optional messages come; statutory notices always go."""
    customer = _customer_for(session, actor, customer_id, "customers.create")
    row = session.get(ContactPreference, customer.id)
    if row is None:
        row = ContactPreference(customer_id=customer.id)
        session.add(row)
    row.channels = [str(c) for c in dict.fromkeys(data.channels)]
    row.opt_out_non_statutory = data.opt_out_non_statutory
    row.updated_by_id = actor.user_id
    row.updated_at = now
    customer.preferred_locale = data.language
    session.flush()
    return _preferences_view(session, customer)


# ---------------------------------------------------------------- templates


def _override(session: Session, event: MessageEvent, locale: str) -> MessageTemplate | None:
    return session.scalars(
        select(MessageTemplate).where(
            MessageTemplate.event == event.value, MessageTemplate.locale == locale
        )
    ).one_or_none()


def render(session: Session, event: MessageEvent, locale: str, params: dict[str, Any]) -> Rendered:
    """The message in the stored template, or the shipped one if staff stored none (or
    theirs cannot show these values: a message is never lost to an edit)."""
    override = _override(session, event, locale)
    if override is not None:
        try:
            return render_source(override.source, params)
        except TemplateInvalid:
            log.exception("stored template %s/%s failed; the default is used", event, locale)
    return render_source(default_source(event, locale), params)


def _template_view(session: Session, event: MessageEvent, locale: str) -> TemplateOut:
    override = _override(session, event, locale)
    return TemplateOut(
        event=event.value,
        locale=locale,
        category=rules.CATEGORY[event],
        source=override.source if override else default_source(event, locale),
        overridden=override is not None,
        updated_at=override.updated_at if override else None,
        updated_by_id=override.updated_by_id if override else None,
        sample_params=sample_params(event, locale),
    )


def list_templates(session: Session, *, actor: Actor) -> list[TemplateOut]:
    require(actor, "messaging.templates.manage")
    return [
        _template_view(session, event, locale) for event in MessageEvent for locale in rules.LOCALES
    ]


def get_template(session: Session, *, actor: Actor, event: str, locale: str) -> TemplateOut:
    require(actor, "messaging.templates.manage")
    return _template_view(session, check_event(event), check_locale(locale))


def save_template(
    session: Session, *, actor: Actor, event: str, locale: str, data: TemplateIn, now: datetime
) -> TemplateOut:
    """Store staff's version; it must render the event's example values first (422 if not)."""
    require(actor, "messaging.templates.manage")
    kind, locale = check_event(event), check_locale(locale)
    render_source(data.source, sample_params(kind, locale))
    row = _override(session, kind, locale)
    if row is None:
        row = MessageTemplate(event=kind.value, locale=locale)
        session.add(row)
    row.source, row.updated_by_id, row.updated_at = data.source, actor.user_id, now
    session.flush()
    return _template_view(session, kind, locale)


def reset_template(session: Session, *, actor: Actor, event: str, locale: str) -> TemplateOut:
    """Back to the shipped default."""
    require(actor, "messaging.templates.manage")
    kind, locale = check_event(event), check_locale(locale)
    row = _override(session, kind, locale)
    if row is not None:
        session.delete(row)
        session.flush()
    return _template_view(session, kind, locale)


def preview(
    session: Session, *, actor: Actor, event: str, locale: str, data: PreviewIn
) -> PreviewOut:
    require(actor, "messaging.templates.manage")
    kind, locale = check_event(event), check_locale(locale)
    params = data.params if data.params is not None else sample_params(kind, locale)
    if data.source is None:
        override = _override(session, kind, locale)
        source = override.source if override else default_source(kind, locale)
    else:
        source = data.source
    rendered = render_source(source, params)
    return PreviewOut(
        event=kind.value,
        locale=locale,
        subject=rendered.subject,
        text=rendered.text,
        html=html_document(rendered.html, locale),
        sms=rendered.sms,
    )


# ---------------------------------------------------------------- notices to outbox messages


def _part(notice: Notice) -> dict[str, Any]:
    return {"key": notice.key, "event": notice.event.value, "params": dict(notice.params)}


def _fill(session: Session, row: OutboxMessage) -> None:
    """Render the row from its parts: one part in its own template, several as a digest."""
    parts = row.parts or []
    rendered = [render(session, MessageEvent(p["event"]), row.locale, p["params"]) for p in parts]
    if len(parts) == 1:
        content, row.template = rendered[0], parts[0]["event"]
    else:
        first = parts[0]["params"]
        content = render(
            session,
            MessageEvent.DIGEST,
            row.locale,
            {
                "name": first["name"],
                "number": first["number"],
                "count": len(parts),
                "parts": [
                    {"subject": r.subject, "text": r.text, "html": as_markup(r.html), "sms": r.sms}
                    for r in rendered
                ],
            },
        )
        row.template = MessageEvent.DIGEST.value
    row.category = rules.strongest(rules.CATEGORY[MessageEvent(p["event"])] for p in parts)
    row.subject = content.subject
    if row.channel == MessageChannel.SMS:
        row.body, row.html = content.sms, None
    else:
        row.body, row.html = content.text, html_document(content.html, row.locale)


def _write(
    session: Session,
    *,
    key: str,
    notice: Notice,
    channel: MessageChannel,
    address: str,
    locale: str,
    customer_id: int | None,
    due_at: datetime,
    now: datetime,
    settings: Settings,
) -> OutboxMessage | None:
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)):
        return None  # this step was told already
    headers: dict[str, str] | None = None
    if channel == MessageChannel.EMAIL:
        headers = {"Message-ID": rules.message_id(key, settings.mail_from)}
        if notice.ticket_id is not None:
            thread = rules.ticket_thread_id(str(notice.params["number"]), settings.mail_from)
            headers |= {"In-Reply-To": thread, "References": thread}
    row = OutboxMessage(
        key=key,
        customer_id=customer_id,
        claim_id=notice.claim_id,
        ticket_id=notice.ticket_id,
        channel=channel,
        address=address,
        locale=locale,
        parts=[_part(notice)],
        headers=headers,
        state=OutboxState.PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=due_at,
    )
    _fill(session, row)
    session.add(row)
    return row


def _open_digest(
    session: Session, claim_id: int, channel: MessageChannel, now: datetime
) -> OutboxMessage | None:
    return session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.claim_id == claim_id,
            OutboxMessage.channel == channel,
            OutboxMessage.key.like(f"claim:{claim_id}:%:digest:{channel}"),
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.attempts == 0,
            OutboxMessage.next_attempt_at > now,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
        .with_for_update()
    ).first()


def notify(
    session: Session,
    *,
    customer: Customer,
    notice: Notice,
    automatic: bool,
    now: datetime,
    settings: Settings,
) -> list[OutboxMessage]:
    """Queue the notice on each channel the customer's preferences allow. Returns the
    messages to send now; those joining a digest are sent when its window closes."""
    locale = rules.locale_of(customer.preferred_locale)
    addresses = {MessageChannel.EMAIL: customer.email, MessageChannel.SMS: customer.phone}
    channels = rules.channels_for(preferences_of(session, customer.id), addresses, notice.category)
    window = settings.message_digest_seconds
    now_rows: list[OutboxMessage] = []
    for channel in channels:
        address = addresses[channel]
        assert address is not None
        if automatic and notice.claim_id is not None and window > 0:
            digest = _open_digest(session, notice.claim_id, channel, now)
            if digest is not None:
                if notice.key not in {p["key"] for p in digest.parts or []}:
                    digest.parts = [*(digest.parts or []), _part(notice)]
                    _fill(session, digest)
                continue
            _write(
                session,
                key=f"{notice.key}:digest:{channel}",
                notice=notice,
                channel=channel,
                address=address,
                locale=locale,
                customer_id=customer.id,
                due_at=now + timedelta(seconds=window),
                now=now,
                settings=settings,
            )
            continue
        row = _write(
            session,
            key=f"{notice.key}:{channel}",
            notice=notice,
            channel=channel,
            address=address,
            locale=locale,
            customer_id=customer.id,
            due_at=now,
            now=now,
            settings=settings,
        )
        if row is not None:
            now_rows.append(row)
    session.flush()
    return now_rows


def notify_address(
    session: Session,
    *,
    address: str,
    locale: str,
    notice: Notice,
    now: datetime,
    settings: Settings,
) -> OutboxMessage | None:
    """An e-mail to someone who is not a known customer (an unverified sender, a partner's
    contact): no preferences apply, and it goes at once."""
    row = _write(
        session,
        key=f"{notice.key}:{MessageChannel.EMAIL}",
        notice=notice,
        channel=MessageChannel.EMAIL,
        address=address,
        locale=locale,
        customer_id=None,
        due_at=now,
        now=now,
        settings=settings,
    )
    session.flush()
    return row


# ---------------------------------------------------------------- what each step says


def _name(customer: Customer | None, locale: str) -> str:
    if customer is None:
        return "customer" if locale == "en" else "客户"
    return customer.name_en if locale == "en" and customer.name_en else customer.name


def _pick(locale: str, zh: str, en: str) -> str:
    return en if locale == "en" else zh


def _claim_params(
    settings: Settings, claim: Claim, customer: Customer, locale: str
) -> dict[str, Any]:
    return {
        "name": _name(customer, locale),
        "number": claim.number,
        "claim_url": links.page(settings, f"/claims/{claim.id}"),
    }


def _documents(kinds: list[str], locale: str) -> list[dict[str, str]]:
    out = []
    for kind in kinds:
        t = document_template(kind)
        out.append(
            {
                "name": _pick(locale, t.name_zh, t.name_en),
                "must_show": _pick(locale, t.must_show_zh, t.must_show_en),
            }
        )
    return out


def _payout_lines(claim: Claim, locale: str) -> list[str]:
    """The approval's calculation line by line, in the customer's language."""
    payout = claim.approved_payout or claim.payout or {}
    lines_by_id = {str(line.id): line for line in claim.loss_lines}
    currency = payout.get("currency", claim.currency)
    out = []
    for item in payout.get("items", []):
        line: LossLine | None = lines_by_id.get(item["ref"])
        what = line.description if line else item["coverage_code"]
        claimed = f"{currency} {Decimal(item['claimed']):,.2f}"
        eligible = f"{currency} {Decimal(item['eligible']):,.2f}"
        out.append(
            _pick(
                locale,
                f"{what}：申请 {claimed}，可赔 {eligible}",
                f"{what}: {claimed} claimed, {eligible} eligible",
            )
        )
    steps = [
        step
        for group in (*payout.get("items", []), *payout.get("coverages", []))
        for step in group.get("steps", [])
    ] + list(payout.get("steps", []))
    out.extend(_pick(locale, s["message_zh"], s["message_en"]) for s in steps)
    return out


def _survey_params(settings: Settings, survey: Survey | None) -> dict[str, str]:
    if survey is None:
        return {"survey_url": "", "survey_expires": ""}
    return {
        "survey_url": links.survey_url(settings, survey.id),
        "survey_expires": local_date(survey.expires_at, settings.display_timezone).isoformat(),
    }


def claim_reported_notice(
    *, claim: Claim, customer: Customer, event_id: int, settings: Settings
) -> Notice:
    """The acknowledgement: the claim number and every document still needed, by name.

    Made in the transaction that reports the claim, before anything can be uploaded to it:
    no document is in yet, so every one of the checklist is still needed (no query)."""
    locale = rules.locale_of(customer.preferred_locale)
    coverage = claim.policy.product.coverage(claim.claim_type)
    return Notice(
        key=f"claim:{claim.id}:event:{event_id}",
        event=MessageEvent.CLAIM_REPORTED,
        params={
            **_claim_params(settings, claim, customer, locale),
            "claim_type": _pick(locale, coverage.name_zh, coverage.name_en)
            if coverage
            else claim.claim_type,
            "documents": _documents([d.kind for d in documents_for(claim)], locale),
        },
        claim_id=claim.id,
    )


def claim_step_notice(
    session: Session,
    *,
    claim: Claim,
    customer: Customer,
    entry: ClaimEvent,
    survey: Survey | None,
    settings: Settings,
) -> Notice | None:
    """What a lifecycle step tells the customer; None for internal steps (and for a
    settlement that transferred nothing)."""
    action = ClaimAction(entry.kind)
    event = rules.CLAIM_STEP_EVENTS.get(action)
    if event is None:
        return None
    locale = rules.locale_of(customer.preferred_locale)
    params = _claim_params(settings, claim, customer, locale)
    data = entry.data or {}
    if event == MessageEvent.DOCUMENTS_REQUESTED:
        kinds = list(data.get("documents") or [])
        unreadable = session.scalars(
            select(Document.filename).where(
                Document.claim_id == claim.id, Document.status == DocumentStatus.UNREADABLE
            )
        )
        params |= {"documents": _documents(kinds, locale), "unreadable": list(unreadable)}
    elif event == MessageEvent.CLAIM_STATUS:
        notes = names()["step_note"][locale]
        params |= {
            "status": status_name(claim.status, locale),
            "reason": notes.get(action.value, ""),
        }
    elif event == MessageEvent.CLAIM_APPROVED:
        params |= {
            "amount": str(claim.approved_amount),
            "claimed": str(claim.claimed_amount),
            "currency": claim.currency,
            "partial": claim.status == ClaimStatus.PARTIALLY_APPROVED,
            "payment_days": STATUTORY_PAYMENT_DAYS,
            "lines": _payout_lines(claim, locale),
        }
    elif event == MessageEvent.CLAIM_DENIED:
        params["reasons"] = claim.decision_reason or entry.reason or ""
    elif event == MessageEvent.CLAIM_PAID:
        if "reference" not in data:
            return None
        account = session.get(BankAccount, claim.bank_account_id) if claim.bank_account_id else None
        params |= {
            "amount": data["amount"],
            "currency": claim.currency,
            "reference": data["reference"],
            "account": rules.mask_account(account.account_number) if account else "****",
            "bank": account.bank_name if account else "",
            "paid_on": local_date(entry.at, settings.display_timezone).isoformat(),
        }
    elif event == MessageEvent.CLAIM_CLOSED:
        params |= _survey_params(settings, survey)
    return Notice(
        key=f"claim:{claim.id}:event:{entry.id}", event=event, params=params, claim_id=claim.id
    )


def ticket_reply_notice(
    *,
    ticket: Ticket,
    message: TicketMessage,
    customer: Customer | None,
    locale: str,
    settings: Settings,
) -> Notice:
    return Notice(
        key=f"ticket-message:{message.id}",
        event=MessageEvent.TICKET_REPLY,
        params={
            "name": _name(customer, locale),
            "number": ticket.number,
            "subject": ticket.subject,
            "reply": message.body,
            "ticket_url": links.page(settings, f"/tickets/{ticket.id}"),
        },
        ticket_id=ticket.id,
    )


def ticket_resolved_notice(
    *, ticket: Ticket, survey: Survey | None, customer: Customer, settings: Settings
) -> Notice:
    locale = rules.locale_of(customer.preferred_locale)
    return Notice(
        key=f"ticket:{ticket.id}:resolved:v{ticket.version}",
        event=MessageEvent.TICKET_RESOLVED,
        params={
            "name": _name(customer, locale),
            "number": ticket.number,
            "subject": ticket.subject,
            **_survey_params(settings, survey),
        },
        ticket_id=ticket.id,
    )


def latest_survey(
    session: Session, *, claim_id: int | None = None, ticket_id: int | None = None, at: datetime
) -> Survey | None:
    """The survey the step at ``at`` opened (support's handlers create it first)."""
    query = select(Survey).where(Survey.created_at == at)
    if ticket_id is not None:
        query = query.where(Survey.ticket_id == ticket_id)
    else:
        query = query.where(Survey.claim_id == claim_id, Survey.subject == "claim")
    return session.scalars(query.order_by(Survey.id.desc()).limit(1)).first()
