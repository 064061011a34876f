"""Domain errors raised by services, and the handlers that turn them into pages or JSON.

Services raise these; the web layer and the API render them. Nothing a user sends may produce a 500.
"""

from __future__ import annotations

from flask import Flask, flash, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import BadRequest as BadRequestHTTP
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as NotFoundHTTP

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


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(status: int, code: str, message: str, field: str | None = None, details: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    if details:
        body["error"]["details"] = details
    return jsonify(body), status


def _render_domain_error(error: DomainError):
    from app.extensions import db

    db.session.rollback()
    if wants_json():
        return json_error(error.status_code, error.code, error.message, error.field, error.details)
    if error.status_code in (403, 404):
        return render_template("errors/error.html", status=error.status_code, message=error.message), error.status_code
    flash(error.message, "danger")
    return render_template("errors/error.html", status=error.status_code, message=error.message), error.status_code


def _render_http_error(error: HTTPException):
    if wants_json():
        return json_error(error.code or 500, _http_code_name(error), _http_message(error))
    return render_template("errors/error.html", status=error.code, message=_http_message(error)), error.code


def _http_code_name(error: HTTPException) -> str:
    return code_for(error.code or 500)


def _http_message(error: HTTPException) -> str:
    messages = {
        400: _("Yêu cầu không hợp lệ."),
        401: _("Cần đăng nhập."),
        403: _("Bạn không có quyền thực hiện thao tác này."),
        404: _("Không tìm thấy trang hoặc dữ liệu."),
        405: _("Phương thức không được hỗ trợ."),
        413: _("Tệp tải lên quá lớn."),
        429: _("Quá nhiều yêu cầu, vui lòng thử lại sau."),
    }
    return messages.get(error.code or 500, _("Đã xảy ra lỗi."))


def _render_csrf_error(error: CSRFError):
    if wants_json():
        return json_error(400, "csrf", _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang."))
    # A clear 400 page, never a redirect to the Referer (an attacker's page can set it).
    message = _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang.")
    return render_template("errors/error.html", status=400, message=message), 400


def _render_stale(error: StaleDataError):
    return _render_domain_error(Conflict(_("Dữ liệu đã được người khác thay đổi. Vui lòng tải lại và nhập lại.")))


#: The widest integer every supported database column holds (PostgreSQL ``integer``).
DB_INT_RANGE = range(-(2**31), 2**31)


def _render_unstorable(error: Exception):
    """A value the database cannot hold (an id of 30 digits in the URL, an out-of-range number):
    the request is refused, never a 500. An id out of range names nothing, so it is a 404."""
    from app.extensions import db

    db.session.rollback()
    if any(isinstance(v, int) and v not in DB_INT_RANGE for v in (request.view_args or {}).values()):
        return _render_http_error(NotFoundHTTP())
    return _render_http_error(BadRequestHTTP())


def _render_unexpected(error: Exception):
    from app.extensions import db

    db.session.rollback()
    if isinstance(error, HTTPException):
        return _render_http_error(error)
    from flask import current_app

    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return json_error(500, "server_error", _("Đã xảy ra lỗi hệ thống."))
    return render_template("errors/error.html", status=500, message=_("Đã xảy ra lỗi hệ thống.")), 500


def refuse_unnamed_form_parts() -> None:
    """Refuse a form body with a part that has no field name (a broken multipart header).

    Registered before the CSRF check, which walks the field names and would fail on such a part."""
    from flask import request
    from werkzeug.exceptions import BadRequest

    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "multipart/form-data", "application/x-www-form-urlencoded"):
        if None in request.form or None in request.files:
            raise BadRequest("form part without a field name")  # shown as the localized 400 page


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, _render_domain_error)
    app.register_error_handler(CSRFError, _render_csrf_error)
    app.register_error_handler(StaleDataError, _render_stale)
    app.register_error_handler(DataError, _render_unstorable)
    app.register_error_handler(OverflowError, _render_unstorable)
    app.register_error_handler(HTTPException, _render_http_error)
    app.register_error_handler(Exception, _render_unexpected)
