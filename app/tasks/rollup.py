"""How a task's status follows its content items (nội dung), and how the units of a conclusion are counted.

A conclusion sets tasks; each task holds one or more content items (domain.md §3.3: "09 nhiệm vụ
trọng tâm, với 11 nội dung"). A task entered without items counts as one content unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from app.core.enums import TaskStatus

#: When items disagree, the task shows the least advanced state among them.
_ORDER = [
    TaskStatus.NOT_COMPLETED,
    TaskStatus.NOT_STARTED,
    TaskStatus.IN_PROGRESS,
    TaskStatus.COMPLETION_PROPOSED,
    TaskStatus.COMPLETED,
]


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


def rollup_percent(percents: Iterable[int]) -> int:
    values = list(percents)
    return round(sum(values) / len(values)) if values else 0


def rollup_completed_on(dates: Iterable[date | None]) -> date | None:
    """A task is completed on the day its last item was."""
    values = list(dates)
    if not values or any(d is None for d in values):
        return None
    return max(values)


def apply_rollup(task) -> None:
    """Set the task's status, percent and completion date from its items (no-op without items)."""
    if not task.items:
        return
    task.status = rollup_status(item.status for item in task.items)
    task.progress_percent = rollup_percent(item.progress_percent for item in task.items)
    task.completed_on = (
        rollup_completed_on(item.completed_on for item in task.items) if task.status is TaskStatus.COMPLETED else None
    )


def set_progress(task, item, status: TaskStatus, percent: int, on: date) -> None:
    """Record a status on an item (or on every item of a single-item task when none is named), then roll up.

    A task with several items and no item named takes the status itself; its items keep theirs.
    """
    status = TaskStatus.coerce(status)
    targets = [item] if item is not None else (list(task.items) if len(task.items) == 1 else [])
    for target in targets:
        target.status = status
        target.progress_percent = 100 if status is TaskStatus.COMPLETED else percent
        target.completed_on = on if status is TaskStatus.COMPLETED else None
    if targets:
        apply_rollup(task)
    else:
        task.status = status
        task.progress_percent = 100 if status is TaskStatus.COMPLETED else percent
        task.completed_on = on if status is TaskStatus.COMPLETED else None


def content_units(task) -> list:
    """The content items a task counts for in reports: its items, or the task itself when it has none."""
    return list(task.items) if task.items else [task]
