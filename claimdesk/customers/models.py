from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from claimdesk.core.db import Base, UTCDateTime
from claimdesk.security.crypto import EncryptedString, search_hash


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(128))
    gender: Mapped[str | None] = mapped_column(String(16))
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_type: Mapped[str] = mapped_column(String(32), default="resident_id")
    # Sensitive: stored encrypted; found through the keyed hash beside it.
    id_number: Mapped[str] = mapped_column(EncryptedString(512, context="customers.id_number"))
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedString(512, context="customers.phone"))
    email: Mapped[str | None] = mapped_column(String(256))
    address: Mapped[str | None] = mapped_column(String(512))
    preferred_locale: Mapped[str] = mapped_column(String(8), default="zh-CN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A duplicate found later and merged into another record (its records moved there).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    # Pseudonymised when the retention period ended (customers/retention.py).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    bank_accounts: Mapped[list[BankAccount]] = relationship(
        back_populates="customer", order_by="BankAccount.id"
    )

    @validates("id_number")
    def _hash_id_number(self, _key: str, value: str) -> str:
        self.id_number_hash = search_hash(value, purpose="customers.id_number")
        return value


class BankAccount(Base):
    """An account claims are paid into. Verified by a second member of staff (not the one
    who added it) or by the read bank-proof document of a claim; a matching holder name
    alone verifies nothing."""

    __tablename__ = "bank_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    bank_name: Mapped[str] = mapped_column(String(128))
    account_number: Mapped[str] = mapped_column(
        EncryptedString(512, context="bank_accounts.account_number")
    )
    account_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    holder_name: Mapped[str] = mapped_column(String(128))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verification: Mapped[str | None] = mapped_column(String(16))  # second_person, bank_proof
    # The read bank-proof document (no foreign key: documents already depend on claims,
    # which depend on bank accounts).
    verification_document_id: Mapped[int | None] = mapped_column(Integer)

    customer: Mapped[Customer] = relationship(back_populates="bank_accounts")

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @validates("account_number")
    def _hash_account_number(self, _key: str, value: str) -> str:
        self.account_number_hash = search_hash(value, purpose="bank_accounts.account_number")
        return value


class LoyaltyAccount(Base):
    """A customer's points: the balance (never negative, also by CHECK) and the points
    ever earned, which set the tier (spending does not demote)."""

    __tablename__ = "loyalty_accounts"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("earned_total >= 0", name="earned_not_negative"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    earned_total: Mapped[int] = mapped_column(Integer, default=0)
    tier: Mapped[str] = mapped_column(String(16), default="standard")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoyaltyEntry(Base):
    """One movement of points; ``key`` makes earning idempotent (one entry per event)."""

    __tablename__ = "loyalty_entries"
    __table_args__ = (
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        CheckConstraint("points <> 0", name="points_not_zero"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # earn, spend
    reason: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CustomerSegment(Base):
    """The behaviour segment a customer was put in by the last segmentation run."""

    __tablename__ = "customer_segments"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    segment: Mapped[str] = mapped_column(String(48))
    run_id: Mapped[int] = mapped_column(ForeignKey("segmentation_runs.id"), index=True)
    features: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)


class SegmentationRun(Base):
    """One clustering of all customers: the segments found, named and explained."""

    __tablename__ = "segmentation_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    customers: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(64))
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
