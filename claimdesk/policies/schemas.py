from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CoverageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str
    deductible: Decimal
    deductible_basis: str
    copay_ratio: Decimal
    per_item_limit: Decimal | None
    annual_limit: Decimal | None
    waiting_period_days: int
    exclusions: list[str]


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    line: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    exclusions: list[str]
    coverages: list[CoverageOut]


class PartyOut(BaseModel):
    customer_id: int
    name: str
    relationship_to_holder: str = "self"


class PolicyOut(BaseModel):
    id: int
    number: str
    product: ProductOut
    holder: PartyOut
    insured: list[PartyOut]
    start_date: date
    end_date: date
    status: str
    currency: str
    sum_insured: Decimal
    premium: Decimal
    paid_to_date: Decimal
    approved_to_date: Decimal = Field(description="Approved on claims so far, paid or not.")
    remaining_sum_insured: Decimal
    insured_object: dict[str, str | int | bool]


class InsuredIn(BaseModel):
    customer_id: int
    relationship_to_holder: str = Field(
        default="self", pattern="^(self|spouse|child|parent|employee|other)$"
    )


class PolicyIn(BaseModel):
    product_code: str
    holder_id: int
    insured: list[InsuredIn] = Field(default_factory=list)
    start_date: date
    end_date: date
    sum_insured: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    premium: Decimal = Field(default=Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")
    insured_object: dict[str, str | int | bool] = Field(
        default_factory=dict,
        description="The insured object, per the product's attribute schema (e.g. motor: "
        "make, vehicle_category, vehicle_price, vehicle_age, driver_rating); invalid -> 422.",
    )

    @model_validator(mode="after")
    def _period_is_ordered(self) -> PolicyIn:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self
