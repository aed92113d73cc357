from enum import StrEnum


class ProductLine(StrEnum):
    MEDICAL = "medical"
    MOTOR = "motor"
    ACCIDENT = "accident"


class PolicyStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class DeductibleBasis(StrEnum):
    PER_CLAIM = "per_claim"
    ANNUAL = "annual"
