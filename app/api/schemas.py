"""The API's data shapes, written once as JSON Schema, and what reads and writes them.

- :data:`COMPONENTS` holds every request and response schema. The OpenAPI document
  (:mod:`app.api.openapi`) publishes them as they are, and :func:`validate` checks request bodies
  and query parameters against the *same* dicts, so the document and the checks cannot drift.
- :func:`validate` is a small JSON Schema checker (the subset used here: type, properties,
  required, additionalProperties, enum, string lengths and date format, numeric bounds, array
  sizes, ``$ref``). It converts as it checks (dates to ``date``, numbers to ``Decimal``) and stops
  at the first problem with :class:`ValidationFailed` naming the field (``tasks[0].lead_agency``).
  Business rules (a due date before the meeting, an unknown phrase …) stay in the services.
- The ``*_json`` functions serialise models into exactly the response schemas.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from app.core.clock import today_local
from app.core.enums import (
    DirectiveStatus,
    MeetingKind,
    OrganisationKind,
    Recurrence,
    ReviewState,
    TaskKind,
    TaskStatus,
)
from app.core.errors import ValidationFailed
from app.directives.refs import DOC_TYPES
from app.tasks.units import item_due, task_is_overdue

#: Ids are 32-bit on every database; a larger number can only be "not found" or invalid.
MAX_ID = 2_147_483_647
#: Largest indicator figure accepted (the column is NUMERIC(20, 4)).
MAX_FIGURE = 10**15
MAX_PAGE = 200
DEFAULT_PAGE = 50

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
#: U+0000 cannot be stored in PostgreSQL text; lone surrogates cannot be encoded as UTF-8.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


# =============================================================================================
# Schema builders
# =============================================================================================


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """The same schema, also allowing null (OpenAPI 3.1 spelling)."""
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    copy = dict(schema)
    kinds = copy["type"] if isinstance(copy["type"], list) else [copy["type"]]
    copy["type"] = [*kinds, "null"]
    if "enum" in copy:
        copy["enum"] = [*copy["enum"], None]
    return copy


def text(max_length: int, *, min_length: int = 0, description: str | None = None, **extra) -> dict:
    schema = {"type": "string", "maxLength": max_length, **extra}
    if min_length:
        schema["minLength"] = min_length
    if description:
        schema["description"] = description
    return schema


def integer(minimum: int = 1, maximum: int = MAX_ID, description: str | None = None) -> dict:
    schema = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if description:
        schema["description"] = description
    return schema


def enum_of(enum_cls, description: str | None = None, values=None) -> dict:
    schema = {"type": "string", "enum": [m.value for m in (values or enum_cls)]}
    if description:
        schema["description"] = description
    return schema


def obj(properties: dict, required: tuple[str, ...] = (), description: str | None = None) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


def array(items: dict, max_items: int | None = None, description: str | None = None) -> dict:
    schema = {"type": "array", "items": items}
    if max_items is not None:
        schema["maxItems"] = max_items
    if description:
        schema["description"] = description
    return schema


def response_obj(properties: dict, description: str | None = None) -> dict:
    """A response object: every property is always present (null when empty)."""
    return obj(properties, tuple(properties), description)


#: Dates the API takes and gives: YYYY-MM-DD; requests must stay within these years.
MIN_YEAR, MAX_YEAR = 1900, 2999
DATE = {"type": "string", "format": "date"}
DATE_IN = {"type": "string", "format": "date", "description": f"YYYY-MM-DD, from {MIN_YEAR} to {MAX_YEAR}."}
DATETIME = {"type": "string", "format": "date-time"}
ID = integer()
AGENCY_CODE = text(32, min_length=1, description="Organisation code (mã tổ chức), e.g. BTG, VP, X.TANBINH.")


# =============================================================================================
# Components: request and response schemas
# =============================================================================================

ERROR = obj({
    "error": obj({
        "code": {"type": "string", "enum": [
            "bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict",
            "too_large", "validation_failed", "precondition_required", "server_error",
        ], "description": "Stable machine-readable code."},
        "message": {"type": "string", "description": "Localized message for people (Vietnamese by default)."},
        "field": {"type": "string", "description": "The request field at fault (validation errors), "
                                                   "e.g. `title` or `tasks[0].lead_agency`."},
        "details": {"type": "object", "description": "Extra facts, e.g. `current_version` on a conflict."},
    }, ("code", "message")),
}, ("error",))

ORGANISATION_REF = response_obj({
    "id": ID,
    "code": {"type": "string"},
    "name": {"type": "string"},
}, "An organisation named inside another object.")

ORGANISATION = response_obj({
    "id": ID,
    "code": {"type": "string"},
    "name": {"type": "string"},
    "short_name": nullable({"type": "string"}),
    "kind": enum_of(OrganisationKind),
    "parent_id": nullable(ID),
    "display_order": {"type": "integer"},
    "is_active": {"type": "boolean"},
    "valid_from": nullable(DATE),
    "valid_until": nullable(DATE),
}, "Tổ chức, cơ quan.")

DIRECTIVE_REF = response_obj({
    "id": ID,
    "symbol": nullable({"type": "string"}),
    "title": {"type": "string"},
})

ATTACHMENT = response_obj({
    "id": ID,
    "filename": {"type": "string"},
    "content_type": {"type": "string"},
    "size_bytes": {"type": "integer", "minimum": 0},
    "sha256": {"type": "string"},
})

MEETING = response_obj({
    "id": ID,
    "kind": enum_of(MeetingKind),
    "period_label": {"type": "string"},
    "year": {"type": "integer"},
    "quarter": nullable({"type": "integer", "minimum": 1, "maximum": 4}),
    "held_on": DATE,
    "chair": {"type": "string"},
    "participants": array({"type": "string"}),
    "organiser": nullable(ref("OrganisationRef")),
    "notes": {"type": "string"},
    "directives": array(ref("DirectiveRef"), description="The meeting's documents the caller may see."),
    "version": {"type": "integer", "minimum": 1},
    "created_at": DATETIME,
    "updated_at": DATETIME,
}, "Buổi làm việc, hội nghị.")

CONTENT_ITEM = response_obj({
    "id": ID,
    "ordinal": {"type": "integer"},
    "text": {"type": "string"},
    "lead_agency": nullable(ref("OrganisationRef")),
    "due_phrase": nullable({"type": "string"}),
    "due_date": nullable(DATE),
    "effective_due_date": nullable(DATE),
    "status": enum_of(TaskStatus),
    "progress_percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "completed_on": nullable(DATE),
}, "Nội dung: a sub-item of a task, with its own assignee where the notice splits it.")

TASK = response_obj({
    "id": ID,
    "directive": ref("DirectiveRef"),
    "ordinal": {"type": "integer"},
    "title": {"type": "string"},
    "description": {"type": "string"},
    "lead_agency": ref("OrganisationRef"),
    "coordinating_agencies": array(ref("OrganisationRef")),
    "kind": enum_of(TaskKind),
    "recurrence": nullable(enum_of(Recurrence)),
    "parent_task_id": nullable(ID),
    "due_phrase": nullable({"type": "string"}),
    "due_date": nullable(DATE),
    "original_due_date": nullable(DATE),
    "status": enum_of(TaskStatus),
    "status_label": {"type": "string"},
    "progress_percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "completed_on": nullable(DATE),
    "is_overdue": {"type": "boolean", "description": "Past due and not completed, as of today."},
    "is_all_communes": {"type": "boolean"},
    "is_confidential": {"type": "boolean"},
    "items": array(ref("ContentItem")),
    "version": {"type": "integer", "minimum": 1, "description": "Send it back in If-Match when updating."},
    "created_at": DATETIME,
    "updated_at": DATETIME,
}, "Nhiệm vụ: one lead agency (chủ trì), coordinating agencies (phối hợp), a due date.")

_DIRECTIVE_FIELDS = {
    "id": ID,
    "doc_type": {"type": "string"},
    "number": nullable({"type": "string"}),
    "issuer_suffix": nullable({"type": "string"}),
    "symbol": nullable({"type": "string", "description": "Số và ký hiệu, e.g. 198-TB/HU."}),
    "issued_on": nullable(DATE),
    "issuing_body": nullable({"type": "string"}),
    "term_start_year": nullable({"type": "integer"}),
    "title": {"type": "string"},
    "status": enum_of(DirectiveStatus),
    "meeting_id": nullable(ID),
    "parent_directive_id": nullable(ID),
    "issuer": nullable(ref("OrganisationRef")),
    "version": {"type": "integer", "minimum": 1},
    "created_at": DATETIME,
    "updated_at": DATETIME,
}
DIRECTIVE_SUMMARY = response_obj(_DIRECTIVE_FIELDS, "Văn bản chỉ đạo (list entry).")
DIRECTIVE = response_obj({
    **_DIRECTIVE_FIELDS,
    "body": {"type": "string"},
    "attachments": array(ref("Attachment")),
    "tasks": array(ref("Task"), description="The directive's tasks the caller may see, in breakdown order."),
}, "Văn bản chỉ đạo with its tasks.")

PROGRESS_REPORT = response_obj({
    "id": ID,
    "task_id": ID,
    "content_item_id": nullable(ID),
    "organisation": ref("OrganisationRef"),
    "author": response_obj({"id": ID, "name": {"type": "string"}}),
    "is_lead_report": {"type": "boolean", "description": "The lead agency's report sets the task status; "
                                                         "a coordinator's is a contribution."},
    "status": enum_of(TaskStatus),
    "progress_percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "result_text": {"type": "string"},
    "reported_on": DATE,
    "created_at": DATETIME,
    "review_state": nullable(enum_of(ReviewState)),
    "attachments": array(ref("Attachment")),
    "task": response_obj({
        "id": ID,
        "status": enum_of(TaskStatus),
        "progress_percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "version": {"type": "integer", "minimum": 1},
    }, "The task after the report (its new version for the next write)."),
}, "Báo cáo tiến độ.")

OVERDUE_ENTRY = response_obj({
    "task_id": ID,
    "item_id": nullable({**ID, "description": "The content item (nội dung) that is late; null for a task "
                                              "without items."}),
    "agency": ref("OrganisationRef"),
    "title": {"type": "string", "description": "The item's text, or the task's title."},
    "task_title": {"type": "string"},
    "item_ordinal": nullable({"type": "integer"}),
    "directive": ref("DirectiveRef"),
    "due_date": DATE,
    "original_due_date": nullable(DATE),
    "days_late": {"type": "integer", "minimum": 1},
    "bucket": {"type": "string", "enum": ["1-7", "8-30", "30+"], "description": "Ageing bucket (days late)."},
    "status": enum_of(TaskStatus),
    "progress_percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "is_confidential": {"type": "boolean"},
    "last_report": nullable(ref("OverdueLastReport")),
    "reminders_sent": {"type": "integer", "minimum": 0},
    "last_reminder_at": nullable(DATETIME),
    "escalation_level": {"type": "integer", "minimum": 0, "maximum": 3,
                         "description": "0 none, 1 agency head, 2 office chief, 3 standing committee."},
    "explanation": nullable(ref("OverdueExplanation")),
    "pending_extension_id": nullable(ID),
    "pending_review_id": nullable(ID),
}, "One overdue content unit of the overdue review (a task, or one of its items).")

OVERDUE_LAST_REPORT = response_obj({
    "reported_on": DATE,
    "progress_percent": nullable({"type": "integer", "minimum": 0, "maximum": 100}),
    "result_text": nullable({"type": "string"}),
})

OVERDUE_EXPLANATION = response_obj({
    "id": ID,
    "requested_at": nullable(DATETIME),
    "answered_at": nullable(DATETIME),
    "answer": nullable({"type": "string"}),
}, "The latest explanation request (yêu cầu giải trình) on the task.")

_STRINGS = array({"type": "string"})
QUARTERLY_REPORT = response_obj({
    "period": response_obj({"year": {"type": "integer"}, "kind": {"type": "string"}, "index": {"type": "integer"},
                            "label": {"type": "string"}}),
    "as_of": DATE,
    "header": response_obj({name: {"type": "string"} for name in
                            ("parent_line", "unit_line", "number_line", "party_line", "place_date_line")}),
    "title": _STRINGS,
    "body": array(response_obj({
        "style": {"type": "string", "enum": ["heading1", "heading2", "field", "body", "bullet", "subbullet",
                                             "tally"]},
        "parts": array({"type": ["string", "integer"]}, description="Text pieces and footnote numbers."),
    }), description="Every paragraph of sections I to V, numbered as in the document."),
    "recipients": _STRINGS,
    "signature": response_obj({"title": _STRINGS, "name": {"type": "string"}}),
    "footnotes": _STRINGS,
    "figures": response_obj({
        "conclusion": nullable({"type": "object", "description": "Section I: the previous session's conclusion."}),
        "indicators": array({"type": "object"}, description="District key indicators (section II.1)."),
        "tallies": array({"type": "object"}, description="Agencies' indicator tallies (section II.3)."),
    }),
    "annex": array(response_obj({
        "task_id": ID,
        "directive": {"type": "string"},
        "task": {"type": "string"},
        "lead": {"type": "string"},
        "coordinators": {"type": "string"},
        "due": nullable(DATE),
        "original_due": nullable(DATE),
        "status": {"type": "string"},
        "timeliness": {"type": "string"},
        "last_report": {"type": "string"},
    }), description="The Excel annex rows: every task of the year as of the cut-off."),
    "warnings": _STRINGS,
    "errors": array({"type": "string"}, description="Problems that block freezing (tallies that do not add up)."),
}, "The quarterly working-session report (báo cáo làm việc định kỳ) as data.")


def page_of(item_ref: str) -> dict:
    return response_obj({
        "data": array(ref(item_ref)),
        "next_after": nullable({**ID, "description": "Pass as `after` for the next page; null on the last."}),
    })


# --------------------------------------------------------------------------- request bodies

MEETING_CREATE = obj({
    "held_on": {**DATE_IN, "description": "Ngày họp."},
    "kind": enum_of(MeetingKind, "Default `periodic` (làm việc định kỳ)."),
    "period_label": text(64, description="As written, e.g. \"quý I/2024\"; default from the date."),
    "chair": text(200, min_length=1, description="Default \"Thường trực Huyện ủy\"."),
    "participants": array(text(500), 100, "Participant groups, one per entry."),
    "organiser": nullable(AGENCY_CODE),
    "notes": text(20000),
}, ("held_on",), "A meeting (buổi làm việc) to record.")

ITEM_CREATE = obj({
    "text": text(20000, min_length=1),
    "lead_agency": nullable({**AGENCY_CODE, "description": "Assignee when it differs from the task's lead."}),
    "due_date": nullable(DATE_IN),
    "due_phrase": nullable(text(200)),
}, ("text",), "A content item (nội dung) of a new task.")

TASK_CREATE = obj({
    "title": text(1000, min_length=1),
    "description": text(20000),
    "lead_agency": {**AGENCY_CODE, "description": "Cơ quan chủ trì (organisation code)."},
    "coordinating_agencies": array(AGENCY_CODE, 100, "Cơ quan phối hợp (organisation codes)."),
    "due_date": nullable({**DATE_IN, "description": "Wins over the phrase when both are given."}),
    "due_phrase": nullable(text(200, description="Deadline as written, e.g. \"trong quý II/2024\", "
                                                 "resolved against the meeting date.")),
    "kind": enum_of(TaskKind, "Default: follows the due phrase (\"hằng quý\" → recurring, "
                              "\"thường xuyên\" → continuous), else one_off."),
    "recurrence": nullable(enum_of(Recurrence)),
    "all_communes": {"type": "boolean", "description": "One content item per active commune."},
    "is_confidential": {"type": "boolean"},
    "items": array(ref("ContentItemCreate"), 100),
}, ("title", "lead_agency"), "A task (nhiệm vụ) created with its directive.")

DIRECTIVE_CREATE = obj({
    "title": text(1000, min_length=1, description="Trích yếu."),
    "doc_type": {"type": "string", "enum": list(DOC_TYPES), "description": "Default TB (Thông báo)."},
    "number": nullable(text(32, description="Number as printed, e.g. \"198\".")),
    "issuer_suffix": nullable(text(32, description="After the slash, e.g. HU.")),
    "issued_on": nullable(DATE_IN),
    "issuing_body": nullable(text(200)),
    "body": text(200000),
    "status": enum_of(DirectiveStatus, "Default `issued`."),
    "meeting_id": nullable(ID),
    "parent_directive_id": nullable(ID),
    "issuer": nullable(AGENCY_CODE),
    "tasks": array(ref("TaskCreate"), 200, "Created in the same transaction: all or nothing."),
}, ("title",), "A directive (văn bản) with its tasks and content items.")

TASK_UPDATE = obj({
    "title": text(1000, min_length=1),
    "description": text(20000),
    "lead_agency": AGENCY_CODE,
    "due_phrase": nullable(text(200)),
    "due_date": nullable(DATE_IN),
    "kind": enum_of(TaskKind),
    "is_confidential": {"type": "boolean"},
    "version": integer(1, MAX_ID, "The version the change is based on, if not sent as If-Match."),
}, (), "Office edit of a task (fields not sent are kept).")

FIGURE_CREATE = obj({
    "indicator_id": ID,
    "actual": {"type": "number", "minimum": 0, "maximum": MAX_FIGURE, "description": "Count achieved."},
    "base": nullable({"type": "number", "minimum": 0, "maximum": MAX_FIGURE,
                      "description": "What a rate is of (số hộ …), for rate indicators."}),
    "printed_percent": nullable({"type": "number", "minimum": 0, "maximum": 100000,
                                 "description": "The percentage as printed in the agency's own document."}),
}, ("indicator_id", "actual"), "An indicator figure: counts only, percentages are computed.")

EVIDENCE_FILE = obj({
    "filename": text(255, min_length=1, description="With its extension (.pdf, .docx, .xlsx, .png, .jpg)."),
    "content_base64": {"type": "string", "contentEncoding": "base64", "maxLength": 30_000_000},
}, ("filename", "content_base64"), "An evidence file (minh chứng), base64-encoded.")

PROGRESS_REPORT_CREATE = obj({
    "status": enum_of(TaskStatus, "Agencies propose completion (`completion_proposed`); only the office "
                                  "reports `completed`."),
    "progress_percent": integer(0, 100),
    "result_text": text(20000, min_length=1, description="Kết quả thực hiện."),
    "reported_on": {**DATE_IN, "description": "Default today; not in the future."},
    "content_item_id": nullable(ID),
    "figures": array(ref("FigureCreate"), 100),
    "evidence": array(ref("EvidenceFile"), 10),
    "version": integer(1, MAX_ID, "Task version the report is based on (or If-Match); checked when given."),
}, ("status", "result_text"), "A progress report (báo cáo tiến độ).")

COMPONENTS: dict[str, dict] = {
    "Error": ERROR,
    "OrganisationRef": ORGANISATION_REF,
    "Organisation": ORGANISATION,
    "DirectiveRef": DIRECTIVE_REF,
    "Attachment": ATTACHMENT,
    "Meeting": MEETING,
    "ContentItem": CONTENT_ITEM,
    "Task": TASK,
    "DirectiveSummary": DIRECTIVE_SUMMARY,
    "Directive": DIRECTIVE,
    "ProgressReport": PROGRESS_REPORT,
    "OverdueEntry": OVERDUE_ENTRY,
    "OverdueLastReport": OVERDUE_LAST_REPORT,
    "OverdueExplanation": OVERDUE_EXPLANATION,
    "QuarterlyReport": QUARTERLY_REPORT,
    "OrganisationList": response_obj({"data": array(ref("Organisation"))}),
    "MeetingPage": page_of("Meeting"),
    "DirectivePage": page_of("DirectiveSummary"),
    "TaskPage": page_of("Task"),
    "OverduePage": response_obj({
        "as_of": DATE,
        "total": {"type": "integer", "minimum": 0, "description": "Overdue units matching the filters."},
        "data": array(ref("OverdueEntry")),
        "next_after": nullable({"type": "string", "description": "Pass as `after` for the next page."}),
    }),
    "MeetingCreate": MEETING_CREATE,
    "ContentItemCreate": ITEM_CREATE,
    "TaskCreate": TASK_CREATE,
    "DirectiveCreate": DIRECTIVE_CREATE,
    "TaskUpdate": TASK_UPDATE,
    "FigureCreate": FIGURE_CREATE,
    "EvidenceFile": EVIDENCE_FILE,
    "ProgressReportCreate": PROGRESS_REPORT_CREATE,
}


# =============================================================================================
# Validation
# =============================================================================================

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


# =============================================================================================
# Serialisation (exactly the response schemas above)
# =============================================================================================


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _datetime(value: datetime | None) -> str | None:
    """RFC 3339 with the offset; the database keeps UTC (a bare value read by raw SQL is UTC too)."""
    if value is None:
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


def organisation_ref(org) -> dict | None:
    if org is None:
        return None
    return {"id": org.id, "code": org.code, "name": org.name}


def organisation_json(org) -> dict:
    return {
        "id": org.id, "code": org.code, "name": org.name, "short_name": org.short_name,
        "kind": org.kind.value, "parent_id": org.parent_id, "display_order": org.display_order,
        "is_active": bool(org.is_active), "valid_from": _date(org.valid_from), "valid_until": _date(org.valid_until),
    }


def directive_ref(directive) -> dict:
    return {"id": directive.id, "symbol": directive.symbol, "title": directive.title}


def attachment_json(attachment) -> dict:
    return {"id": attachment.id, "filename": attachment.filename, "content_type": attachment.content_type,
            "size_bytes": attachment.size_bytes, "sha256": attachment.sha256}


def meeting_json(meeting, visible_directives) -> dict:
    return {
        "id": meeting.id, "kind": meeting.kind.value, "period_label": meeting.period_label, "year": meeting.year,
        "quarter": meeting.quarter, "held_on": _date(meeting.held_on), "chair": meeting.chair,
        "participants": meeting.participant_list, "organiser": organisation_ref(meeting.organiser),
        "notes": meeting.notes or "", "directives": [directive_ref(d) for d in visible_directives],
        "version": meeting.version_id, "created_at": _datetime(meeting.created_at),
        "updated_at": _datetime(meeting.updated_at),
    }


def content_item_json(item) -> dict:
    return {
        "id": item.id, "ordinal": item.ordinal, "text": item.text, "lead_agency": organisation_ref(item.lead_org),
        "due_phrase": item.due_phrase, "due_date": _date(item.due_date),
        "effective_due_date": _date(item_due(item)), "status": item.status.value,
        "progress_percent": item.progress_percent, "completed_on": _date(item.completed_on),
    }


def task_json(task, today: date | None = None) -> dict:
    today = today or today_local()
    return {
        "id": task.id, "directive": directive_ref(task.directive), "ordinal": task.ordinal, "title": task.title,
        "description": task.description or "", "lead_agency": organisation_ref(task.lead_org),
        "coordinating_agencies": [organisation_ref(o) for o in task.coordinators],
        "kind": task.kind.value, "recurrence": task.recurrence.value if task.recurrence else None,
        "parent_task_id": task.parent_task_id, "due_phrase": task.due_phrase, "due_date": _date(task.due_date),
        "original_due_date": _date(task.original_due_date), "status": task.status.value,
        "status_label": task.status.label, "progress_percent": task.progress_percent,
        "completed_on": _date(task.completed_on), "is_overdue": task_is_overdue(task, today),
        "is_all_communes": bool(task.is_all_communes), "is_confidential": bool(task.is_confidential),
        "items": [content_item_json(item) for item in task.items], "version": task.version_id,
        "created_at": _datetime(task.created_at), "updated_at": _datetime(task.updated_at),
    }


def _directive_fields(directive) -> dict:
    return {
        "id": directive.id, "doc_type": directive.doc_type, "number": directive.number,
        "issuer_suffix": directive.issuer_suffix, "symbol": directive.symbol, "issued_on": _date(directive.issued_on),
        "issuing_body": directive.issuing_body, "term_start_year": directive.term_start_year,
        "title": directive.title, "status": directive.status.value, "meeting_id": directive.meeting_id,
        "parent_directive_id": directive.parent_directive_id, "issuer": organisation_ref(directive.issuer),
        "version": directive.version_id, "created_at": _datetime(directive.created_at),
        "updated_at": _datetime(directive.updated_at),
    }


def directive_summary_json(directive) -> dict:
    return _directive_fields(directive)


def directive_json(directive, tasks) -> dict:
    today = today_local()
    return {
        **_directive_fields(directive), "body": directive.body or "",
        "attachments": [attachment_json(a) for a in directive.attachments],
        "tasks": [task_json(task, today) for task in tasks],
    }


def overdue_entry_json(row, org_refs: dict[int, dict]) -> dict:
    """An :class:`app.oversight.overdue_pages.OverdueRow` as the OverdueEntry schema."""
    return {
        "task_id": row.task_id, "item_id": row.item_id, "agency": org_refs[row.organisation_id],
        "title": row.title, "task_title": row.task_title, "item_ordinal": row.item_ordinal,
        "directive": {"id": row.directive_id, "symbol": row.directive_symbol, "title": row.directive_title},
        "due_date": _date(row.due), "original_due_date": _date(row.original_due), "days_late": row.days_late,
        "bucket": row.bucket, "status": row.status.value, "progress_percent": row.progress_percent,
        "is_confidential": bool(row.is_confidential),
        "last_report": None if row.last_report_on is None else {
            "reported_on": _date(row.last_report_on), "progress_percent": row.last_report_percent,
            "result_text": row.last_report_text,
        },
        "reminders_sent": row.reminders_sent, "last_reminder_at": _datetime(row.last_reminder_at),
        "escalation_level": row.escalation_level,
        "explanation": None if row.explanation_id is None else {
            "id": row.explanation_id, "requested_at": _datetime(row.explanation_requested_at),
            "answered_at": _datetime(row.explanation_answered_at), "answer": row.explanation_answer,
        },
        "pending_extension_id": row.pending_extension_id, "pending_review_id": row.pending_review_id,
    }


def quarterly_report_json(built) -> dict:
    """The built report as stored with a frozen version, plus the problems that block freezing."""
    return {**built.to_json(), "errors": list(built.errors)}


def progress_report_json(report) -> dict:
    task = report.task
    return {
        "id": report.id, "task_id": report.task_id, "content_item_id": report.content_item_id,
        "organisation": organisation_ref(report.organisation),
        "author": {"id": report.author.id, "name": report.author.name},
        "is_lead_report": bool(report.is_lead_report), "status": report.status.value,
        "progress_percent": report.progress_percent, "result_text": report.result_text,
        "reported_on": _date(report.reported_on), "created_at": _datetime(report.created_at),
        "review_state": report.review_state.value if report.review_state else None,
        "attachments": [attachment_json(a) for a in report.attachments],
        "task": {"id": task.id, "status": task.status.value, "progress_percent": task.progress_percent,
                 "version": task.version_id},
    }
