"""The OpenAPI 3.1 document of API v1, built from one table of operations.

:data:`OPERATIONS` says, for every endpoint, its path, parameters, request body and responses. The
document served at ``/api/v1/openapi.json`` is generated from it (with the schemas of
:mod:`app.api.schemas` and the roles from the permission table), and the views read their query
parameters and bodies through :func:`query_args` and :func:`json_body`, which validate against the
same entries. A test checks that every API route has exactly one entry here and vice versa, and
Schemathesis checks the real responses against the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, request
from flask_babel import gettext as _

from app.api import report_input_schemas, schemas, validation
from app.api.errors import BadRequest
from app.core.boundary import clean_json
from app.core.enums import MeetingKind, OrganisationKind, TaskKind, TaskStatus
from app.core.errors import ValidationFailed
from app.core.permissions import PERMISSIONS
from app.directives.refs import DOC_TYPES

API_VERSION = "1.0.0"
JSON = "application/json"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "query", "path" or "header"
    schema: dict
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Header:
    name: str
    description: str
    schema: dict = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Reply:
    """One documented success response: a JSON component, or other media types (files)."""

    status: int
    description: str
    schema: str | None = None
    media: tuple[str, ...] = ()
    headers: tuple[Header, ...] = ()


@dataclass(frozen=True)
class Operation:
    endpoint: str
    method: str
    path: str
    tag: str
    summary: str
    replies: tuple[Reply, ...]
    description: str = ""
    params: tuple[Param, ...] = ()
    body: str | None = None
    #: Extra error statuses this operation can answer (besides the ones every operation can).
    errors: tuple[int, ...] = ()
    public: bool = False


# --------------------------------------------------------------------------------------------
# Reusable parameters
# --------------------------------------------------------------------------------------------

AFTER = Param("after", "query", schemas.integer(), "Keyset pagination: the `next_after` of the previous page.")
LIMIT = Param("limit", "query", schemas.integer(1, schemas.MAX_PAGE),
              f"Page size (default {schemas.DEFAULT_PAGE}, at most {schemas.MAX_PAGE}).")
AGENCY = Param("agency", "query", schemas.AGENCY_CODE, "Lead agency (cơ quan chủ trì) by organisation code.")
IF_MATCH = Param("If-Match", "header", {"type": "string", "maxLength": 64},
                 "The version the write is based on (the task's `version`, or its ETag).")
ETAG = Header("ETag", "The task's version, quoted; send it back in If-Match.")
LOCATION = Header("Location", "Where the created resource can be read.")


def path_id(name: str, what: str) -> Param:
    return Param(name, "path", schemas.integer(), f"Id of the {what}.", required=True)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "api.openapi", "get", "/openapi.json", "Meta", "This OpenAPI document",
        (Reply(200, "The OpenAPI 3.1 document.", media=(JSON,)),), public=True,
    ),
    Operation(
        "api.list_organisations", "get", "/organisations", "Organisations", "List organisations",
        (Reply(200, "Organisations in report order.", "OrganisationList"),),
        description="The organisation catalog (agencies, committees, communes) with the codes used everywhere "
                    "else in the API.",
        params=(
            Param("kind", "query", schemas.enum_of(OrganisationKind), "Only organisations of this kind."),
            Param("include_inactive", "query", {"type": "boolean"}, "Also merged or dissolved organisations."),
        ),
    ),
    Operation(
        "api.list_meetings", "get", "/meetings", "Meetings", "List meetings",
        (Reply(200, "One page of meetings, newest first.", "MeetingPage"),),
        params=(
            Param("year", "query", schemas.integer(1900, 2999), "Meetings of this year."),
            Param("kind", "query", schemas.enum_of(MeetingKind), "Meetings of this kind."),
            AFTER, LIMIT,
        ),
    ),
    Operation(
        "api.create_meeting", "post", "/meetings", "Meetings", "Record a meeting",
        (Reply(201, "The meeting recorded.", "Meeting", headers=(LOCATION,)),),
        body="MeetingCreate",
    ),
    Operation(
        "api.get_meeting", "get", "/meetings/{meeting_id}", "Meetings", "Read a meeting",
        (Reply(200, "The meeting.", "Meeting"),),
        params=(path_id("meeting_id", "meeting"),),
    ),
    Operation(
        "api.list_directives", "get", "/directives", "Directives", "List directives",
        (Reply(200, "One page of directives, newest first.", "DirectivePage"),),
        description="Agency users see the issued directives that hold one of their tasks.",
        params=(
            Param("year", "query", schemas.integer(1900, 2999), "Issued (or discussed at a meeting) in this year."),
            Param("quarter", "query", schemas.integer(1, 4), "With `year`: in this quarter."),
            Param("doc_type", "query", {"type": "string", "enum": list(DOC_TYPES)}, "Document type code."),
            Param("status", "query", schemas.enum_of(schemas.DirectiveStatus), "Directive status."),
            Param("meeting_id", "query", schemas.integer(), "Directives of this meeting."),
            Param("agency", "query", schemas.AGENCY_CODE, "Directives with a task for this organisation."),
            Param("q", "query", schemas.text(200), "Words of the title or text, or a symbol such as 26-NQ/TW."),
            AFTER, LIMIT,
        ),
    ),
    Operation(
        "api.create_directive", "post", "/directives", "Directives", "Create a directive with its tasks",
        (Reply(201, "The directive with its tasks.", "Directive", headers=(LOCATION,)),),
        description="Creates the directive, its tasks and their content items in one transaction: if any part "
                    "is refused, nothing is saved and the error names the field (e.g. `tasks[2].due_phrase`).",
        body="DirectiveCreate", errors=(409,),
    ),
    Operation(
        "api.get_directive", "get", "/directives/{directive_id}", "Directives", "Read a directive",
        (Reply(200, "The directive with the tasks the caller may see.", "Directive"),),
        params=(path_id("directive_id", "directive"),),
    ),
    Operation(
        "api.list_tasks", "get", "/tasks", "Tasks", "List tasks",
        (Reply(200, "One page of tasks, newest first.", "TaskPage"),),
        description="Agency users see only the tasks their organisation leads, coordinates or has an item of.",
        params=(
            AGENCY,
            Param("status", "query", schemas.enum_of(TaskStatus), "Task status."),
            Param("due_before", "query", schemas.DATE, "Due on or before this day."),
            Param("overdue_as_of", "query", schemas.DATE, "Overdue on this day (past due and not completed)."),
            Param("directive_id", "query", schemas.integer(), "Tasks of this directive."),
            Param("q", "query", schemas.text(200), "Words of the title or description."),
            AFTER, LIMIT,
        ),
    ),
    Operation(
        "api.get_task", "get", "/tasks/{task_id}", "Tasks", "Read a task",
        (Reply(200, "The task.", "Task", headers=(ETAG,)),),
        params=(path_id("task_id", "task"),),
    ),
    Operation(
        "api.update_task", "patch", "/tasks/{task_id}", "Tasks", "Update a task (optimistic concurrency)",
        (Reply(200, "The task after the change.", "Task", headers=(ETAG,)),),
        description="Send the version the change is based on as `If-Match` (or `version` in the body). "
                    "A stale version is refused with 409 `conflict` (details.current_version); none at all "
                    "with 428 `precondition_required`.",
        params=(path_id("task_id", "task"), IF_MATCH), body="TaskUpdate", errors=(409, 428),
    ),
    Operation(
        "api.create_progress_report", "post", "/tasks/{task_id}/progress-reports", "Progress",
        "Report progress on a task",
        (Reply(201, "The report recorded, with the task's new status and version.", "ProgressReport"),),
        description="The lead agency's report sets the task's status; a coordinating agency's is kept as a "
                    "contribution. Proposing completion needs evidence: a file, an indicator figure or an issued "
                    "document cited by number. A version (If-Match or `version`) is checked when given.",
        params=(path_id("task_id", "task"), IF_MATCH), body="ProgressReportCreate", errors=(409,),
    ),
    Operation(
        "api.overdue", "get", "/overdue", "Oversight", "Overdue review",
        (Reply(200, "One page of overdue content units, most late first.", "OverduePage"),),
        description="The office chief's overdue review (rà soát quá hạn): each late content item (nội dung), "
                    "or task without items, counted for its own agency and due date; past due and not completed "
                    "on `as_of`; continuous tasks are never overdue. With the reminders sent, the escalation "
                    "level, the latest report and explanation.",
        params=(
            Param("as_of", "query", schemas.DATE_IN, "The day lateness is counted on (default today, local)."),
            Param("agency", "query", schemas.AGENCY_CODE, "Units of this agency (organisation code)."),
            Param("directive_id", "query", schemas.integer(), "Units of this directive."),
            Param("kind", "query", schemas.enum_of(TaskKind), "Task kind."),
            Param("bucket", "query", {"type": "string", "enum": ["1-7", "8-30", "30+"]}, "Days late."),
            Param("period", "query", schemas.text(7, pattern=r"^\d{4}(-(Q[1-4]|H[12]))?$"),
                  "Due in this period: 2024, 2024-H1 or 2024-Q2."),
            Param("sort", "query", {"type": "string", "enum": ["late", "recent"]},
                  "`late` (default): most days late first; `recent`: least late first."),
            Param("after", "query", schemas.text(40, pattern=r"^\d{4}-\d{2}-\d{2}\.\d{1,9}\.\d{1,9}$"),
                  "Keyset pagination: the `next_after` of the previous page."),
            LIMIT,
        ),
    ),
    Operation(
        "api.quarterly_report", "get", "/reports/quarterly", "Reports", "Quarterly report",
        (Reply(200, "The report as JSON (`format=json`), the Word report (`docx`) or the Excel annex (`xlsx`).",
               "QuarterlyReport", media=(JSON, DOCX, XLSX)),),
        description="The quarterly working-session report built from the data as of the cut-off `as_of` "
                    "(default: the cut-off of the report the office opened for the quarter), with the office's "
                    "narrative when it has one: the same content as the web download and "
                    "`flask report quarterly`.",
        params=(
            Param("quarter", "query", schemas.text(7, pattern=r"^\d{4}-Q[1-4]$"),
                  "The quarter of the working session, e.g. 2024-Q2.", required=True),
            Param("as_of", "query", schemas.DATE_IN, "Cut-off day (ngày chốt số liệu), in the report's year."),
            Param("format", "query", {"type": "string", "enum": ["json", "docx", "xlsx"]}, "Default json."),
        ),
    ),
)

PERIOD = Param("period_code", "path", report_input_schemas.PERIOD_CODE, "Report period, e.g. 2024-Q2.",
               required=True)
REPORT_ETAG = Header("ETag", "The version, quoted; send it back in If-Match.")
INPUT_ETAG = Header("ETag", "The input's version, quoted (\"0\" before the agency has written anything); "
                            "send it back in If-Match.")
REPORT_INPUT_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "api.get_report_narrative", "get", "/reports/{period_code}/narrative", "Report inputs",
        "Read the office's parts of a period's report",
        (Reply(200, "The parts (II.2, III.1, III.2, IV.1, V, recipients) and what the draft still lacks.",
               "ReportNarrative", headers=(REPORT_ETAG,)),),
        description="404 until the office has opened the period's report.",
        params=(PERIOD,), errors=(404,),
    ),
    Operation(
        "api.update_report_narrative", "put", "/reports/{period_code}/narrative", "Report inputs",
        "Write the office's parts (optimistic concurrency)",
        (Reply(200, "The parts after the change.", "ReportNarrative", headers=(REPORT_ETAG,)),),
        description="Parts not sent are kept; null or \"\" clears one. Send the version as `If-Match` (or "
                    "`version`): stale → 409 `conflict`, none → 428 `precondition_required`.",
        params=(PERIOD, IF_MATCH), body="ReportNarrativeUpdate", errors=(404, 409, 428),
    ),
    Operation(
        "api.get_agency_report_input", "get", "/reports/{period_code}/agencies/{code}", "Report inputs",
        "Read an agency's input for a period",
        (Reply(200, "The agency's texts, declared total, computed tally and the tally the report prints.",
               "AgencyReportInput", headers=(INPUT_ETAG,)),),
        description="An agency's staff read and write their own agency only; the office any agency.",
        params=(PERIOD, Param("code", "path", schemas.AGENCY_CODE, "Organisation code.", required=True)),
        errors=(404,),
    ),
    Operation(
        "api.update_agency_report_input", "put", "/reports/{period_code}/agencies/{code}", "Report inputs",
        "Write an agency's input for a period (optimistic concurrency)",
        (Reply(200, "The input after the change.", "AgencyReportInput", headers=(INPUT_ETAG,)),),
        description="Fields not sent are kept. `tally_text` replaces the printed tally sentence; the computed "
                    "one stays in `computed_tally`. Once the input exists, send its version as `If-Match` "
                    "(or `version`).",
        params=(PERIOD, Param("code", "path", schemas.AGENCY_CODE, "Organisation code.", required=True),
                IF_MATCH),
        body="AgencyReportInputUpdate", errors=(404, 409, 428),
    ),
)
OPERATIONS = OPERATIONS + REPORT_INPUT_OPERATIONS

_BY_ENDPOINT = {op.endpoint: op for op in OPERATIONS}


def operation_for(endpoint: str) -> Operation:
    return _BY_ENDPOINT[endpoint]


# --------------------------------------------------------------------------------------------
# Reading requests through the table
# --------------------------------------------------------------------------------------------


def current_operation() -> Operation:
    return operation_for(request.endpoint)


def query_args() -> dict:
    """The current operation's query parameters, converted and validated (422 naming the parameter)."""
    declared = [param for param in current_operation().params if param.where == "query"]
    names = {param.name for param in declared}
    for name in request.args:
        # A misspelt filter ("agnecy=BTG") must not silently widen the answer.
        if name not in names:
            raise ValidationFailed(_("Tham số “%(field)s” không được hỗ trợ.", field=name), field=name or "query")
    values = {}
    for param in declared:
        raw = request.args.get(param.name)
        if raw is None:
            if param.required:
                raise ValidationFailed(_("Thiếu tham số “%(field)s”.", field=param.name), field=param.name)
            continue
        values[param.name] = validation.parse_query_value(raw, param.schema, param.name)
    return values


def json_body() -> dict:
    """The request's JSON object, validated against the operation's body schema."""
    mimetype = request.mimetype
    if mimetype and mimetype != JSON and not mimetype.endswith("+json"):
        raise BadRequest(_("Nội dung yêu cầu phải là JSON (Content-Type: application/json)."))
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest(_("Thiếu nội dung yêu cầu (một đối tượng JSON)."))
    try:
        body = validation.parse_json_body(raw)
    except (ValueError, RecursionError):
        raise BadRequest(_("Nội dung yêu cầu không phải JSON hợp lệ.")) from None
    if not isinstance(body, dict):
        raise BadRequest(_("Nội dung yêu cầu phải là một đối tượng JSON."))
    return validation.validate(clean_json(body), schemas.ref(current_operation().body))


# --------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------

_ERROR_TEXT = {
    400: "The request cannot be read (not a JSON object). Code `bad_request`.",
    401: "No bearer token, or an unknown, replaced or revoked one. Code `unauthorized`.",
    403: "The caller's role may not do this. Code `forbidden`.",
    404: "No such object, or one the caller may not see. Code `not_found`.",
    409: "Someone else changed it first (stale version), or a duplicate. Code `conflict`.",
    413: "The request body is too large. Code `too_large`.",
    422: "A field or query parameter is invalid or unknown; `error.field` names it. Code `validation_failed`.",
    428: "No version given (If-Match header or `version`). Code `precondition_required`.",
}


def _error_statuses(op: Operation) -> list[int]:
    statuses = set(op.errors)
    if not op.public:
        # 422 too: every view refuses query parameters it does not know (a misspelt filter).
        statuses |= {401, 403, 422}
    if any(p.where == "path" for p in op.params):
        statuses.add(404)
    if op.body:
        statuses |= {400, 413}
    return sorted(statuses)


def _parameter(param: Param) -> dict:
    doc = {"name": param.name, "in": param.where, "schema": param.schema, "required": param.required or
           param.where == "path"}
    if param.description:
        doc["description"] = param.description
    return doc


def _reply(reply: Reply) -> dict:
    doc: dict = {"description": reply.description}
    content: dict = {}
    for media in reply.media or (JSON,):
        if media == JSON:
            content[JSON] = {"schema": schemas.ref(reply.schema) if reply.schema else {"type": "object"}}
        else:
            content[media] = {"schema": {"type": "string", "format": "binary"}}
    doc["content"] = content
    if reply.headers:
        doc["headers"] = {h.name: {"description": h.description, "schema": h.schema, "required": True}
                          for h in reply.headers}
    return doc


def _roles(op: Operation) -> list[str] | None:
    view = current_app.view_functions.get(op.endpoint)
    permission = getattr(view, "permission", None)
    if permission is None:
        return None
    return sorted(role.value for role in PERMISSIONS[permission])


def _operation(op: Operation) -> dict:
    doc: dict = {
        "operationId": op.endpoint.removeprefix("api."),
        "tags": [op.tag],
        "summary": op.summary,
        "responses": {str(r.status): _reply(r) for r in op.replies},
    }
    roles = _roles(op)
    description = op.description
    if roles is not None:
        description = (description + "\n\n" if description else "") + "Roles: " + ", ".join(roles) + "."
        doc["x-roles"] = roles
    if description:
        doc["description"] = description
    if op.params:
        doc["parameters"] = [_parameter(p) for p in op.params]
    if op.body:
        doc["requestBody"] = {"required": True, "content": {JSON: {"schema": schemas.ref(op.body)}}}
    for status in _error_statuses(op):
        doc["responses"][str(status)] = {"description": _ERROR_TEXT[status],
                                         "content": {JSON: {"schema": schemas.ref("Error")}}}
    doc["security"] = [] if op.public else [{"bearerAuth": []}]
    return doc


def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Theo dõi thực hiện Thông báo kết luận — API",
            "version": API_VERSION,
            "description": (
                "JSON API for document-management (eOffice) integration. Authenticate with "
                "`Authorization: Bearer TOKEN` (token from `flask users token EMAIL` or the profile page; "
                "a new token replaces the old one). The same roles and organisation scoping as the web apply: "
                "another agency's task answers 404. Errors are `{\"error\": {\"code\", \"message\", "
                "\"field\"?, \"details\"?}}` with a stable code. Dates are `YYYY-MM-DD`; organisations are "
                "named by their code. Text may not contain the character U+0000."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": schemas.COMPONENTS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "Per-user API token."}},
        },
    }
