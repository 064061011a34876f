"""The API's data shapes, written once as JSON Schema.

:data:`COMPONENTS` holds every request and response schema. The OpenAPI document
(:mod:`app.api.openapi`) publishes them as they are, :mod:`app.api.validation` checks request bodies
and query parameters against the *same* dicts, and :mod:`app.api.serializers` writes exactly the
response schemas, so the document, the checks and the answers cannot drift.
"""

from __future__ import annotations

from app.core.enums import (
    DirectiveStatus,
    MeetingKind,
    OrganisationKind,
    Recurrence,
    ReviewState,
    TaskKind,
    TaskStatus,
)
from app.directives.refs import DOC_TYPES

#: Ids are 32-bit on every database; a larger number can only be "not found" or invalid.
MAX_ID = 2_147_483_647
#: Largest indicator figure accepted (the column is NUMERIC(20, 4)).
MAX_FIGURE = 10**15
MAX_PAGE = 200
DEFAULT_PAGE = 50



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
