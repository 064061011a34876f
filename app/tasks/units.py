"""The unit of work (nội dung): what every count of open, overdue and late work is made of.

A unit is a content item, or a task entered without items (it then counts once).  Every page, file
and API answer that counts or lists open or overdue work asks this module, in SQL or in Python, and
both forms below are the same definition:

- **Owner**: the item's own agency when it has one (a commune in an "all communes" task), else the
  task's lead agency.
- **Due date in force**: the item's own due date, else the task's (an approved extension moves the
  task's); the **original** due date is the item's own, else the task's first one (on-time vs late
  and the scorecard period are judged against it).
- **Closed on a day D**: completed with a completion date on or before D (a completion without a
  recorded date counts as done).  A unit is closed when its own item is, or when its whole task is.
- **Overdue on D** (quá hạn): not a continuous task (thường xuyên), due in force before D, and not
  closed on D; in SQL counts, also issued (a draft notice's tasks are nobody's late work yet:
  :func:`app.core.permissions.issued_task_clause`).  **Days late** = D − due, in calendar days, bucketed 1–7, 8–30 and over 30.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.core.clock import today_local
from app.core.enums import OPEN_STATUSES, TaskKind, TaskStatus
from app.core.permissions import issued_task_clause
from app.extensions import db
from app.models import ContentItem, Organisation, Task

#: Ageing buckets (nhóm quá hạn): (code, first day late, last day late or None).
BUCKETS = (("1-7", 1, 7), ("8-30", 8, 30), ("30+", 31, None))


def bucket_of_days(days_late: int) -> str:
    for code, first, last in BUCKETS:
        if days_late >= first and (last is None or days_late <= last):
            return code
    raise ValueError("not late")


# ------------------------------------------------------------------------------------------ SQL
# Expressions over ``Task`` outer-joined with ``ContentItem`` (see :func:`units_from`).


def units_from(stmt: sa.Select) -> sa.Select:
    """``stmt`` reading one row per unit: every task with its items, a task without items once."""
    return stmt.select_from(Task).outerjoin(ContentItem, ContentItem.task_id == Task.id)


def unit_due():
    return sa.func.coalesce(ContentItem.due_date, Task.due_date)


def unit_original_due():
    return sa.func.coalesce(ContentItem.due_date, Task.original_due_date, Task.due_date)


def unit_owner():
    return sa.func.coalesce(ContentItem.lead_org_id, Task.lead_org_id)


def closed_by(status_col, done_col, as_of: date):
    """Completed on or before ``as_of`` (a completion without a date counts as done)."""
    return sa.and_(status_col == TaskStatus.COMPLETED, sa.or_(done_col.is_(None), done_col <= as_of))


def unit_open_on(as_of: date):
    """The unit was not closed by the end of ``as_of`` (neither its whole task nor its own item)."""
    item_closed = sa.and_(ContentItem.id.is_not(None), closed_by(ContentItem.status, ContentItem.completed_on, as_of))
    return sa.and_(sa.not_(closed_by(Task.status, Task.completed_on, as_of)), sa.not_(item_closed))


def unit_overdue(as_of: date):
    """The unit is overdue on ``as_of`` (SQL)."""
    clauses = [Task.kind != TaskKind.CONTINUOUS, unit_due() < as_of, unit_open_on(as_of), issued_task_clause()]
    if as_of >= today_local():
        clauses.append(task_may_be_open())  # implied today: lets the scan start from ix_task_status_due
    return sa.and_(*clauses)


def task_may_be_open():
    """A task whose status is open.  Every unit open today belongs to one: a task with items has the
    roll-up of their statuses (app.tasks.rollup), and no completion is dated after today."""
    return Task.status.in_(list(OPEN_STATUSES))


def item_may_be_open():
    """A content item whose status is open: every item open today is (its completion is never dated
    after today).  Lets a scan of items late by their own due date start from the open items' index."""
    return ContentItem.status.in_(list(OPEN_STATUSES))


def count_overdue_units(as_of: date, *where) -> int:
    stmt = units_from(sa.select(sa.func.count())).where(unit_overdue(as_of), *where)
    return db.session.scalar(stmt) or 0


def task_has_overdue_unit(as_of: date):
    """A clause on ``Task``: at least one of its units is overdue on ``as_of``."""
    overdue_tasks = units_from(sa.select(Task.id)).where(unit_overdue(as_of)).correlate(None)
    return Task.id.in_(overdue_tasks)


# ---------------------------------------------------------------------------------------- Python


def completion_by(status: TaskStatus | None, done: date | None, as_of: date) -> date | None:
    """The completion date if completed on or before ``as_of`` (``as_of`` for an undated completion)."""
    if status is not TaskStatus.COMPLETED:
        return None
    if done is None:
        return as_of
    return done if done <= as_of else None


@dataclass(frozen=True)
class WorkUnit:
    """One unit with the facts the rules read (built from a task and item, or from plain rows)."""

    task_id: int
    item_id: int | None
    owner_id: int
    kind: TaskKind
    task_status: TaskStatus
    task_completed_on: date | None
    item_status: TaskStatus | None
    item_completed_on: date | None
    due: date | None
    original_due: date | None

    def closed_on(self, as_of: date) -> date | None:
        """The day it was closed, if closed by ``as_of``."""
        if self.item_id is not None and (done := completion_by(self.item_status, self.item_completed_on, as_of)):
            return done
        return completion_by(self.task_status, self.task_completed_on, as_of)

    def is_open_on(self, as_of: date) -> bool:
        return self.closed_on(as_of) is None

    def is_overdue(self, as_of: date) -> bool:
        return (self.kind is not TaskKind.CONTINUOUS and self.due is not None and self.due < as_of
                and self.is_open_on(as_of))

    def days_late(self, as_of: date) -> int:
        return (as_of - self.due).days if self.is_overdue(as_of) else 0

    def bucket(self, as_of: date) -> str | None:
        return bucket_of_days(self.days_late(as_of)) if self.is_overdue(as_of) else None


def unit_of(task, item) -> WorkUnit:
    """The unit of ``task`` (a Task, or a row with its columns) and ``item`` (a ContentItem, a row
    with its columns, or None for a task without items)."""
    due = (item.due_date if item is not None else None) or task.due_date
    original = (item.due_date if item is not None else None) or task.original_due_date or task.due_date
    owner = (item.lead_org_id if item is not None else None) or task.lead_org_id
    return WorkUnit(
        task_id=task.id, item_id=item.id if item is not None else None, owner_id=owner,
        kind=TaskKind.coerce(task.kind), task_status=TaskStatus.coerce(task.status), task_completed_on=task.completed_on,
        item_status=TaskStatus.coerce(item.status) if item is not None else None,
        item_completed_on=item.completed_on if item is not None else None, due=due, original_due=original,
    )


def units_of(task: Task) -> list[WorkUnit]:
    """The units a task counts for: its items, or the task itself when it has none."""
    return [unit_of(task, item) for item in task.items] if task.items else [unit_of(task, None)]


def task_is_overdue(task: Task, as_of: date) -> bool:
    """A task is overdue when one of its units is."""
    return any(u.is_overdue(as_of) for u in units_of(task))


def task_days_late(task: Task, as_of: date) -> int:
    """How late the task's latest-running overdue unit is (0 when none is overdue)."""
    return max((u.days_late(as_of) for u in units_of(task)), default=0)


def item_due(item: ContentItem) -> date | None:
    """The due date in force of a content item (its own, else its task's)."""
    return unit_of(item.task, item).due


def item_owner(item: ContentItem) -> Organisation:
    """The agency that owns a content item: its own lead where the source names one, else the task's lead."""
    return item.lead_org if unit_of(item.task, item).owner_id == item.lead_org_id else item.task.lead_org
