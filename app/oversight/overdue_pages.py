"""The overdue list's rows (keyset pages, exports, print view) built from the review's snapshot: what the
office needs to act on each late unit — last report, reminders and escalation, explanation, pending requests."""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from app.core.enums import ExtensionState, ReminderKind, ReminderState, ReviewState, TaskStatus
from app.extensions import db
from app.models import (
    ContentItem,
    Directive,
    ExplanationRequest,
    ExtensionRequest,
    ProgressReport,
    ReminderLog,
    Task,
)
from app.oversight.overdue_review import (
    OverdueFilters,
    OverdueSnapshot,
    Unit,
    directive_symbol,
    filter_units,
    overdue_snapshot,
)
from app.tasks.units import bucket_of_days

PAGE_SIZE = 50
#: Rows an export or a print view may hold (a bigger list is cut, and says so).
EXPORT_LIMIT = 20000
PRINT_LIMIT = 2000


#: Escalation level reached by the reminders already sent (0 = none yet).
ESCALATION_LEVELS = {
    ReminderKind.ESCALATION_HEAD: 1,
    ReminderKind.ESCALATION_CHIEF: 2,
    ReminderKind.ESCALATION_COMMITTEE: 3,
}


def escalation_label(level: int) -> str:
    return {
        0: _("Chưa báo lên lãnh đạo"),
        1: _("Đã báo lãnh đạo cơ quan"),
        2: _("Đã báo Chánh Văn phòng"),
        3: _("Đã báo Thường trực"),
    }.get(level, "")


@dataclass(frozen=True)
class OverdueRow:
    """One overdue unit with what the office needs to act on it."""

    task_id: int
    item_id: int | None
    organisation_id: int
    agency: str
    title: str
    task_title: str
    item_ordinal: int | None
    directive_id: int
    directive_symbol: str | None
    directive_title: str
    due: date
    original_due: date | None
    days_late: int
    status: TaskStatus
    progress_percent: int
    is_confidential: bool
    last_report_on: date | None
    last_report_text: str | None
    last_report_percent: int | None
    reminders_sent: int
    last_reminder_at: datetime | None
    escalation_level: int
    explanation_id: int | None
    explanation_requested_at: datetime | None
    explanation_answered_at: datetime | None
    explanation_answer: str | None
    pending_extension_id: int | None
    pending_review_id: int | None

    @property
    def bucket(self) -> str:
        return bucket_of_days(self.days_late)

    @property
    def cursor(self) -> str:
        return f"{self.due.isoformat()}.{self.task_id}.{self.item_id or 0}"

    @property
    def escalation(self) -> str:
        return escalation_label(self.escalation_level)

    @property
    def explanation_state(self) -> str | None:
        if self.explanation_id is None:
            return None
        return _("Đã giải trình") if self.explanation_answered_at else _("Chờ giải trình")


@dataclass
class OverduePage:
    rows: list[OverdueRow]
    next_cursor: str | None


def parse_cursor(cursor: str | None) -> tuple[date, int, int] | None:
    """The keyset position "2024-06-30.17.0" (due, task id, item id); None when absent or malformed."""
    if not cursor or len(cursor) > 60:
        return None
    parts = cursor.split(".")
    if len(parts) != 3:
        return None
    try:
        return date.fromisoformat(parts[0]), int(parts[1]), int(parts[2])
    except ValueError:
        return None


def _unit_key(unit: Unit) -> tuple[date, int, int]:
    return unit.due, unit.task_id, unit.item_id


def page_units(units: list[Unit], *, sort: str, after: tuple[date, int, int] | None, limit: int) -> tuple[list[Unit], bool]:
    """A keyset page of ``units`` (sorted ascending): the next ``limit`` after the cursor, and whether more follow."""
    if sort == "recent":
        end = len(units) if after is None else bisect.bisect_left(units, after, key=_unit_key)
        chosen = units[max(0, end - limit):end][::-1]
        return chosen, end - limit > 0
    start = 0 if after is None else bisect.bisect_right(units, after, key=_unit_key)
    return units[start:start + limit], start + limit < len(units)


@functools.cache
def _details_stmt():
    """What is shown for each unit of a page, for any number of units (bound: ``task_ids``,
    ``item_ids``).  Built once: constructing it costs more than running it."""
    last_report_id = (
        sa.select(ProgressReport.id)
        .where(ProgressReport.task_id == Task.id,
               sa.or_(ProgressReport.content_item_id.is_(None), ProgressReport.content_item_id == ContentItem.id))
        .order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc()).limit(1)
        .correlate(Task, ContentItem).scalar_subquery()
    )
    explanation_id = (
        sa.select(ExplanationRequest.id).where(ExplanationRequest.task_id == Task.id)
        .order_by(ExplanationRequest.requested_at.desc(), ExplanationRequest.id.desc()).limit(1)
        .correlate(Task).scalar_subquery()
    )
    sent = ReminderLog.state == ReminderState.SENT
    level = sa.case(*((sa.and_(sent, ReminderLog.kind == kind), value) for kind, value in ESCALATION_LEVELS.items()),
                    else_=0)
    task_ids = sa.bindparam("task_ids", expanding=True)
    # Filtered aggregates (not WHERE state = …) so the planner reads ix_reminder_log_task_id, not the state index.
    reminders = (
        sa.select(ReminderLog.task_id, sa.func.count().filter(sent).label("sent"),
                  sa.func.max(sa.case((sent, ReminderLog.sent_at))).label("last_at"), sa.func.max(level).label("level"))
        .where(ReminderLog.task_id.in_(task_ids))
        .group_by(ReminderLog.task_id).subquery("reminders")
    )
    pending_extension = (
        sa.select(sa.func.min(ExtensionRequest.id))
        .where(ExtensionRequest.task_id == Task.id, ExtensionRequest.state == ExtensionState.PENDING)
        .correlate(Task).scalar_subquery()
    )
    pending_review = (
        sa.select(sa.func.min(ProgressReport.id))
        .where(ProgressReport.task_id == Task.id, ProgressReport.review_state == ReviewState.PENDING)
        .correlate(Task).scalar_subquery()
    )
    report, explanation = aliased(ProgressReport), aliased(ExplanationRequest)
    return (
        sa.select(
            Task.id.label("task_id"), ContentItem.id.label("item_id"), Task.title.label("task_title"),
            ContentItem.text.label("item_text"), ContentItem.ordinal.label("item_ordinal"),
            ContentItem.due_date.label("item_due"), Task.directive_id,
            Directive.number, Directive.doc_type, Directive.issuer_suffix, Directive.title.label("directive_title"),
            Task.original_due_date, sa.func.coalesce(ContentItem.status, Task.status).label("status"),
            sa.func.coalesce(ContentItem.progress_percent, Task.progress_percent).label("percent"),
            Task.is_confidential, report.reported_on.label("report_on"), report.result_text.label("report_text"),
            report.progress_percent.label("report_percent"), reminders.c.sent, reminders.c.last_at, reminders.c.level,
            explanation.id.label("explanation_id"), explanation.requested_at.label("explanation_at"),
            explanation.answered_at.label("answered_at"), explanation.answer.label("answer"),
            pending_extension.label("pending_extension_id"), pending_review.label("pending_review_id"),
        )
        .select_from(Task)
        .join(Directive, Directive.id == Task.directive_id)
        .outerjoin(ContentItem, sa.and_(ContentItem.task_id == Task.id,
                                        ContentItem.id.in_(sa.bindparam("item_ids", expanding=True))))
        .outerjoin(report, report.id == last_report_id)
        .outerjoin(explanation, explanation.id == explanation_id)
        .outerjoin(reminders, reminders.c.task_id == Task.id)
        .where(Task.id.in_(task_ids))
    )


def unit_rows(snapshot: OverdueSnapshot, units: Sequence[Unit], *, chunk: int = 400) -> list[OverdueRow]:
    """The page rows of ``units`` (one query per ``chunk`` units), in the order given."""
    as_of = snapshot.as_of
    rows: list[OverdueRow] = []
    for start in range(0, len(units), chunk):
        part = units[start:start + chunk]
        task_ids = sorted({u.task_id for u in part})
        item_ids = sorted({u.item_id for u in part if u.item_id})
        params = {"task_ids": task_ids, "item_ids": item_ids or [0]}
        found = {(r.task_id, r.item_id or 0): r for r in db.session.connection().execute(_details_stmt(), params)}
        for unit in part:
            r = found.get((unit.task_id, unit.item_id))
            if r is None:  # deleted since the snapshot was built
                continue
            rows.append(OverdueRow(
                task_id=unit.task_id, item_id=unit.item_id or None, organisation_id=unit.org_id,
                agency=snapshot.organisations[unit.org_id][0],
                title=r.item_text if unit.item_id else r.task_title, task_title=r.task_title,
                item_ordinal=r.item_ordinal, directive_id=r.directive_id,
                directive_symbol=directive_symbol(r.number, r.doc_type, r.issuer_suffix), directive_title=r.directive_title,
                # An item with a due date of its own has no "first due date" recorded apart from it.
                due=unit.due, original_due=None if r.item_due else r.original_due_date, days_late=(as_of - unit.due).days,
                status=TaskStatus.coerce(r.status), progress_percent=r.percent or 0, is_confidential=r.is_confidential,
                last_report_on=r.report_on, last_report_text=r.report_text, last_report_percent=r.report_percent,
                reminders_sent=r.sent or 0, last_reminder_at=r.last_at, escalation_level=r.level or 0,
                explanation_id=r.explanation_id, explanation_requested_at=r.explanation_at,
                explanation_answered_at=r.answered_at, explanation_answer=r.answer,
                pending_extension_id=r.pending_extension_id, pending_review_id=r.pending_review_id,
            ))
    return rows


def overdue_page(filters: OverdueFilters, *, cursor: str | None = None, limit: int = PAGE_SIZE,
                 snapshot: OverdueSnapshot | None = None) -> OverduePage:
    """One page of the overdue list, most late first (keyset pagination on due, task, item)."""
    snapshot = snapshot or overdue_snapshot(filters.as_of)
    units, more = page_units(filter_units(snapshot, filters), sort=filters.sort, after=parse_cursor(cursor), limit=limit)
    rows = unit_rows(snapshot, units)
    return OverduePage(rows, rows[-1].cursor if more and rows else None)


def overdue_rows(filters: OverdueFilters, *, limit: int = EXPORT_LIMIT,
                 snapshot: OverdueSnapshot | None = None) -> tuple[list[OverdueRow], bool]:
    """Every overdue unit that passes the filters (for the export and the print view), and whether the list was cut."""
    snapshot = snapshot or overdue_snapshot(filters.as_of)
    units = filter_units(snapshot, filters)
    if filters.sort == "recent":
        units = units[::-1]
    return unit_rows(snapshot, units[:limit]), len(units) > limit


def overdue_count(filters: OverdueFilters, snapshot: OverdueSnapshot | None = None) -> int:
    """How many units pass the filters (the API's total)."""
    return len(filter_units(snapshot or overdue_snapshot(filters.as_of), filters))
