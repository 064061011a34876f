"""Issue 18: the one day parser (dd/mm/yyyy whatever the browser's language), the inbox's deadline
timeline and a notice's status ring — pure functions, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from app.core.dates import DAY_PATTERN, format_day, parse_day
from app.core.enums import TaskKind, TaskStatus
from app.directives.status_ring import Ring
from app.progress.timeline import WIDTH, deadline_timeline


@pytest.mark.parametrize(("text", "expected"), [
    ("02/12/2026", date(2026, 12, 2)),  # 2 December, never 12 February
    ("2/1/2026", date(2026, 1, 2)),
    (" 02.12.2026 ", date(2026, 12, 2)),
    ("02-12-2026", date(2026, 12, 2)),
    ("2026-12-02", date(2026, 12, 2)),  # ISO, as links and bookmarks carry it
    ("31/02/2026", None),
    ("12/2026", None),
    ("", None),
    (None, None),
    ("02/12/26", None),
])
def test_parse_day(text, expected):
    assert parse_day(text) == expected


def test_the_html_pattern_accepts_what_the_parser_accepts():
    pattern = re.compile(f"^(?:{DAY_PATTERN})$")
    for text in ("02/12/2026", "2/1/2026", "02.12.2026", "2026-12-02"):
        assert pattern.match(text) and parse_day(text)
    assert not pattern.match("12/2026")
    assert format_day(date(2026, 1, 2)) == "02/01/2026" and format_day(None) == ""


@dataclass
class FakeTask:
    id: int
    due_date: date | None
    title: str = "Nhiệm vụ"
    status: TaskStatus = TaskStatus.IN_PROGRESS
    kind: TaskKind = TaskKind.ONE_OFF
    # What app.tasks.units reads of a task without items (its days late come from there).
    items: tuple = ()
    original_due_date: date | None = None
    lead_org_id: int = 1
    completed_on: date | None = None


def test_deadline_timeline_places_and_colours_open_deadlines():
    today = date(2026, 12, 2)
    tasks = [FakeTask(1, date(2026, 11, 20)), FakeTask(2, date(2026, 12, 5)), FakeTask(3, date(2027, 1, 31)),
             FakeTask(4, date(2024, 6, 30)), FakeTask(5, date(2026, 12, 5)),
             FakeTask(6, None), FakeTask(7, date(2026, 12, 10), status=TaskStatus.COMPLETED)]
    timeline = deadline_timeline(tasks, today)
    marks = {m.task_id: m for m in timeline.marks}
    assert set(marks) == {1, 2, 3, 4, 5}  # no date, completed: not drawn
    assert [marks[i].tone for i in (4, 1, 2, 3)] == ["late", "late", "soon", "later"]
    assert marks[4].clipped and marks[4].x == 0  # years late: pinned to the left edge
    assert timeline.today_x == round(30 * WIDTH / 120)
    assert {marks[2].level, marks[5].level} == {0, 1}  # same day: stacked, not hidden
    # The window runs 02/11/2026–02/03/2027: a tick on each first of a month inside it.
    assert [t.day for t in timeline.ticks] == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]
    assert deadline_timeline([FakeTask(9, None)], today) is None


def test_status_ring_arcs_add_up_to_the_whole_circle():
    ring = Ring(completed=2, overdue=1, open=1)
    assert ring.total == 4 and ring.percent_done == 50
    assert [(a.tone, a.length) for a in ring.arcs] == [("completed", 50.0), ("overdue", 25.0), ("open", 25.0)]
    assert sum(a.length for a in ring.arcs) == 100
    assert [a.offset for a in ring.arcs] == [25.0, -25.0, -50.0]  # from 12 o'clock, clockwise
    assert Ring(0, 0, 3).arcs[0].length == 100 and Ring(0, 0, 0).percent_done == 0
