"""JSON errors of the API: ``{"error": {"code", "message", "field"?, "details"?}}`` with stable codes.

Services raise :class:`~app.core.errors.DomainError` subclasses; the blueprint's handlers here turn
them (and HTTP errors raised inside API views) into the JSON body, rolling back the transaction so
a refused request changes nothing. The codes are part of the API contract (listed in the OpenAPI
``Error`` schema): clients branch on ``code``, people read ``message`` (localized).
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.core.error_pages import json_error
from app.core.errors import CODES, DomainError, code_for

#: Every value ``error.code`` can take (documented as an enum).
ERROR_CODES = tuple(CODES.values())


class Unauthorized(DomainError):
    """No bearer token, or one that is unknown, replaced or revoked."""

    status_code = 401
    code = "unauthorized"


class BadRequest(DomainError):
    """The request cannot be read at all (not JSON, not an object)."""

    status_code = 400
    code = "bad_request"


class PreconditionRequired(DomainError):
    """A write that needs the version it was based on (If-Match) came without one."""

    status_code = 428
    code = "precondition_required"



def error_response(status: int, message: str, *, field: str | None = None, details: dict | None = None):
    """The JSON error response for ``status``; 401 also names the authentication scheme."""
    response, status = json_error(status, code_for(status), message, field, details)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    response.headers["Cache-Control"] = "no-store"
    return response, status


def _handle_domain_error(error: DomainError):
    from app.extensions import db

    db.session.rollback()
    # Subclasses may carry a finer code (e.g. "upload_refused"); the API keeps one code per status
    # and passes the finer one on as a detail.
    details = dict(error.details or {})
    if error.code != code_for(error.status_code) and error.code not in ("invalid",):
        details.setdefault("reason", error.code)
    return error_response(error.status_code, error.message, field=error.field, details=details or None)


def _handle_http_error(error: HTTPException):
    from app.extensions import db

    db.session.rollback()
    status = error.code or 500
    messages = {
        400: _("Yêu cầu không hợp lệ."),
        401: _("Cần mã truy cập API (Authorization: Bearer …)."),
        403: _("Bạn không có quyền thực hiện thao tác này."),
        404: _("Không tìm thấy dữ liệu."),
        405: _("Phương thức không được hỗ trợ."),
        413: _("Nội dung gửi lên quá lớn."),
    }
    response, status = error_response(status, messages.get(status, _("Yêu cầu không hợp lệ.")))
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


def register_error_handlers(bp: Blueprint) -> None:
    bp.register_error_handler(DomainError, _handle_domain_error)
    bp.register_error_handler(HTTPException, _handle_http_error)
