"""Typed domain errors; the API maps each kind to a status code and the error shape."""

from __future__ import annotations

from typing import Any


class ClaimDeskError(Exception):
    """Base of every error a user can meet. ``code`` is stable; ``message`` says what to do."""

    code = "error"

    def __init__(self, message: str, *, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(ClaimDeskError):
    code = "not_found"


class ValidationFailed(ClaimDeskError):
    code = "validation_failed"


class TooLarge(ValidationFailed):
    code = "too_large"


class UnsupportedMediaType(ValidationFailed):
    code = "unsupported_media_type"


class Conflict(ClaimDeskError):
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class EvidenceMissing(Conflict):
    """Money would move without the claim's required documents read (or waived)."""

    code = "evidence_missing"


class StaleVersion(Conflict):
    code = "stale_version"


class AuthenticationFailed(ClaimDeskError):
    code = "authentication_failed"


class PermissionDenied(ClaimDeskError):
    code = "permission_denied"


class AccountLocked(AuthenticationFailed):
    code = "account_locked"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(ClaimDeskError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


DATABASE_RETRY_AFTER_SECONDS = 5  # what a 503 tells the client to wait before trying again


class DatabaseBusy(ClaimDeskError):
    """The change did not get its turn at the database in time; nothing was changed."""

    code = "database_busy"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FieldInvestigationOpen(Conflict):
    """A claim routed to field investigation is approved before the investigation is done."""

    code = "field_investigation_open"
