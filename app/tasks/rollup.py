"""How a task's status follows its content items (nội dung): the one roll-up, and the whole-task rule.

A conclusion sets tasks; each task holds one or more content items (domain.md §3.3: "09 nhiệm vụ
trọng tâm, với 11 nội dung").  A task entered without items counts as one unit and carries its
status itself.  A task with items never carries a status of its own: after every write (progress
report, confirmation, return, extension decision, task edit, import, seed) it is the roll-up of its
items (:func:`apply_rollup`), so every page, file and API answer reading the task or its items
tells the same story.

**The whole-task rule.**  A report or decision on the whole task (no item named) applies to every
*open* item (:func:`apply_to_whole_task`): a whole-task completion by the office, or the
confirmation of a whole-task proposal, completes every open item on that date; a whole-task
proposal proposes every open item; any other whole-task status is set on every open item; returning
a whole-task proposal puts its proposed items back in progress.  Completed items keep their own
completion date.  Each item changed is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _

from app.core import audit
from app.core.enums import TaskStatus

ITEM_FIELDS = ("status", "progress_percent", "completed_on")


def rollup_status(statuses: Iterable[TaskStatus]) -> TaskStatus:
    """The task status implied by its items' statuses.

    All completed → completed; any item not completed (chưa hoàn thành) → not completed; all
    proposed or completed → completion proposed; nothing started → not started; else in progress.
    """
    values = [TaskStatus.coerce(s) for s in statuses]
    if not values:
        return TaskStatus.NOT_STARTED
    if all(s is TaskStatus.COMPLETED for s in values):
        return TaskStatus.COMPLETED
    if any(s is TaskStatus.NOT_COMPLETED for s in values):
        return TaskStatus.NOT_COMPLETED
    if all(s in (TaskStatus.COMPLETED, TaskStatus.COMPLETION_PROPOSED) for s in values):
        return TaskStatus.COMPLETION_PROPOSED
    if all(s is TaskStatus.NOT_STARTED for s in values):
        return TaskStatus.NOT_STARTED
    return TaskStatus.IN_PROGRESS


def rollup_percent(items) -> int:
    """The half-up mean of the items' percents (items weigh the same; a completed item counts 100%)."""
    values = [100 if TaskStatus.coerce(i.status) is TaskStatus.COMPLETED else i.progress_percent for i in items]
    return (2 * sum(values) + len(values)) // (2 * len(values)) if values else 0


def rollup_completed_on(dates: Iterable[date | None]) -> date | None:
    """A task is completed on the day its last item was (None when no item's date was recorded)."""
    return max((d for d in dates if d is not None), default=None)


def apply_rollup(task) -> None:
    """Set the task's status, percent and completion date from its items (no-op without items)."""
    items = list(task.items)
    if not items:
        return
    status = rollup_status(item.status for item in items)
    task.status = status
    task.progress_percent = rollup_percent(items)
    task.completed_on = rollup_completed_on(i.completed_on for i in items) if status is TaskStatus.COMPLETED else None


def _set(target, status: TaskStatus, percent: int, on: date | None) -> None:
    target.status = status
    target.progress_percent = 100 if status is TaskStatus.COMPLETED else percent
    target.completed_on = on if status is TaskStatus.COMPLETED else None


def apply_to_whole_task(actor, task, status: TaskStatus, percent: int, on: date | None) -> None:
    """A status reported or decided for the whole task: on the task without items, else on every
    open item (each change audited), then the roll-up."""
    status = TaskStatus.coerce(status)
    if not task.items:
        _set(task, status, percent, on)
        return
    for item in task.items:
        if item.status is TaskStatus.COMPLETED:
            continue
        _set_item(actor, task, item, status, percent, on)
    apply_rollup(task)


def apply_to_item(task, item, status: TaskStatus, percent: int, on: date | None) -> None:
    """A status reported or decided for one item, then the roll-up."""
    _set(item, TaskStatus.coerce(status), percent, on)
    apply_rollup(task)


def return_whole_task(actor, task) -> None:
    """A whole-task proposal returned: the task (or each of its proposed items) is back in progress."""
    if not task.items:
        _set(task, TaskStatus.IN_PROGRESS, task.progress_percent, None)
        return
    for item in task.items:
        if item.status is TaskStatus.COMPLETION_PROPOSED:
            _set_item(actor, task, item, TaskStatus.IN_PROGRESS, item.progress_percent, None)
    apply_rollup(task)


def _set_item(actor, task, item, status: TaskStatus, percent: int, on: date | None) -> None:
    before = audit.snapshot(item, ITEM_FIELDS)
    _set(item, status, percent, on)
    old, new = audit.diff(before, audit.snapshot(item, ITEM_FIELDS))
    if new:
        audit.record(actor, "update", item, task_id=task.id, before=old, after=new,
                     summary=_("Nội dung %(n)d theo nhiệm vụ: %(status)s", n=item.ordinal, status=status.label))
