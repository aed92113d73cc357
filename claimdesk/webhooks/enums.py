from enum import StrEnum


class WebhookEvent(StrEnum):
    CLAIM_REPORTED = "claim.reported"
    CLAIM_STATUS_CHANGED = "claim.status_changed"
    CLAIM_PAID = "claim.paid"
    DOCUMENT_READ = "document.read"
    TICKET_CREATED = "ticket.created"
    TICKET_UPDATED = "ticket.updated"
    SLA_BREACHED = "sla.breached"


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"  # will be tried again
    DEAD = "dead"  # attempts used up (replay sends it again)
