"""When a recurring task (nhiệm vụ định kỳ: hằng tháng, hằng quý, hằng năm) first falls due.

A notice issued on 1/12 after a session on 28/11 that says "hằng tháng" must not produce an
occurrence due 30/11: the agencies could not have known of it, and it would be overdue the day it is
imported.  The first occurrence is the first cycle that ends on or after the notice's issue date.
"""

from __future__ import annotations

from datetime import date

from app.core.enums import TaskKind
from app.core.periods import cycle_end


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
