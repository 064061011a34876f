"""Domain errors raised by services. The pages and JSON bodies they become are in
:mod:`app.core.error_pages` (the web layer); services depend only on this module.
"""

from __future__ import annotations

#: HTTP status → the one code the JSON errors use for it.
CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_failed",
    428: "precondition_required",
    500: "server_error",
}


def code_for(status: int) -> str:
    return CODES.get(status, "bad_request" if status < 500 else "server_error")


class DomainError(Exception):
    """A refused operation with a localized message and a stable code for the API."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_failed"


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """Someone else saved first (optimistic lock): the user must reload and re-apply."""

    status_code = 409
    code = "conflict"
