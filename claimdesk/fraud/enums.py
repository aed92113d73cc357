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
