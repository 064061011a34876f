"""Models written as the API's response schemas (:mod:`app.api.schemas`), field for field."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.core.clock import today_local
from app.tasks.units import item_due, task_is_overdue


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
