from enum import StrEnum


class TicketChannel(StrEnum):
    WEB = "web"
    APP = "app"
    API = "api"
    PHONE = "phone"
    COUNTER = "counter"
    ASSISTANT = "assistant"
    EMAIL = "email"


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class TicketAction(StrEnum):
    START = "start"
    WAIT_ON_CUSTOMER = "wait_on_customer"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class AssignmentRule(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_LOAD = "least_load"


class SlaMetric(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    ACKNOWLEDGEMENT = "acknowledgement"


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    CANCELLED = "cancelled"


# Ticket kinds the code relies on; others come from sla.toml.
CONSULTATION = "consultation"
CLAIM_INQUIRY = "claim_inquiry"
CLAIM_APPLICATION = "claim_application"
COMPLAINT = "complaint"
FOLLOW_UP = "follow_up"
