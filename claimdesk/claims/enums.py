from enum import StrEnum


class ClaimStatus(StrEnum):
    REPORTED = "reported"
    AWAITING_DOCUMENTS = "awaiting_documents"
    UNDER_REVIEW = "under_review"
    INVESTIGATING = "investigating"
    ASSESSED = "assessed"
    COVERAGE_VERIFIED = "coverage_verified"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    DENIED = "denied"
    PAID = "paid"
    CLOSED = "closed"
    ARCHIVED = "archived"
    WITHDRAWN = "withdrawn"
    REOPENED = "reopened"


class ClaimAction(StrEnum):
    REQUEST_DOCUMENTS = "request_documents"
    SUBMIT_DOCUMENTS = "submit_documents"
    START_REVIEW = "start_review"
    START_INVESTIGATION = "start_investigation"
    REFER_TO_SIU = "refer_to_siu"
    ASSESS = "assess"
    VERIFY_COVERAGE = "verify_coverage"
    APPROVE = "approve"
    DENY = "deny"
    PAY = "pay"
    CLOSE = "close"
    ARCHIVE = "archive"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"
    APPROVE_AWARD = "approve_award"  # a dispute's award, approved exactly as awarded


class Channel(StrEnum):
    WEB = "web"
    APP = "app"
    API = "api"
    COUNTER = "counter"
    PHONE = "phone"


SELF_SERVICE_CHANNELS = frozenset({Channel.WEB, Channel.APP, Channel.API})
