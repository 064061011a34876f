"""Helpers for the oversight tests: time travel to a local date, and a plain-Python recount of the rules
(the oracle the SQL-backed services are checked against on generated data)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import sqlalchemy as sa
import time_machine

from app.core.clock import LOCAL_TZ
from app.core.enums import TaskKind, TaskStatus
from app.extensions import db
from app.models import Directive, Task
from app.oversight import overdue_review


@pytest.fixture
def travel():
    """travel(date) freezes the clock at 10:00 local time on that day."""
    travellers = []

    def go(day: date):
        traveller = time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=LOCAL_TZ), tick=False)
        traveller.start()
        travellers.append(traveller)
        return traveller

    yield go
    for traveller in reversed(travellers):
        traveller.stop()


def units_of(task: Task):
    """(org_id, current due, first due, task, item) per content unit, straight from the rules."""
    items = list(task.items)
    if not items:
        return [(task.lead_org_id, task.due_date, task.original_due_date or task.due_date, task, None)]
    return [(item.lead_org_id or task.lead_org_id, item.due_date or task.due_date,
             item.due_date or task.original_due_date or task.due_date, task, item) for item in items]


def done_on(task: Task, item, fallback: date | None):
    """The day the unit was completed (None if it is not)."""
    if item is not None and item.status is TaskStatus.COMPLETED:
        return item.completed_on or fallback
    if task.status is TaskStatus.COMPLETED:
        return task.completed_on or fallback
    return None


def oracle_overdue(as_of: date) -> dict[int, dict[str, int]]:
    """Overdue units per agency and bucket, counted by hand from every task."""
    out: dict[int, dict[str, int]] = {}
    for task in db.session.scalars(sa.select(Task)):
        if task.kind is TaskKind.CONTINUOUS:
            continue
        for org, due, _first, t, item in units_of(task):
            if due is None or due >= as_of:
                continue
            closed = (t.status is TaskStatus.COMPLETED and (t.completed_on is None or t.completed_on <= as_of)) or (
                item is not None and item.status is TaskStatus.COMPLETED
                and (item.completed_on is None or item.completed_on <= as_of))
            if closed:
                continue
            late = (as_of - due).days
            bucket = "1-7" if late <= 7 else "8-30" if late <= 30 else "30+"
            out.setdefault(org, {"1-7": 0, "8-30": 0, "30+": 0})[bucket] += 1
    return out


def oracle_scorecards(start: date, end: date, cutoff: date) -> dict[int, dict[str, int]]:
    """Scorecard counts per agency for units first due in [start, end], as of cutoff, by hand."""
    out: dict[int, dict[str, int]] = {}
    issued = {d.id: d.issued_on for d in db.session.scalars(sa.select(Directive))}
    for task in db.session.scalars(sa.select(Task)):
        if task.kind is TaskKind.CONTINUOUS:
            continue
        if issued[task.directive_id] is not None and issued[task.directive_id] > cutoff:
            continue
        for org, _due, first, t, item in units_of(task):
            if first is None or not start <= first <= end:
                continue
            finished = done_on(t, item, first)
            counts = out.setdefault(org, {"on_time": 0, "late": 0, "not_completed": 0, "in_progress": 0})
            if finished is not None and finished <= cutoff:
                counts["on_time" if finished <= first else "late"] += 1
            elif first < cutoff:
                counts["not_completed"] += 1
            else:
                counts["in_progress"] += 1
    return out


@pytest.fixture
def cache_on(app):
    """Lists reused while the data holds (app.tasks.page_reuse), as in production; tests build anew by default."""
    overdue_review.clear_overdue_cache()
    app.config["OVERSIGHT_CACHE"] = True
    yield
    app.config.pop("OVERSIGHT_CACHE")
    overdue_review.clear_overdue_cache()
