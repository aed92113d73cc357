from enum import StrEnum


class EntryStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class EntryKind(StrEnum):
    FAQ = "faq"
    ARTICLE = "article"


class Intent(StrEnum):
    """What a message asks for; the knowledge base answers ``question``."""

    QUESTION = "question"
    CLAIM_STATUS = "claim_status"
    MISSING_DOCUMENTS = "missing_documents"
    POLICY_COVER = "policy_cover"
    COVER_CHECK = "cover_check"
    EXCLUSIONS = "exclusions"
    REMAINING = "remaining"
    DEDUCTIBLE = "deductible"
    PAYMENT_TIMING = "payment_timing"
    REPORT_CLAIM = "report_claim"
    COMPLAINT = "complaint"
    HANDOFF = "handoff"
    CANCEL = "cancel"
    CLARIFY = "clarify"
    NOT_FOUND = "not_found"
