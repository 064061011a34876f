"""The input boundary: every text field of a web form or an API body goes through
:func:`app.core.text.clean_input` before any view reads it.

Text is stored NFC with LF line breaks; a control character other than tab and line break is
refused with a 422 that names the field (a page for the web, the JSON error for the API), so no
agency can store text that breaks the Word or Excel report for everyone.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict

from app.core.errors import ValidationFailed
from app.core.text import ControlCharacters, clean_input

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def _refused(field: str) -> ValidationFailed:
    return ValidationFailed(
        _("Trường “%(field)s” chứa ký tự điều khiển không hợp lệ (chỉ được dùng tab và xuống dòng).", field=field),
        field=field)


def _clean_field(field: str, value: str) -> str:
    try:
        cleaned = clean_input(value)
    except ControlCharacters:
        raise _refused(field) from None
    # A password is compared byte for byte with what was hashed: checked, never rewritten.
    return value if "password" in field else cleaned


def clean_json(value, path: str = ""):
    """Every string of a parsed JSON body through the boundary rule; fields named by their path
    ("result_text", "figures[0].actual").  The API's body parser calls it too."""
    if isinstance(value, str):
        return _clean_field(path or "body", value)
    if isinstance(value, list):
        return [clean_json(item, f"{path}[{n}]") for n, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: clean_json(item, f"{path}.{key}" if path else str(key)) for key, item in value.items()}
    return value


def clean_request_text() -> None:
    """``before_request``: normalise the form or JSON body in place, or refuse it (422)."""
    if request.method not in _BODY_METHODS:
        return
    if request.mimetype in _FORM_TYPES:
        pairs = [(key, _clean_field(key, value)) for key, values in request.form.lists() for value in values]
        request.form = ImmutableMultiDict(pairs)
    elif request.is_json:
        data = request.get_json(silent=True)
        if data is not None:
            cleaned = clean_json(data)
            request._cached_json = (cleaned, cleaned)
