"""The agency inbox's deadline timeline (issue 18, point 9): where each open task's due date falls
around today, as positions on a 0–1000 axis the template draws in SVG (no script, no inline style).

The window runs from 30 days before today to 90 days after; a deadline outside it is pinned to the
nearer edge and says so (``clipped``).  Lateness uses the task's own rule (``Task.days_late``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.core.enums import TaskKind, TaskStatus
from app.tasks.units import task_days_late

WIDTH = 1000
DAYS_BEFORE, DAYS_AFTER = 30, 90
SOON_DAYS = 7


@dataclass(frozen=True)
class Mark:
    task_id: int
    title: str
    due: date
    x: int
    #: "late", "soon" or "later" (the colour of the mark).
    tone: str
    #: Marks on the same spot are stacked: 0 for the first.
    level: int
    clipped: bool


@dataclass(frozen=True)
class Tick:
    x: int
    day: date


@dataclass(frozen=True)
class Timeline:
    today_x: int
    marks: list[Mark]
    ticks: list[Tick]
    height: int


def _x(day: date, start: date, span: int) -> int:
    return round((min(max((day - start).days, 0), span)) * WIDTH / span)


def deadline_timeline(tasks, today: date) -> Timeline | None:
    """The timeline of ``tasks``' open, dated deadlines (None when there is none to show)."""
    start, end = today - timedelta(days=DAYS_BEFORE), today + timedelta(days=DAYS_AFTER)
    span = (end - start).days
    marks: list[Mark] = []
    taken: dict[int, int] = {}
    seen: set[int] = set()
    for task in sorted(tasks, key=lambda t: (t.due_date or today, t.id)):
        if (task.id in seen or task.due_date is None or task.kind is TaskKind.CONTINUOUS
                or task.status is TaskStatus.COMPLETED):
            continue
        seen.add(task.id)
        x = _x(task.due_date, start, span)
        slot = x // 12  # marks closer than 12 units (a mark's width) stack upwards
        level = taken.get(slot, 0)
        taken[slot] = level + 1
        tone = "late" if task_days_late(task, today) else "soon" if task.due_date <= today + timedelta(days=SOON_DAYS) else "later"
        marks.append(Mark(task.id, task.title, task.due_date, x, tone, min(level, 5),
                          not start <= task.due_date <= end))
    if not marks:
        return None
    first_month = date(start.year, start.month, 1)
    ticks, month = [], first_month
    while month <= end:
        if month >= start:
            ticks.append(Tick(_x(month, start, span), month))
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    height = 60 + 14 * max(m.level for m in marks)
    return Timeline(_x(today, start, span), marks, ticks, height)
