from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claimdesk.core.db import Base, Money, UTCDateTime
from claimdesk.customers.models import Customer


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    line: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    exclusions: Mapped[list[str]] = mapped_column(JSON, default=list)

    coverages: Mapped[list[Coverage]] = relationship(
        back_populates="product", order_by="Coverage.id", cascade="all, delete-orphan"
    )

    def coverage(self, code: str) -> Coverage | None:
        return next((c for c in self.coverages if c.code == code), None)


class Coverage(Base):
    __tablename__ = "coverages"
    __table_args__ = (UniqueConstraint("product_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    deductible: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    deductible_basis: Mapped[str] = mapped_column(String(16), default="per_claim")
    copay_ratio: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("0"))
    per_item_limit: Mapped[Decimal | None] = mapped_column(Money)
    annual_limit: Mapped[Decimal | None] = mapped_column(Money)
    waiting_period_days: Mapped[int] = mapped_column(Integer, default=0)
    exclusions: Mapped[list[str]] = mapped_column(JSON, default=list)

    product: Mapped[Product] = relationship(back_populates="coverages")


class Policy(Base):
    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    sum_insured: Mapped[Decimal] = mapped_column(Money)
    premium: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[str] = mapped_column(String(16), default="active")
    insured_object: Mapped[dict[str, str | int | bool]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship()
    holder: Mapped[Customer] = relationship()
    insured: Mapped[list[InsuredPerson]] = relationship(
        back_populates="policy", order_by="InsuredPerson.id", cascade="all, delete-orphan"
    )

    def covers_person(self, customer_id: int) -> bool:
        return self.holder_id == customer_id or any(
            person.customer_id == customer_id for person in self.insured
        )

    def in_force_on(self, day: date) -> bool:
        return self.status == "active" and self.start_date <= day <= self.end_date


class InsuredPerson(Base):
    __tablename__ = "insured_persons"
    __table_args__ = (UniqueConstraint("policy_id", "customer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    relationship_to_holder: Mapped[str] = mapped_column(String(32), default="self")

    policy: Mapped[Policy] = relationship(back_populates="insured")
    customer: Mapped[Customer] = relationship()
