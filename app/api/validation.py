"""Request bodies and query parameters checked against the API's JSON Schemas (:mod:`app.api.schemas`).

:func:`validate` is a small JSON Schema checker (the subset used here: type, properties, required,
additionalProperties, enum, string lengths and date format, numeric bounds, array sizes, ``$ref``).
It converts as it checks (dates to ``date``, numbers to ``Decimal``) and stops at the first problem
with :class:`ValidationFailed` naming the field (``tasks[0].lead_agency``). Business rules (a due date
before the meeting, an unknown phrase …) stay in the services.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from app.api.schemas import COMPONENTS, MAX_YEAR, MIN_YEAR
from app.core.errors import ValidationFailed

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
#: U+0000 cannot be stored in PostgreSQL text; lone surrogates cannot be encoded as UTF-8.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


_TYPE_NAMES = {
    "string": "chuỗi ký tự", "integer": "số nguyên", "number": "số", "boolean": "true/false",
    "array": "danh sách", "object": "đối tượng", "null": "null",
}


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _type_of(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Decimal | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def _fail(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, field=field or "body")


def _label(field: str) -> str:
    return field or _("nội dung yêu cầu")


def validate(value, schema: dict, field: str = ""):
    """Check ``value`` against ``schema``; return it converted (dates, Decimals). Raises ValidationFailed."""
    schema = _resolve(schema)
    if "oneOf" in schema:  # only the nullable-$ref form is used
        if value is None and any(_resolve(s).get("type") == "null" for s in schema["oneOf"]):
            return None
        return validate(value, next(s for s in schema["oneOf"] if _resolve(s).get("type") != "null"), field)
    allowed = schema["type"] if isinstance(schema.get("type"), list) else [schema.get("type")]
    kind = _type_of(value)
    if kind == "integer" and "integer" not in allowed and "number" in allowed:
        kind = "number"
    if kind not in allowed:
        names = ", ".join(_TYPE_NAMES.get(t, t) for t in allowed if t != "null")
        raise _fail(_("“%(field)s” phải là %(type)s.", field=_label(field), type=names), field)
    if kind == "null":
        return None
    if "enum" in schema and value not in schema["enum"]:
        shown = ", ".join(str(v) for v in schema["enum"] if v is not None)
        raise _fail(_("“%(field)s” phải là một trong: %(values)s.", field=_label(field), values=shown), field)
    checker = _CHECKERS.get(kind)
    return checker(value, schema, field) if checker else value


def _check_string(value: str, schema: dict, field: str):
    if _UNSTORABLE.search(value):
        raise _fail(_("“%(field)s” chứa ký tự không hợp lệ.", field=_label(field)), field)
    if len(value) < schema.get("minLength", 0) or (schema.get("minLength") and not value.strip()):
        raise _fail(_("“%(field)s” không được để trống.", field=_label(field)), field)
    if len(value) > schema.get("maxLength", 10**9):
        raise _fail(_("“%(field)s” dài quá %(n)d ký tự.", field=_label(field), n=schema["maxLength"]), field)
    if "pattern" in schema and not re.search(schema["pattern"], value):
        raise _fail(_("“%(field)s” không đúng định dạng.", field=_label(field)), field)
    if schema.get("format") == "date":
        return parse_date(value, field)
    return value


def parse_date(value: str, field: str) -> date:
    """A calendar date written YYYY-MM-DD (nothing else, not even the other ISO forms)."""
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise _fail(_("“%(field)s” phải là ngày dạng YYYY-MM-DD.", field=_label(field)), field) from None
    # Dates far outside the tracker's use only ever come from mistakes, and near year 1 or 9999 the
    # period and time-zone arithmetic of the services would leave the calendar.
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise _fail(_("“%(field)s” phải từ năm %(low)d đến năm %(high)d.", field=_label(field), low=MIN_YEAR,
                      high=MAX_YEAR), field)
    return day


def _check_number(value, schema: dict, field: str):
    types = schema["type"] if isinstance(schema.get("type"), list) else [schema.get("type")]
    number = value if isinstance(value, int) and "integer" in types else Decimal(value)
    if isinstance(number, Decimal) and not number.is_finite():
        raise _fail(_("“%(field)s” phải là số.", field=_label(field)), field)
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low is not None and number < low) or (high is not None and number > high):
        raise _fail(_("“%(field)s” phải từ %(low)s đến %(high)s.", field=_label(field), low=low, high=high), field)
    return number


def _check_array(value: list, schema: dict, field: str):
    if len(value) > schema.get("maxItems", 10**9):
        raise _fail(_("“%(field)s” có tối đa %(n)d phần tử.", field=_label(field), n=schema["maxItems"]), field)
    return [validate(item, schema["items"], f"{field}[{index}]") for index, item in enumerate(value)]


def _check_object(value: dict, schema: dict, field: str):
    properties = schema.get("properties", {})
    prefix = f"{field}." if field else ""
    if schema.get("additionalProperties") is False:
        for key in value:
            if key not in properties:
                raise _fail(_("Trường “%(field)s” không được hỗ trợ.", field=f"{prefix}{key}"), f"{prefix}{key}")
    for name in schema.get("required", ()):
        if name not in value:
            raise _fail(_("Thiếu trường bắt buộc “%(field)s”.", field=f"{prefix}{name}"), f"{prefix}{name}")
    return {key: validate(item, properties[key], f"{prefix}{key}") if key in properties else item
            for key, item in value.items()}


_CHECKERS = {
    "string": _check_string,
    "integer": _check_number,
    "number": _check_number,
    "array": _check_array,
    "object": _check_object,
}


def _reject_constant(name: str):
    raise ValueError(name)


def parse_json_body(raw: bytes):
    """The request body as JSON, numbers with a fraction as Decimal (exact); NaN/Infinity refused."""
    return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)


def parse_query_value(raw: str, schema: dict, field: str):
    """A query-string value read as the parameter's schema says, then validated."""
    schema = _resolve(schema)
    if schema.get("type") == "boolean":
        if raw not in ("true", "false"):
            raise _fail(_("“%(field)s” phải là true hoặc false.", field=field), field)
        return raw == "true"
    if schema.get("type") == "integer":
        if not _INTEGER.fullmatch(raw.strip()):
            raise _fail(_("“%(field)s” phải là số nguyên.", field=field), field)
        return validate(int(raw), schema, field)
    return validate(raw, schema, field)


def to_decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        return None
