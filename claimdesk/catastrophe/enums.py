from enum import StrEnum


class Peril(StrEnum):
    TYPHOON = "typhoon"
    HAIL = "hail"
    FLOOD = "flood"
    EARTHQUAKE = "earthquake"
    FIRE = "fire"
    OTHER = "other"


class EventStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Outcome(StrEnum):
    """What bulk intake did with one row."""

    CREATED = "created"
    ALREADY_PRESENT = "already_present"
    REJECTED = "rejected"
