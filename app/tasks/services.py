"""Task services shared by the web pages, the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from app.core import audit
from app.core.db import check_version as core_check_version
from app.core.enums import TaskKind, TaskStatus
from app.core.errors import NotFound, ValidationFailed
from app.core.permissions import can_view_task, has_permission, require, task_visibility_clause
from app.core.search import like_contains
from app.extensions import db
from app.models import AuditEvent, ContentItem, Organisation, ProgressReport, Task

#: Fields an office edit may change, and that the audit log and conflict message show.
EDITABLE_FIELDS = ("title", "description", "lead_org_id", "due_phrase", "due_date", "kind", "is_confidential")


def get_task_for(user, task_id: int) -> Task:
    """The task if ``user`` may see it. Another agency's task is reported as missing (404), not 403,
    so that its existence is not disclosed."""
    task = db.session.get(Task, task_id, options=[selectinload(Task.items), selectinload(Task.coordinators)])
    if task is None or not can_view_task(user, task):
        raise NotFound(_("Không tìm thấy nhiệm vụ."))
    return task


def get_task_record_for(user, model, record_id: int, not_found: str):
    """A row that belongs to a task (a report, an extension or explanation request) if ``user`` may
    see its task; 404 with ``not_found`` otherwise, as for the task itself."""
    record = db.session.get(model, record_id)
    if record is None or not can_view_task(user, record.task):
        raise NotFound(not_found)
    return record


def preload_tasks(tasks: list[Task]) -> None:
    """Load the tasks' items, agencies and directive in three queries instead of three per task."""
    if tasks:
        db.session.scalars(
            sa.select(Task).where(Task.id.in_([t.id for t in tasks])).options(
                selectinload(Task.items).joinedload(ContentItem.lead_org),
                selectinload(Task.coordinators),
                joinedload(Task.directive),
            )
        ).unique().all()


@dataclass(frozen=True)
class TaskFilters:
    status: str | None = None
    agency_id: int | None = None
    directive_id: int | None = None
    overdue_as_of: date | None = None
    due_before: date | None = None
    query: str | None = None


def visible_tasks_stmt(user, filters: TaskFilters) -> sa.Select:
    stmt = sa.select(Task).where(task_visibility_clause(user))
    if filters.status:
        stmt = stmt.where(Task.status == TaskStatus.coerce(filters.status))
    if filters.agency_id:
        stmt = stmt.where(Task.lead_org_id == filters.agency_id)
    if filters.directive_id:
        stmt = stmt.where(Task.directive_id == filters.directive_id)
    if filters.due_before:
        stmt = stmt.where(Task.due_date <= filters.due_before)
    if filters.overdue_as_of:
        from app.tasks.units import task_has_overdue_unit

        stmt = stmt.where(task_has_overdue_unit(filters.overdue_as_of))
    if filters.query:
        text = filters.query.strip()
        stmt = stmt.where(sa.or_(like_contains(Task.title, text), like_contains(Task.description, text)))
    return stmt


def list_tasks(user, filters: TaskFilters, *, after_id: int | None = None, limit: int = 50) -> tuple[list[Task], int | None]:
    """One page of tasks, newest first, with keyset pagination on the id (no OFFSET scans)."""
    # Each row shows whether the task is overdue, which its units (items) decide: loaded in one query.
    stmt = visible_tasks_stmt(user, filters).options(selectinload(Task.items)).order_by(Task.id.desc()).limit(limit + 1)
    if after_id:
        stmt = stmt.where(Task.id < after_id)
    rows = list(db.session.scalars(stmt))
    next_after = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_after


def form_version(raw: str | None, *, required: bool = True) -> int | None:
    """The version a form was opened at (its hidden field), for the optimistic lock.

    A missing or forged value (not plain ASCII digits) is refused: a save that cannot say what it
    was opened at could overwrite someone's work unseen.  ``required=False`` is for a form that may
    create its record (nothing to be stale against yet): there a missing value reads as None."""
    text = (raw or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 12:
        return int(text)
    if required:
        raise ValidationFailed(_("Biểu mẫu thiếu phiên bản dữ liệu. Vui lòng tải lại trang."))
    return None


def check_version(task: Task, expected_version: int | None) -> None:
    """The optimistic lock (app.core.db.check_version) on a task, naming who changed what since the
    form was opened."""

    def changes_since() -> str:
        changes = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.task_id == task.id)
            .order_by(AuditEvent.id.desc())
            .limit(max(1, task.version_id - int(expected_version)))
        ).all()
        described = "; ".join(f"{e.actor.name if e.actor else '—'}: {e.summary}" for e in reversed(changes))
        return _("Nhiệm vụ đã được cập nhật bởi người khác trong lúc bạn sửa (%(changes)s). Vui lòng tải lại trang "
                 "và nhập lại.", changes=described or _("không rõ"))

    core_check_version(task, expected_version, changes_since)


def update_task(actor, task: Task, changes: dict, *, expected_version: int | None) -> Task:
    """Office edit of a task's fields, with optimistic locking and an audit entry."""
    require(actor, "task.edit", _("Bạn không có quyền sửa nhiệm vụ."))
    check_version(task, expected_version)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Trường không được phép sửa: %(f)s", f=", ".join(sorted(unknown))))
    if "title" in changes and not (changes["title"] or "").strip():
        raise ValidationFailed(_("Tiêu đề nhiệm vụ không được để trống."), field="title")
    if "lead_org_id" in changes and db.session.get(Organisation, changes["lead_org_id"]) is None:
        raise ValidationFailed(_("Cơ quan chủ trì không tồn tại."), field="lead_org_id")
    if "kind" in changes:
        changes["kind"] = TaskKind.coerce(changes["kind"])
    before = audit.snapshot(task, EDITABLE_FIELDS)
    for name, value in changes.items():
        setattr(task, name, value)
    after = audit.snapshot(task, EDITABLE_FIELDS)
    old, new = audit.diff(before, after)
    if not new:
        return task
    db.session.flush()  # bumps version_id; a concurrent writer makes this raise StaleDataError
    audit.record(actor, "update", task, task_id=task.id, before=old, after=new,
                 summary=_("Sửa %(fields)s", fields=", ".join(new)))
    return task


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    summary: str
    before: str | None
    after: str | None


def task_history(task: Task) -> list[HistoryEntry]:
    """Every change and report on the task in time order (who, when, what)."""
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.task_id == task.id).order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
    return [
        HistoryEntry(e.created_at, e.actor.name if e.actor else "—", e.action, e.summary, e.before, e.after)
        for e in events
    ]


def latest_reports(task: Task, limit: int = 20) -> list[ProgressReport]:
    return list(
        db.session.scalars(
            sa.select(ProgressReport)
            .where(ProgressReport.task_id == task.id)
            .order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc())
            .limit(limit)
        )
    )


def agencies_for_filter(user) -> list[Organisation]:
    stmt = sa.select(Organisation).where(Organisation.is_active.is_(True)).order_by(Organisation.display_order, Organisation.name)
    if not has_permission(user, "agency.any"):
        stmt = stmt.where(Organisation.id == user.organisation_id)
    return list(db.session.scalars(stmt))
