from enum import StrEnum


class Grade(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def zh(self) -> str:
        return {"low": "低", "medium": "中", "high": "高", "critical": "极高"}[self.value]


class Route(StrEnum):
    STRAIGHT_THROUGH = "straight_through"
    REVIEW = "review"
    INVESTIGATION = "investigation"
    SIU = "siu"


class InvestigationOutcome(StrEnum):
    """How an SIU or field investigation ended: the training label of a claim."""

    FRAUD_CONFIRMED = "fraud_confirmed"
    CLEARED = "cleared"
    INCONCLUSIVE = "inconclusive"

    @property
    def zh(self) -> str:
        return {"fraud_confirmed": "确认欺诈", "cleared": "排除嫌疑", "inconclusive": "无定论"}[
            self.value
        ]
