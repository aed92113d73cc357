from enum import StrEnum


class MessageChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class Category(StrEnum):
    """Why a message is sent, which decides whether a customer may turn it off.

    Statutory notices (the Insurance Law's acknowledgement, document request, decision and
    payment notices) always go; service messages answer something the reader asked for or
    runs (a ticket reply, a partner's webhook notice); optional ones can be turned off.
    """

    STATUTORY = "statutory"
    SERVICE = "service"
    OPTIONAL = "optional"


class MessageEvent(StrEnum):
    """What a message is about: one template per event and language."""

    CLAIM_REPORTED = "claim_reported"
    DOCUMENTS_REQUESTED = "documents_requested"
    CLAIM_STATUS = "claim_status"
    CLAIM_APPROVED = "claim_approved"
    CLAIM_DENIED = "claim_denied"
    CLAIM_PAID = "claim_paid"
    CLAIM_CLOSED = "claim_closed"
    TICKET_REPLY = "ticket_reply"
    TICKET_RESOLVED = "ticket_resolved"
    DIGEST = "digest"
    WEBHOOK_DISABLED = "webhook_disabled"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    REFUSED = "refused"  # the server or provider refused it for good (e.g. no such mailbox)
    BOUNCED = "bounced"  # accepted, then returned by the recipient's server (a DSN)


class InboundOutcome(StrEnum):
    TICKET_CREATED = "ticket_created"
    TICKET_UPDATED = "ticket_updated"
    UNVERIFIED = "unverified"
    BOUNCE = "bounce"
