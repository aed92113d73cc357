from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class BankAccountIn(BaseModel):
    bank_name: str = Field(min_length=1, max_length=128)
    account_number: str = Field(pattern=r"^[0-9 ]{8,34}$")
    holder_name: str = Field(min_length=1, max_length=128)


class BankAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    bank_name: str
    account_number: str
    holder_name: str
    verified: bool


class CustomerIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    name_en: str | None = Field(default=None, max_length=128)
    gender: str | None = Field(default=None, pattern="^(female|male|other)$")
    birth_date: date | None = None
    id_type: str = Field(default="resident_id", pattern="^(resident_id|passport|other)$")
    id_number: str = Field(min_length=4, max_length=64)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{6,20}$")
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=512)
    preferred_locale: str = Field(default="zh-CN", pattern="^(zh-CN|en)$")
    bank_accounts: list[BankAccountIn] = Field(default_factory=list)


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    name_en: str | None
    gender: str | None
    birth_date: date | None
    id_type: str
    id_number: str
    phone: str | None
    email: str | None
    address: str | None
    preferred_locale: str
    created_at: datetime
    bank_accounts: list[BankAccountOut]
