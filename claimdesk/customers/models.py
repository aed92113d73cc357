from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claimdesk.core.db import Base, UTCDateTime


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(128))
    gender: Mapped[str | None] = mapped_column(String(16))
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_type: Mapped[str] = mapped_column(String(32), default="resident_id")
    # Kept as its own column (wide enough for a ciphertext) so field encryption can slot in.
    id_number: Mapped[str] = mapped_column(String(512))
    phone: Mapped[str | None] = mapped_column(String(512))
    email: Mapped[str | None] = mapped_column(String(256))
    address: Mapped[str | None] = mapped_column(String(512))
    preferred_locale: Mapped[str] = mapped_column(String(8), default="zh-CN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    bank_accounts: Mapped[list[BankAccount]] = relationship(
        back_populates="customer", order_by="BankAccount.id"
    )


class BankAccount(Base):
    """An account claims are paid into. Verified when the holder name matches the customer."""

    __tablename__ = "bank_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    bank_name: Mapped[str] = mapped_column(String(128))
    account_number: Mapped[str] = mapped_column(String(512))
    holder_name: Mapped[str] = mapped_column(String(128))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(back_populates="bank_accounts")

    @property
    def verified(self) -> bool:
        return self.verified_at is not None
