"""Due dates (thời hạn) and task kinds: a phrase and/or a date become the deadline a task is saved with.

A task's or content item's deadline is entered as a date, as a Vietnamese phrase, or both:

- phrase only: resolved with :func:`app.core.due_phrases.resolve_due_phrase` ("trong quý II/2024" →
  30/06/2024) using the meeting date (else the notice's date, else today) as the reference date
  for phrases without a year; the phrase is kept as written in ``due_phrase``;
- date only: used as is;
- both: the phrase must still be valid, the typed date wins (the assigner confirms a vague
  "đầu tháng 10/2024" as 10/10/2024) and the phrase is kept;
- a deadline before the meeting date (or, without a meeting, the notice's date) is refused.

Task kinds (loại nhiệm vụ): when the kind is not chosen it follows the phrase — "hàng tháng",
"hằng quý", "01 lần/quý" make a *recurring* task, "thường xuyên", "tiếp tục", "duy trì" a
*continuous* one ("hàng tuần" too: it is reported each period, the system has no weekly cycle),
anything else a *one-off* task.  A one-off task needs a date or a phrase.

- **Recurring** (định kỳ): first due date and occurrences in :mod:`app.directives.recurrence`.
- **Continuous** (thường xuyên): no due date unless one is typed (then it is a horizon only);
  reported each period and never overdue (``Task.is_overdue``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from app.core.clock import today_local
from app.core.due_phrases import resolve_due_phrase
from app.core.enums import Recurrence, TaskKind
from app.core.errors import ValidationFailed
from app.core.periods import PeriodPhraseError, cycle_end
from app.directives.editing import clean, vn_date
from app.extensions import db
from app.models import Directive, Meeting


@dataclass(frozen=True)
class DueChoice:
    """The deadline a task or item will be saved with."""

    phrase: str | None
    due_date: date | None
    kind: TaskKind
    recurrence: Recurrence | None = None
    approximate: bool = False


def reference_date_for(directive: Directive | None) -> date:
    """The date phrases without a year are read against: the meeting, else the notice, else today."""
    if directive is None:
        return today_local()
    return date_floor(directive) or today_local()


def date_floor(directive: Directive) -> date | None:
    """No deadline may come before this day: the meeting date, else the notice's date.

    Read through ``meeting_id`` so that a meeting changed in this transaction counts.
    """
    meeting = db.session.get(Meeting, directive.meeting_id) if directive.meeting_id else None
    if meeting is not None:
        return meeting.held_on
    return directive.issued_on


def resolve_due(phrase: str | None, typed_date: date | None, *, reference_date: date | None,
                kind: str = "", recurrence: str = "") -> DueChoice:
    """Decide the deadline, kind and recurrence from a phrase and/or a date (rules in the module doc)."""
    phrase = clean(phrase)[:200] or None
    resolution = None
    if phrase:
        try:
            resolution = resolve_due_phrase(phrase, reference_date=reference_date)
        except PeriodPhraseError as error:
            raise ValidationFailed(_("Thời hạn không hợp lệ: %(reason)s", reason=str(error)), field="due_phrase") from None
    chosen_kind = _kind_from(kind, resolution)
    chosen_recurrence = None
    if chosen_kind is TaskKind.RECURRING:
        chosen_recurrence = _recurrence_from(recurrence, resolution)
    due = typed_date if typed_date is not None else (resolution.due_date if resolution else None)
    if chosen_kind is TaskKind.RECURRING and due is None:
        due = cycle_end(chosen_recurrence.value, reference_date or today_local())
    if chosen_kind is TaskKind.ONE_OFF and due is None and not (resolution and resolution.kind == "event"):
        raise ValidationFailed(_("Chưa nhập thời hạn: nhập ngày hoặc cụm từ như “trong quý II/2024”."), field="due_date")
    return DueChoice(phrase=phrase, due_date=due, kind=chosen_kind, recurrence=chosen_recurrence,
                     approximate=bool(resolution and resolution.approximate and typed_date is None))


def _kind_from(kind: str, resolution) -> TaskKind:
    if kind:
        try:
            return TaskKind.coerce(kind)
        except ValueError:
            raise ValidationFailed(_("Loại nhiệm vụ không hợp lệ."), field="kind") from None
    if resolution is None:
        return TaskKind.ONE_OFF
    if resolution.kind == "continuous" or resolution.recurrence == "weekly":
        return TaskKind.CONTINUOUS
    if resolution.kind == "recurring":
        return TaskKind.RECURRING
    return TaskKind.ONE_OFF


def _recurrence_from(recurrence: str, resolution) -> Recurrence:
    value = recurrence or (resolution.recurrence if resolution else None)
    if value == "weekly" or not value:
        raise ValidationFailed(_("Nhiệm vụ định kỳ cần chu kỳ: hằng tháng, hằng quý hoặc hằng năm."), field="recurrence")
    try:
        return Recurrence.coerce(value)
    except ValueError:
        raise ValidationFailed(_("Chu kỳ lặp lại không hợp lệ."), field="recurrence") from None


def check_not_before(due: date | None, floor: date | None, what: str) -> None:
    if due is not None and floor is not None and due < floor:
        raise ValidationFailed(_("%(what)s %(due)s trước ngày họp/ban hành %(floor)s.",
                                 what=what, due=vn_date(due), floor=vn_date(floor)), field="due_date")


# =============================================================================================
# Task breakdown
# =============================================================================================
