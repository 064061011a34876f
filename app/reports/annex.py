"""Tasks as of the cut-off: the annex rows (status and timeliness then) and each agency's open work (IV.2).

Read as plain rows, not ORM objects, so 1,000 tasks stay fast.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale

from app.core.enums import DirectiveStatus, TaskKind, TaskStatus
from app.core.numbers import date_vn
from app.core.permissions import issued_task_clause
from app.extensions import db
from app.models import ContentItem, Directive, Meeting, Organisation, ProgressReport, Task, task_coordinator
from app.reports.document import AnnexRow
from app.reports.tallies import chunks
from app.tasks.units import WorkUnit, completion_by, unit_of


@dataclass(frozen=True)
class TaskRow:
    """The columns of a task the annex and section IV need (read as plain rows: 1,000 tasks stay fast)."""

    id: int
    directive_id: int
    title: str
    lead_org_id: int
    due_date: date | None
    original_due_date: date | None
    status: TaskStatus
    completed_on: date | None
    kind: TaskKind
    #: Its units (app.tasks.units): the items, or the task itself.
    units: tuple[WorkUnit, ...] = ()

    def done_by(self, as_of: date) -> date | None:
        return completion_by(self.status, self.completed_on, as_of)

    def overdue_days(self, as_of: date) -> int:
        """How late its latest-running overdue unit is on ``as_of`` (0: none is overdue)."""
        return max((u.days_late(as_of) for u in self.units), default=0)


@dataclass(frozen=True)
class _TaskContext:
    """Names the annex prints: organisations, directives and each task's coordinating agencies."""

    org_names: dict[int, str]
    org_codes: dict[int, str]
    directives: dict[int, str]
    coordinators: dict[int, list[str]]


def period_tasks(year: int, as_of: date) -> list[TaskRow]:
    """Tasks in force at the cut-off that were open then or completed this year."""
    year_start = date(year, 1, 1)
    stmt = (
        sa.select(Task.id, Task.directive_id, Task.title, Task.lead_org_id, Task.due_date, Task.original_due_date,
                  Task.status, Task.completed_on, Task.kind)
        .join(Directive, Task.directive_id == Directive.id)
        .outerjoin(Meeting, Directive.meeting_id == Meeting.id)
        .where(
            Directive.status != DirectiveStatus.REFERENCE,
            issued_task_clause(),  # a draft's own tasks are nobody's work yet (carried-over ones are)
            sa.or_(Directive.issued_on.is_(None), Directive.issued_on <= as_of),
            sa.or_(Meeting.id.is_(None), Meeting.held_on <= as_of),
            sa.or_(Task.status != TaskStatus.COMPLETED, Task.completed_on.is_(None),
                   Task.completed_on > as_of, Task.completed_on >= year_start),
        )
        .order_by(sa.nulls_last(Directive.issued_on.asc()), Directive.id, Task.ordinal, Task.id)
    )
    tasks = [TaskRow(*row) for row in db.session.execute(stmt)]
    items: dict[int, list] = defaultdict(list)
    for chunk in chunks([t.id for t in tasks]):
        for item in db.session.execute(
            sa.select(ContentItem.task_id, ContentItem.id, ContentItem.lead_org_id, ContentItem.due_date,
                      ContentItem.status, ContentItem.completed_on)
            .where(ContentItem.task_id.in_(chunk)).order_by(ContentItem.task_id, ContentItem.ordinal, ContentItem.id)):
            items[item.task_id].append(item)
    return [dataclasses.replace(t, units=tuple(unit_of(t, i) for i in items.get(t.id, [None]))) for t in tasks]


def task_context(tasks: Sequence[TaskRow]) -> _TaskContext:
    orgs = db.session.execute(sa.select(Organisation.id, Organisation.name, Organisation.code)).all()
    directive_ids = sorted({t.directive_id for t in tasks})
    directives: dict[int, str] = {}
    coordinators: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks(directive_ids):
        for directive in db.session.scalars(sa.select(Directive).where(Directive.id.in_(chunk))):
            directives[directive.id] = _directive_label(directive)
    for chunk in chunks([t.id for t in tasks]):
        rows = db.session.execute(
            sa.select(task_coordinator.c.task_id, Organisation.name)
            .join(Organisation, Organisation.id == task_coordinator.c.organisation_id)
            .where(task_coordinator.c.task_id.in_(chunk))
            .order_by(task_coordinator.c.task_id, Organisation.display_order, Organisation.name))
        for task_id, name in rows:
            coordinators[task_id].append(name)
    return _TaskContext({o.id: o.name for o in orgs}, {o.id: o.code for o in orgs}, directives, coordinators)


@dataclass(frozen=True)
class _LastReport:
    reported_on: date
    is_lead_report: bool
    status: TaskStatus
    result_text: str
    organisation_id: int


def last_reports(task_ids: Sequence[int], as_of: date) -> dict[int, _LastReport]:
    """The last report on each task dated on or before the cut-off (the lead's report wins a tie)."""
    latest: dict[int, _LastReport] = {}
    for chunk in chunks(task_ids):
        rows = db.session.execute(
            sa.select(ProgressReport.task_id, ProgressReport.reported_on, ProgressReport.is_lead_report,
                      ProgressReport.status, ProgressReport.result_text, ProgressReport.organisation_id)
            .where(ProgressReport.task_id.in_(chunk), ProgressReport.reported_on <= as_of)
            .order_by(ProgressReport.task_id, ProgressReport.reported_on, ProgressReport.is_lead_report,
                      ProgressReport.created_at, ProgressReport.id))
        for task_id, *values in rows:
            latest[task_id] = _LastReport(*values)
    return latest


def _status_as_of(task: TaskRow, report: _LastReport | None, as_of: date) -> TaskStatus:
    """The task's own status (the roll-up of its items), as it stood at the cut-off."""
    if task.done_by(as_of):
        return TaskStatus.COMPLETED
    if task.status is TaskStatus.COMPLETED:
        # Completed after the cut-off: it was a proposal then if the lead had proposed it by then.
        proposed = report is not None and report.is_lead_report and report.status in (
            TaskStatus.COMPLETION_PROPOSED, TaskStatus.COMPLETED)
        return TaskStatus.COMPLETION_PROPOSED if proposed else TaskStatus.IN_PROGRESS
    return task.status


def _timeliness(task: TaskRow, as_of: date) -> str:
    """Đúng hạn / trễ hạn for work done by the cut-off (against the original due date); else quá hạn
    when one of its units is overdue (app.tasks.units), or not.

    Document text, so Vietnamese whatever the reader's language (like every sentence of the report).
    """
    if task.kind is TaskKind.CONTINUOUS:
        return "Thường xuyên"
    original = task.original_due_date or task.due_date
    done = task.done_by(as_of)
    if done is not None:
        if original is None:
            return "Hoàn thành"
        late = (done - original).days
        return "Đúng hạn" if late <= 0 else f"Trễ hạn {late} ngày"
    if days := task.overdue_days(as_of):
        return f"Quá hạn {days} ngày"
    if task.due_date is None:
        return "Không có hạn"
    return "Trong hạn"


def _directive_label(directive: Directive) -> str:
    if directive.symbol:
        return directive.symbol
    return f"Dự thảo: {directive.title}" if directive.status is DirectiveStatus.DRAFT else directive.title


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def annex_rows(tasks: Sequence[TaskRow], reports: Mapping[int, _LastReport], context: _TaskContext,
                as_of: date) -> list[AnnexRow]:
    with force_locale("vi"):  # status labels are document text: Vietnamese whatever the UI language
        labels = {status: status.label for status in TaskStatus}
    rows = []
    for task in tasks:
        report = reports.get(task.id)
        last = ""
        if report is not None:
            code = context.org_codes.get(report.organisation_id, "")
            last = f"{date_vn(report.reported_on)} ({code}): {_one_line(report.result_text)}".strip()
        rows.append(AnnexRow(
            task_id=task.id, directive=context.directives.get(task.directive_id, ""), task=_one_line(task.title),
            lead=context.org_names.get(task.lead_org_id, ""), coordinators="; ".join(context.coordinators.get(task.id, [])),
            due=task.due_date, original_due=task.original_due_date or task.due_date,
            status=labels[_status_as_of(task, report, as_of)], timeliness=_timeliness(task, as_of), last_report=last,
        ))
    return rows


def open_tasks_by_agency(tasks: Sequence[TaskRow], as_of: date) -> dict[int, list[TaskRow]]:
    grouped: dict[int, list[TaskRow]] = defaultdict(list)
    for task in tasks:
        if task.kind is TaskKind.CONTINUOUS or not any(u.is_open_on(as_of) for u in task.units):
            continue
        grouped[task.lead_org_id].append(task)
    for items in grouped.values():
        items.sort(key=lambda t: (t.due_date or date.max, t.id))
    return grouped
