"""API v1 views: read the request through the OpenAPI table, call the services, commit once, answer JSON.

No business rule lives here: meetings, directives and tasks go through
:mod:`app.directives` (meetings, notices, breakdown), task edits through :mod:`app.tasks.services`, progress reports
through :mod:`app.progress.reports` — the same functions the web pages call. What is here is
translation: organisation codes to ids, JSON to the services' input objects, models to JSON.
"""

from __future__ import annotations

import base64
import binascii
import io
import re

from flask import Response, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from app.api.auth import api_requires, api_user
from app.api.blueprint import bp
from app.api.errors import PreconditionRequired, register_error_handlers
from app.api.idempotency import idempotent
from app.api.openapi import document, json_body, query_args
from app.api.schemas import DEFAULT_PAGE, MAX_ID
from app.api.serializers import (
    directive_json,
    directive_summary_json,
    meeting_json,
    organisation_json,
    organisation_ref,
    overdue_entry_json,
    progress_report_json,
    quarterly_report_json,
    task_json,
)
from app.core.clock import today_local
from app.core.enums import TaskKind
from app.core.errors import NotFound, ValidationFailed
from app.core.periods import parse_period
from app.core.permissions import can_view_directive
from app.directives import breakdown, meetings, notices
from app.directory.lookups import listed_organisations, organisation_id_with_code, organisations_with_ids
from app.extensions import db
from app.models import Directive, Task
from app.oversight import overdue_pages, overdue_review
from app.progress.evidence import discard_report_files
from app.progress.reports import submit_progress_report
from app.reports.builder import build_period_report
from app.reports.drafts import check_as_of, find_report
from app.tasks import services as task_services

register_error_handlers(bp)


@bp.after_request
def _no_store(response):
    """API answers are per-user data: never cached by a proxy or the browser."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# --------------------------------------------------------------------------------------------
# Small translations shared by the views
# --------------------------------------------------------------------------------------------


def _checked_id(value: int, message: str) -> int:
    """Ids beyond the database's integer range cannot exist (and must not reach the driver)."""
    if not 1 <= value <= MAX_ID:
        raise NotFound(message)
    return value


def organisation_id(code: str | None, field: str) -> int | None:
    """The id of the organisation with this code (None for no code); 422 naming ``field`` if unknown."""
    if code is None:
        return None
    org_id = organisation_id_with_code(code)
    if org_id is None:
        raise ValidationFailed(_("Không có tổ chức mã “%(code)s”.", code=code), field=field)
    return org_id


#: If-Match as the ETag we send ("3", or weak W/"3") or the bare number 3.
_VERSION = re.compile(r'\s*(?:W/)?(?:"(\d{1,10})"|(\d{1,10}))\s*')


def expected_version(body: dict, *, required: bool) -> int | None:
    """The version a write is based on: If-Match header or ``version`` in the body (they must agree)."""
    header = request.headers.get("If-Match")
    from_header = None
    if header is not None:
        match = _VERSION.fullmatch(header)
        if match is None:
            raise ValidationFailed(_("If-Match phải là phiên bản của nhiệm vụ (ví dụ \"3\")."), field="If-Match")
        from_header = int(match.group(1) or match.group(2))
    from_body = body.get("version")
    if from_header is not None and from_body is not None and from_header != from_body:
        raise ValidationFailed(_("If-Match và “version” ghi hai phiên bản khác nhau."), field="version")
    version = from_header if from_header is not None else from_body
    if version is None and required:
        raise PreconditionRequired(_("Cần gửi phiên bản nhiệm vụ (If-Match hoặc “version”) để tránh ghi đè "
                                     "thay đổi của người khác."))
    return version


def _page(rows, next_after, serialise) -> dict:
    return {"data": [serialise(row) for row in rows], "next_after": next_after}


def _created(payload: dict, location: str):
    response = jsonify(payload)
    response.status_code = 201
    response.headers["Location"] = location
    return response


def with_etag(payload: dict, version: int):
    response = jsonify(payload)
    response.headers["ETag"] = f'"{version}"'
    return response


# --------------------------------------------------------------------------------------------
# Document and organisations
# --------------------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document (public: it describes the API, no data)."""
    response = jsonify(document())
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/organisations")
@api_requires("organisation.list")
def list_organisations():
    args = query_args()
    orgs = listed_organisations(include_inactive=bool(args.get("include_inactive")), kind=args.get("kind"))
    return jsonify({"data": [organisation_json(o) for o in orgs]})


# --------------------------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------------------------


def _meeting_payload(meeting) -> dict:
    user = api_user()
    visible = [d for d in meeting.directives if can_view_directive(user, d)]
    return meeting_json(meeting, sorted(visible, key=lambda d: d.id))


@bp.get("/meetings")
@api_requires("directive.view")
def list_meetings():
    args = query_args()
    filters = meetings.MeetingFilters(year=args.get("year"), kind=args.get("kind"))
    rows, next_after = meetings.list_meetings(filters, after_id=args.get("after"),
                                                        limit=args.get("limit", DEFAULT_PAGE))
    return jsonify(_page(rows, next_after, _meeting_payload))


@bp.post("/meetings")
@api_requires("meeting.edit")
@idempotent
def create_meeting():
    MeetingInput = meetings.MeetingInput  # noqa: N806
    data = json_body()
    query_args()
    meeting_input = MeetingInput(
        held_on=data["held_on"],
        kind=data.get("kind", MeetingInput.kind),
        period_label=data.get("period_label", ""),
        chair=data.get("chair", MeetingInput.chair),
        participants="\n".join(p.strip() for p in data.get("participants", []) if p.strip()),
        organiser_id=organisation_id(data.get("organiser"), "organiser"),
        notes=data.get("notes", ""),
    )
    meeting = meetings.create_meeting(api_user(), meeting_input)
    db.session.commit()
    return _created(_meeting_payload(meeting), url_for("api.get_meeting", meeting_id=meeting.id))


@bp.get("/meetings/<int:meeting_id>")
@api_requires("directive.view")
def get_meeting(meeting_id: int):
    query_args()
    meeting = meetings.get_meeting(_checked_id(meeting_id, _("Không tìm thấy buổi làm việc.")))
    return jsonify(_meeting_payload(meeting))


# --------------------------------------------------------------------------------------------
# Directives
# --------------------------------------------------------------------------------------------


def _directive_payload(directive: Directive) -> dict:
    tasks = notices.directive_tasks(api_user(), directive)
    task_services.preload_tasks(tasks)
    return directive_json(directive, tasks)


@bp.get("/directives")
@api_requires("directive.view")
def list_directives():
    args = query_args()
    filters = notices.DirectiveFilters(
        year=args.get("year"), quarter=args.get("quarter"), doc_type=args.get("doc_type"),
        status=args.get("status"), meeting_id=args.get("meeting_id"),
        agency_id=organisation_id(args.get("agency"), "agency"), query=(args.get("q") or "").strip() or None,
    )
    rows, next_after = notices.list_directives(api_user(), filters, after_id=args.get("after"),
                                                          limit=args.get("limit", DEFAULT_PAGE))
    return jsonify(_page(rows, next_after, directive_summary_json))


def _directive_input(data: dict):
    DirectiveInput = notices.DirectiveInput  # noqa: N806
    return DirectiveInput(
        title=data["title"],
        doc_type=data.get("doc_type", DirectiveInput.doc_type),
        number=data.get("number") or "",
        issuer_suffix=data.get("issuer_suffix", DirectiveInput.issuer_suffix) or "",
        issued_on=data.get("issued_on"),
        issuing_body=data.get("issuing_body") or "",
        body=data.get("body", ""),
        meeting_id=data.get("meeting_id"),
        parent_directive_id=data.get("parent_directive_id"),
        status=data.get("status", DirectiveInput.status),
        issuer_id=organisation_id(data.get("issuer"), "issuer"),
    )


def _task_input(data: dict, field: str):
    items = [
        breakdown.ItemInput(
            text=item["text"],
            lead_org_id=organisation_id(item.get("lead_agency"), f"{field}.items[{n}].lead_agency"),
            due_phrase=item.get("due_phrase") or "",
            due_date=item.get("due_date"),
        )
        for n, item in enumerate(data.get("items", []))
    ]
    return breakdown.TaskInput(
        title=data["title"],
        description=data.get("description", ""),
        lead_org_id=organisation_id(data["lead_agency"], f"{field}.lead_agency"),
        coordinator_ids=[organisation_id(code, f"{field}.coordinating_agencies[{n}]")
                         for n, code in enumerate(data.get("coordinating_agencies", []))],
        due_phrase=data.get("due_phrase") or "",
        due_date=data.get("due_date"),
        kind=data.get("kind", ""),
        recurrence=data.get("recurrence") or "",
        all_communes=data.get("all_communes", False),
        is_confidential=data.get("is_confidential", False),
        items=items,
    )


@bp.post("/directives")
@api_requires("directive.edit")
@idempotent
def create_directive():
    """The directive, its tasks and their items in one transaction (any refusal rolls back all)."""
    query_args()
    data = json_body()
    directive_input = _directive_input(data)
    task_inputs = [_task_input(task, f"tasks[{n}]") for n, task in enumerate(data.get("tasks", []))]
    user = api_user()
    directive = notices.create_directive(user, directive_input)
    for n, task_input in enumerate(task_inputs):
        try:
            breakdown.add_task(user, directive, task_input)
        except ValidationFailed as error:
            error.field = f"tasks[{n}].{error.field}" if error.field else f"tasks[{n}]"
            raise
    db.session.commit()
    return _created(_directive_payload(directive), url_for("api.get_directive", directive_id=directive.id))


@bp.get("/directives/<int:directive_id>")
@api_requires("directive.view")
def get_directive(directive_id: int):
    query_args()
    directive = notices.get_directive_for(api_user(), _checked_id(directive_id, _("Không tìm thấy văn bản.")))
    return jsonify(_directive_payload(directive))


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------


def _task_for(task_id: int) -> Task:
    return task_services.get_task_for(api_user(), _checked_id(task_id, _("Không tìm thấy nhiệm vụ.")))


@bp.get("/tasks")
@api_requires("task.list")
def list_tasks():
    args = query_args()
    filters = task_services.TaskFilters(
        status=args.get("status"), agency_id=organisation_id(args.get("agency"), "agency"),
        directive_id=args.get("directive_id"), due_before=args.get("due_before"),
        overdue_as_of=args.get("overdue_as_of"), query=(args.get("q") or "").strip() or None,
    )
    rows, next_after = task_services.list_tasks(api_user(), filters, after_id=args.get("after"),
                                                limit=args.get("limit", DEFAULT_PAGE))
    task_services.preload_tasks(rows)
    today = today_local()
    return jsonify(_page(rows, next_after, lambda task: task_json(task, today)))


@bp.get("/tasks/<int:task_id>")
@api_requires("task.view")
def get_task(task_id: int):
    query_args()
    task = _task_for(task_id)
    return with_etag(task_json(task), task.version_id)


#: PATCH body field → the task service's field name.
_TASK_FIELDS = {"title": "title", "description": "description", "due_phrase": "due_phrase",
                "due_date": "due_date", "kind": "kind", "is_confidential": "is_confidential"}


@bp.patch("/tasks/<int:task_id>")
@api_requires("task.edit")
def update_task(task_id: int):
    task = _task_for(task_id)
    query_args()
    data = json_body()
    version = expected_version(data, required=True)
    changes = {name: data[key] for key, name in _TASK_FIELDS.items() if key in data}
    if "lead_agency" in data:
        changes["lead_org_id"] = organisation_id(data["lead_agency"], "lead_agency")
    task_services.update_task(api_user(), task, changes, expected_version=version)
    db.session.commit()
    return with_etag(task_json(task), task.version_id)


# --------------------------------------------------------------------------------------------
# Progress reports
# --------------------------------------------------------------------------------------------


def _evidence_files(entries: list[dict]) -> list[FileStorage]:
    files = []
    for n, entry in enumerate(entries):
        try:
            content = base64.b64decode(entry["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(_("Tệp minh chứng không phải base64 hợp lệ."),
                                   field=f"evidence[{n}].content_base64") from None
        files.append(FileStorage(stream=io.BytesIO(content), filename=entry["filename"]))
    return files


@bp.post("/tasks/<int:task_id>/progress-reports")
@api_requires("progress.report")
@idempotent
def create_progress_report(task_id: int):
    task = _task_for(task_id)
    query_args()
    data = json_body()
    version = expected_version(data, required=False)
    report_data = {
        "status": data["status"],
        "progress_percent": data.get("progress_percent"),
        "result_text": data["result_text"],
        "reported_on": data.get("reported_on"),
        "content_item_id": data.get("content_item_id"),
        "figures": [
            {"indicator_id": f["indicator_id"], "actual": f["actual"], "base": f.get("base"),
             "printed_percent": f.get("printed_percent")}
            for f in data.get("figures", [])
        ],
    }
    report = submit_progress_report(api_user(), task, report_data, _evidence_files(data.get("evidence", [])),
                                    expected_version=version)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_report_files(report)
        raise
    response = jsonify(progress_report_json(report))
    response.status_code = 201
    return response


# --------------------------------------------------------------------------------------------
# Oversight
# --------------------------------------------------------------------------------------------


@bp.get("/overdue")
@api_requires("overdue.review")
def overdue():
    """The office chief's overdue review as data: overdue content units, most late first."""
    args = query_args()
    filters = overdue_review.OverdueFilters(
        as_of=args.get("as_of") or today_local(),
        period=parse_period(args["period"]) if "period" in args else None,
        directive_id=args.get("directive_id"),
        agency_id=organisation_id(args.get("agency"), "agency"),
        kind=TaskKind(args["kind"]) if "kind" in args else None,
        bucket=args.get("bucket"),
        sort=args.get("sort", "late"),
    )
    # One snapshot for the page and the total (built once when nothing is reused).
    snapshot = overdue_review.overdue_snapshot(filters.as_of)
    page = overdue_pages.overdue_page(filters, cursor=args.get("after"), limit=args.get("limit", DEFAULT_PAGE),
                                      snapshot=snapshot)
    org_ids = {row.organisation_id for row in page.rows}
    refs = {org.id: organisation_ref(org) for org in organisations_with_ids(org_ids)}
    return jsonify({
        "as_of": filters.as_of.isoformat(),
        "total": overdue_pages.overdue_count(filters, snapshot),
        "data": [overdue_entry_json(row, refs) for row in page.rows],
        "next_after": page.next_cursor,
    })


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------

REPORT_FILES = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


@bp.get("/reports/quarterly")
@api_requires("report.draft")
def quarterly_report():
    """The quarterly report built from the data as of a cut-off: JSON, the Word report or the Excel annex.

    Built exactly like the web download and ``flask report quarterly``: the period's report row (if
    the office opened one) supplies the narrative and, without ``as_of``, the cut-off.
    """
    from app.reports.docx import render_docx
    from app.reports.xlsx import annex_for

    args = query_args()
    try:
        period = parse_period(args["quarter"], field="quarter")
    except ValidationFailed as error:
        error.field = "quarter"
        raise
    row = find_report(period)
    as_of = args.get("as_of") or (row.as_of if row is not None else None)
    # The same rule as opening a report: the cut-off lies in the report's year.
    check_as_of(period, as_of)
    built = build_period_report(period.year, period.kind, period.index, as_of, report=row)
    wanted = args.get("format", "json")
    if wanted == "json":
        return jsonify(quarterly_report_json(built))
    mimetype, extension = REPORT_FILES[wanted]
    data = render_docx(built) if wanted == "docx" else annex_for(built)
    stem = f"bao-cao-{period.code}" + ("-phu-luc" if wanted == "xlsx" else "")
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{extension}"'
    return response
