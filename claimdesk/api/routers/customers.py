from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from claimdesk.api.deps import ActorDep, BlobsDep, NowDep, PurposeDep, SessionDep, SettingsDep
from claimdesk.api.texts import ReaderDep, loyalty_account_said, loyalty_said
from claimdesk.customers import export, loyalty, merge, privacy, profile, service
from claimdesk.customers import segments as segmentation
from claimdesk.customers.schemas import (
    BankAccountIn,
    BankAccountOut,
    Customer360Out,
    CustomerIn,
    CustomerOut,
    LoyaltyEntryOut,
    LoyaltyOut,
    MergeIn,
    MergeOut,
    PrivacyRequestIn,
    RedemptionIn,
    SegmentationOut,
)
from claimdesk.support import service as support
from claimdesk.support.enums import TicketChannel
from claimdesk.support.schemas import TicketOut

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", response_model=CustomerOut, status_code=201)
def create_customer(
    data: CustomerIn, session: SessionDep, actor: ActorDep, now: NowDep, purpose: PurposeDep
) -> CustomerOut:
    customer = service.create_customer(session, data=data, now=now, added_by=actor)
    view = service.customer_view(session, customer, actor=actor, purpose=purpose, now=now)
    session.commit()
    return view


@router.get("/segments", response_model=SegmentationOut | None)
def segments(session: SessionDep, actor: ActorDep) -> SegmentationOut | None:
    """The behaviour segments of the last run (`claimdesk customers segment` recomputes)."""
    return segmentation.describe_latest(session, actor=actor)


@router.get("/{customer_id}", response_model=CustomerOut)
def get_customer(
    customer_id: int, session: SessionDep, actor: ActorDep, now: NowDep, purpose: PurposeDep
) -> CustomerOut:
    """ID number, phone and account numbers are masked unless the role needs them in clear."""
    customer = service.get_customer(session, actor=actor, customer_id=customer_id)
    view = service.customer_view(session, customer, actor=actor, purpose=purpose, now=now)
    session.commit()  # the access log of reads in clear
    return view


@router.get("", response_model=list[CustomerOut])
def search_customers(
    id_number: str, session: SessionDep, actor: ActorDep, now: NowDep, purpose: PurposeDep
) -> list[CustomerOut]:
    """Find customers by ID number (matched through a keyed hash; the column is encrypted)."""
    found = service.find_by_id_number(session, actor=actor, id_number=id_number)
    views = [
        service.customer_view(session, c, actor=actor, purpose=purpose, now=now) for c in found
    ]
    session.commit()
    return views


@router.get("/{customer_id}/360", response_model=Customer360Out)
def customer_360(
    customer_id: int,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    settings: SettingsDep,
    purpose: PurposeDep,
) -> Customer360Out:
    """Profile, policies, claims, tickets, surveys, notifications, loyalty, lifecycle stage
    with its rule, segment and next best service. Customers: their own only."""
    view = profile.customer_360(
        session,
        actor=actor,
        customer_id=customer_id,
        now=now,
        timezone=settings.display_timezone,
        purpose=purpose,
    )
    session.commit()  # the access log of reads in clear
    return view


@router.get("/{customer_id}/loyalty", response_model=LoyaltyOut)
def customer_loyalty(
    customer_id: int, session: SessionDep, actor: ActorDep, reader: ReaderDep
) -> LoyaltyOut:
    """Points balance, tier with its benefits, and the latest movements."""
    account = profile.customer_loyalty(session, actor=actor, customer_id=customer_id)
    return loyalty_account_said(account, reader)


@router.post("/{customer_id}/loyalty/redemptions", response_model=LoyaltyEntryOut, status_code=201)
def redeem(
    customer_id: int,
    data: RedemptionIn,
    session: SessionDep,
    actor: ActorDep,
    now: NowDep,
    reader: ReaderDep,
) -> LoyaltyEntryOut:
    """Spend points on a benefit; the same idempotency key again returns the first
    redemption. Refused (409) when the balance is short."""
    entry = loyalty.spend(
        session,
        actor=actor,
        customer_id=customer_id,
        benefit=data.benefit,
        key=data.idempotency_key,
        now=now,
    )
    session.commit()
    return loyalty_said(LoyaltyEntryOut.model_validate(entry), reader)


@router.post("/{customer_id}/bank-accounts", response_model=BankAccountOut, status_code=201)
def add_bank_account(
    customer_id: int, data: BankAccountIn, session: SessionDep, actor: ActorDep, now: NowDep
) -> BankAccountOut:
    """Add a payee account (customers: their own). It is unverified until a second member
    of staff verifies it or the claim's bank-proof document is read and matches."""
    account = service.new_bank_account(
        session, actor=actor, customer_id=customer_id, data=data, now=now
    )
    session.commit()
    return BankAccountOut.model_validate(account)


@router.post("/{customer_id}/bank-accounts/{account_id}/verify", response_model=BankAccountOut)
def verify_bank_account(
    customer_id: int, account_id: int, session: SessionDep, actor: ActorDep, now: NowDep
) -> BankAccountOut:
    """A second member of staff verifies the account: not the person who added it (403)."""
    account = service.verify_bank_account(
        session, actor=actor, customer_id=customer_id, account_id=account_id, now=now
    )
    session.commit()
    return BankAccountOut.model_validate(account)


@router.post("/{customer_id}/merge", response_model=MergeOut)
def merge_duplicate(
    customer_id: int, data: MergeIn, session: SessionDep, actor: ActorDep, now: NowDep
) -> MergeOut:
    """Merge a duplicate (same person, found later) into this customer: policies, claims,
    tickets and everything else of theirs move here; recorded in the ledger."""
    moved = merge.merge_customers(
        session,
        actor=actor,
        survivor_id=customer_id,
        duplicate_id=data.duplicate_id,
        reason=data.reason,
        now=now,
    )
    session.commit()
    return MergeOut(customer_id=customer_id, duplicate_id=data.duplicate_id, moved=moved)


@router.get(
    "/{customer_id}/export",
    response_model=dict[str, Any],
    responses={200: {"content": {"application/zip": {}}}},
)
def export_data(
    customer_id: int,
    session: SessionDep,
    blobs: BlobsDep,
    actor: ActorDep,
    now: NowDep,
    settings: SettingsDep,
    reason: Annotated[
        str | None,
        Query(max_length=200, description="Staff: the customer's request this answers."),
    ] = None,
    format: Annotated[
        Literal["json", "zip"], Query(description="json, or a zip with the document files.")
    ] = "json",
) -> Any:
    """All the customer's data in clear (PIPL art. 45): profile, policies, claims with
    timelines and documents, tickets, disputes, surveys, notifications, loyalty, consents,
    assistant conversations. The customer their own; staff on the customer's request, with
    ``reason`` (logged as the purpose of the reads in clear)."""
    data = export.export_customer(
        session, actor=actor, customer_id=customer_id, reason=reason, now=now, settings=settings
    )
    session.commit()  # the access log of reads in clear
    if format == "zip":
        return Response(
            content=export.export_zip(data, store=blobs),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="claimdesk-{customer_id}.zip"'},
        )
    return data


@router.post("/{customer_id}/privacy-requests", response_model=TicketOut, status_code=201)
def privacy_request(
    customer_id: int, data: PrivacyRequestIn, session: SessionDep, actor: ActorDep, now: NowDep
) -> TicketOut:
    """Ask to correct or to erase personal data: opens a ticket of kind
    privacy_correction or privacy_erasure for the privacy desk (customers: their own)."""
    ticket = privacy.lodge_request(
        session,
        actor=actor,
        customer_id=customer_id,
        request=data.request,
        details=data.details,
        channel=TicketChannel(data.channel) if data.channel else None,
        now=now,
    )
    session.commit()
    return support.ticket_view(session, ticket, actor=actor, now=now)
