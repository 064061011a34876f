"""The status ring of a notice (issue 18, point 9): how its top-level tasks stand today — completed,
overdue, still open — drawn as a small SVG donut next to the notice in the list.

A task is overdue when one of its units is (:func:`app.tasks.units.task_has_overdue_unit`, the one
rule); counts only, one query for the whole page of notices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.core.enums import TaskStatus
from app.core.permissions import task_visibility_clause
from app.extensions import db
from app.models import Task
from app.tasks.units import task_has_overdue_unit

RADIUS = 15.9155  # a circumference of 100: arc lengths are percentages


@dataclass(frozen=True)
class Arc:
    tone: str
    length: float
    offset: float


@dataclass(frozen=True)
class Ring:
    completed: int
    overdue: int
    open: int

    @property
    def total(self) -> int:
        return self.completed + self.overdue + self.open

    @property
    def arcs(self) -> list[Arc]:
        """The donut's arcs (stroke-dasharray lengths out of 100), completed first, clockwise."""
        arcs, start = [], 0.0
        for tone, count in (("completed", self.completed), ("overdue", self.overdue), ("open", self.open)):
            if count:
                length = 100 * count / self.total
                arcs.append(Arc(tone, round(length, 2), round(25 - start, 2)))
                start += length
        return arcs

    @property
    def percent_done(self) -> int:
        return math.floor(100 * self.completed / self.total) if self.total else 0


def status_rings(user, directive_ids: list[int], today: date) -> dict[int, Ring]:
    """Each listed notice's ring over the tasks ``user`` may see (notices without any are left out)."""
    if not directive_ids:
        return {}
    overdue = sa.and_(Task.status != TaskStatus.COMPLETED, task_has_overdue_unit(today))
    rows = db.session.execute(
        sa.select(
            Task.directive_id,
            sa.func.count().filter(Task.status == TaskStatus.COMPLETED),
            sa.func.count().filter(overdue),
            sa.func.count(),
        ).where(Task.directive_id.in_(directive_ids), Task.parent_task_id.is_(None), task_visibility_clause(user))
        .group_by(Task.directive_id)
    ).all()
    return {directive_id: Ring(done, late, total - done - late) for directive_id, done, late, total in rows}
