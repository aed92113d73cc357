from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from claimdesk.claims.schemas import StatutoryKpiOut

Breakdown = Literal["product", "channel", "handler", "month", "week", "day"]
ExportFormat = Literal["csv", "parquet"]


class KpiValues(BaseModel):
    """One set of KPI values; docs/kpis.md defines each exactly. None: nothing to measure."""

    claims_reported: int = Field(description="Claims reported in the period.")
    claims_closed: int = Field(description="Of those, claims closed by now.")
    cycle_time_mean_days: float | None = Field(description="Working days, report to close.")
    cycle_time_median_days: float | None
    cycle_time_p90_days: float | None
    straight_through_rate: float | None = Field(
        description="Share of reported claims paid with no person assessing or approving."
    )
    documents_incomplete_rate: float | None = Field(
        description="Share of reported claims that were ever asked for more documents."
    )
    sla_clocks_ended: int = Field(description="SLA clocks started in the period, met or breached.")
    sla_compliance: float | None = Field(description="Met ÷ (met + breached).")
    complaints: int
    complaint_rate_per_1000_claims: float | None
    complaint_resolution_mean_days: float | None = Field(
        description="Working days from complaint to resolution, resolved complaints."
    )
    csat_responses: int
    csat_mean: float | None = Field(description="Mean score, 1-5.")
    csat_satisfied_rate: float | None = Field(description="Share of scores 4 or 5.")
    paid_amount: Decimal = Field(description="Paid so far on claims reported in the period.")
    siu_referrals_decided: int
    fraud_referral_hit_rate: float | None = Field(
        description="Of claims referred to SIU and decided, the share denied."
    )
    claims_with_waiver: int = Field(
        default=0, description="Claims approved or paid with required documents waived."
    )
    waived_claims_rate: float | None = Field(
        default=None,
        description="Of claims approved (decided, not denied), the share with documents waived.",
    )


class LossRatioRow(BaseModel):
    product: str
    paid_amount: Decimal
    earned_premium: Decimal
    loss_ratio: float | None


class KpiReport(BaseModel):
    period_from: date
    period_to: date
    product: str | None
    channel: str | None
    handler: int | None
    source: str = Field(description="'live' (operational database) or 'snapshot <time>'.")
    totals: KpiValues
    loss_ratio_by_product: list[LossRatioRow] = Field(
        description="Empty when a channel or handler filter is set: premium has neither."
    )
    statutory_clocks: list[StatutoryKpiOut] = Field(
        default_factory=list,
        description="Statutory clocks (arts. 23-25) started in the period, per rule: met on "
        "time ÷ ended, read live (a cheap count) even when the rest is from a snapshot; "
        "empty with a product, channel or handler filter.",
    )


class KpiRow(KpiValues):
    group: str | None = Field(description="The value of the breakdown (e.g. '2026-06', 'web').")


class KpiBreakdown(BaseModel):
    period_from: date
    period_to: date
    by: Breakdown
    rows: list[KpiRow]


# ---------------------------------------------------------------- case reserves


class ReserveMonth(BaseModel):
    """Reserve development: the figures at one month's end (docs/kpis.md)."""

    month: str = Field(description="Local month, 'YYYY-MM'.")
    at: datetime = Field(description="The instant the figures are taken (month end or now).")
    reserve_amount: Decimal = Field(description="Outstanding case reserves then.")
    paid_amount: Decimal = Field(description="Paid by then.")
    incurred_amount: Decimal = Field(description="Paid + outstanding reserves.")
    claims_with_reserve: int = Field(description="Claims with a reserve above 0 then.")


class ReserveFlagCounts(BaseModel):
    incurred_over_initial: int = Field(
        description="Claims whose incurred exceeds the ratio of their initial reserve."
    )
    reserve_over_remaining_sum_insured: int = Field(
        description="Claims whose reserve exceeds the share of the remaining sum insured."
    )
    reserve_unchanged: int = Field(
        description="Open claims whose reserve was not set or changed for the set days."
    )


class FlaggedClaim(BaseModel):
    claim_id: int
    claim_number: str
    status: str
    reserve_amount: Decimal
    paid_amount: Decimal
    incurred_amount: Decimal
    initial_reserve_amount: Decimal | None
    remaining_sum_insured: Decimal
    reserve_changed_at: datetime | None
    flags: list[str]


class ReserveReport(BaseModel):
    """Case reserve KPIs: development by month over the period, adequacy flags as of now."""

    period_from: date
    period_to: date
    product: str | None
    incurred_over_initial_ratio: Decimal
    reserve_over_remaining_ratio: Decimal
    unchanged_days: int
    months: list[ReserveMonth]
    flag_counts: ReserveFlagCounts
    flagged_claims: list[FlaggedClaim] = Field(description="Newest first, at most 200.")
