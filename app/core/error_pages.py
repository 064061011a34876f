"""The handlers that turn domain and HTTP errors into localized pages or JSON bodies.

Services raise :mod:`app.core.errors`; the web layer and the API render them here. Nothing a user sends
may produce a 500.
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

from app.core.errors import Conflict, DomainError, code_for
from app.extensions import db


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
    db.session.rollback()
    if any(isinstance(v, int) and v not in DB_INT_RANGE for v in (request.view_args or {}).values()):
        return _render_http_error(NotFoundHTTP())
    return _render_http_error(BadRequestHTTP())


def _render_unexpected(error: Exception):
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
