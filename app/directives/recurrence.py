"""Recurring tasks (nhiệm vụ định kỳ: hằng tháng, hằng quý, hằng năm): when they first fall due, and their occurrences.

A notice issued on 1/12 after a session on 28/11 that says "hằng tháng" must not produce an
occurrence due 30/11: the agencies could not have known of it, and it would be overdue the day it is
imported.  The first occurrence is the first cycle that ends on or after the notice's issue date.

- **Recurring** (định kỳ): the task itself is the first occurrence, due at the end of the cycle
  (month, quarter or year) that contains the reference date, or on the typed date.  The next
  :data:`OCCURRENCES_AHEAD` occurrences (3 months, 3 quarters or 3 years) are generated at once as
  child tasks (``parent_task_id``), each due at the end of its cycle and titled with its period
  ("… (quý III/2024)"); :func:`generate_occurrences` tops the series up later so that there are
  always three occurrences after the current cycle.  Generation is idempotent (a cycle that has
  an occurrence is skipped).
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import audit
from app.core.clock import today_local
from app.core.enums import Recurrence, TaskKind, TaskStatus
from app.core.periods import cycle_end, quarter_label
from app.extensions import db
from app.models import ContentItem, Task


def first_cycle_end(recurrence: str, due: date | None, issued_on: date | None) -> date | None:
    """``due`` moved to the end of the first cycle that ends on or after the issue date."""
    if due is None or issued_on is None or due >= issued_on:
        return due
    return cycle_end(recurrence, issued_on)


def not_before_notice(kind: TaskKind, recurrence, due: date | None, issued_on: date | None) -> date | None:
    """The due date a task is saved with: unchanged unless it is a recurring task's first occurrence."""
    if kind is not TaskKind.RECURRING or recurrence is None:
        return due
    return first_cycle_end(recurrence.value, due, issued_on)


#: Occurrences of a recurring task generated beyond the current cycle.
OCCURRENCES_AHEAD = 3


def _cycle_label(recurrence: Recurrence, end: date) -> str:
    if recurrence is Recurrence.MONTHLY:
        return f"tháng {end.month}/{end.year}"
    if recurrence is Recurrence.QUARTERLY:
        return quarter_label(end.year, (end.month - 1) // 3 + 1)
    return f"năm {end.year}"


def generate_occurrences(actor, task: Task, *, today: date | None = None, ahead: int = OCCURRENCES_AHEAD) -> list[Task]:
    """Make sure a recurring task has occurrences for the *ahead* cycles after the current one.

    The series task is the first occurrence; each generated occurrence is a child task
    (``parent_task_id``) due at the end of its cycle, copying the agencies and content items.
    Cycles that already have an occurrence are skipped, so calling this again only tops up.
    """
    if task.kind is not TaskKind.RECURRING or task.recurrence is None or task.due_date is None:
        return []
    if task.parent_task_id is not None:
        return []
    recurrence = task.recurrence
    existing = set(db.session.scalars(sa.select(Task.due_date).where(Task.parent_task_id == task.id)))
    anchor = max(today or today_local(), task.due_date)
    horizon = cycle_end(recurrence.value, anchor)
    for _step in range(ahead):
        horizon = cycle_end(recurrence.value, horizon + timedelta(days=1))
    created: list[Task] = []
    end = cycle_end(recurrence.value, task.due_date + timedelta(days=1))
    while end <= horizon:
        if end not in existing:
            created.append(_occurrence(task, end))
        end = cycle_end(recurrence.value, end + timedelta(days=1))
    if created:
        db.session.flush()
        audit.record(actor, "generate", task, task_id=task.id,
                     summary=_("Tạo %(n)d kỳ tiếp theo của nhiệm vụ định kỳ", n=len(created)))
    return created


def _occurrence(series: Task, due: date) -> Task:
    label = _cycle_label(series.recurrence, due)
    suffix = f" ({label})"
    child = Task(directive_id=series.directive_id, ordinal=series.ordinal, parent_task_id=series.id,
                 title=series.title[: 1000 - len(suffix)] + suffix, description=series.description,
                 lead_org_id=series.lead_org_id, kind=TaskKind.RECURRING, recurrence=series.recurrence,
                 due_phrase=series.due_phrase, due_date=due, original_due_date=due, status=TaskStatus.NOT_STARTED,
                 is_all_communes=series.is_all_communes, is_confidential=series.is_confidential,
                 created_by_id=series.created_by_id)
    child.coordinators = list(series.coordinators)
    for item in series.items:
        child.items.append(ContentItem(ordinal=item.ordinal, text=item.text, lead_org_id=item.lead_org_id))
    db.session.add(child)
    return child
