"""Which reminders are due, as pure functions of a task snapshot, a day, a policy and a calendar.

No database, no Flask, no clock: the services feed these functions plain snapshots and the day to
judge, so the whole policy can be tested (and time-travelled) without I/O.

Vocabulary (domain.md §3.3): *nhắc trước hạn* (before the due date), *đến hạn* (due today),
*quá hạn* (overdue), *báo cáo vượt cấp* (escalation: agency head → office chief → standing committee),
*đề nghị báo cáo* (the reporting call continuous tasks get before each quarterly working session).

The design is level-triggered: on any working day exactly one "slot" of each stream is active
(e.g. "overdue, 2nd repeat"), and the services claim it under a key that includes the slot and the
due date.  Running the same day twice therefore finds nothing new, a day missed while the scheduler
was down is caught up by the next run, and moving the due date (an extension) starts a new stream.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple, Protocol

from app.core.enums import ReminderKind, TaskKind, TaskStatus
from app.core.periods import quarter_of
from app.reminders.policy import ReminderPolicy


class Calendar(Protocol):
    """What the rules need from :class:`app.reminders.workdays.WorkingCalendar`."""

    def is_working_day(self, day: date) -> bool: ...
    def add_working_days(self, day: date, n: int) -> date: ...
    def working_days_between(self, start: date, end: date) -> int: ...
    def last_working_day_on_or_before(self, day: date) -> date: ...


class Audience(enum.StrEnum):
    """Who a reminder is for, resolved to people by the services."""

    AGENCY = "agency"        # cán bộ of the agency that must act (lead, or the item's lead)
    HEAD = "head"            # lãnh đạo of that agency
    CHIEF = "chief"          # Chánh Văn phòng
    COMMITTEE = "committee"  # Thường trực Huyện ủy


ESCALATION_KINDS = {
    "head": (ReminderKind.ESCALATION_HEAD, Audience.HEAD),
    "chief": (ReminderKind.ESCALATION_CHIEF, Audience.CHIEF),
    "committee": (ReminderKind.ESCALATION_COMMITTEE, Audience.COMMITTEE),
}
ITEM_KINDS = frozenset({
    ReminderKind.BEFORE_DUE, ReminderKind.DUE_TODAY, ReminderKind.OVERDUE, ReminderKind.ESCALATION_HEAD,
    ReminderKind.ESCALATION_CHIEF, ReminderKind.ESCALATION_COMMITTEE, ReminderKind.REPORTING_CALL,
})


@dataclass(frozen=True, slots=True)
class ItemSnapshot:
    """A content item (nội dung) as far as reminders care."""

    lead_org_id: int | None
    due_date: date | None
    status: TaskStatus


@dataclass(frozen=True, slots=True)
class TaskSnapshot:
    """A task (nhiệm vụ) as far as reminders care."""

    id: int
    lead_org_id: int
    due_date: date | None
    status: TaskStatus
    kind: TaskKind = TaskKind.ONE_OFF
    items: tuple[ItemSnapshot, ...] = ()


class Obligation(NamedTuple):
    """One agency's duty in one task by one due date: what a stream of reminders is about
    (a tuple: the services build one per open task on every tick)."""

    task_id: int
    org_id: int
    due_date: date | None
    continuous: bool = False
    completion_proposed: bool = False


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A reminder that should exist today (before recipients are resolved)."""

    kind: ReminderKind
    #: The kind plus the repeat it stands for ("before_due.3", "overdue.2"): part of the key.
    slot: str
    task_id: int
    org_id: int
    #: The due date it is about (the session date for a reporting call): part of the key.
    key_date: date
    audience: Audience
    #: Working days left until the due date (before it) or late (after it).
    working_days: int


def dedupe_key(slot: str, task_id: int | None, email: str, key_date: date) -> str:
    """``"<kind>:<task id or 0>:<recipient e-mail>:<due date ISO>"``; the kind carries the repeat."""
    return f"{slot}:{task_id or 0}:{email.strip().lower()}:{key_date.isoformat()}"


def obligations_for(task: TaskSnapshot) -> list[Obligation]:
    """The streams a task gives rise to: its lead agency by the task's due date, plus each open
    content item whose lead agency (chủ trì nội dung) or due date differs.  A completed task has none."""
    if task.status is TaskStatus.COMPLETED:
        return []
    continuous = task.kind is TaskKind.CONTINUOUS
    found: dict[tuple[int, date | None], Obligation] = {
        (task.lead_org_id, task.due_date): Obligation(
            task.id, task.lead_org_id, task.due_date, continuous, task.status is TaskStatus.COMPLETION_PROPOSED
        )
    }
    for item in task.items:
        if item.status is TaskStatus.COMPLETED:
            continue
        org = item.lead_org_id or task.lead_org_id
        due = item.due_date or task.due_date
        found.setdefault((org, due), Obligation(task.id, org, due, continuous, item.status is TaskStatus.COMPLETION_PROPOSED))
    return list(found.values())


def reminders_for(
    obligation: Obligation,
    today: date,
    policy: ReminderPolicy,
    calendar: Calendar,
    *,
    meeting_dates: Iterable[date] = (),
) -> list[DueReminder]:
    """The reminders of one obligation that are due on ``today`` (nothing on days off)."""
    if not calendar.is_working_day(today):
        return []
    if obligation.completion_proposed and policy.pause_when_completion_proposed:
        return []
    if obligation.continuous:
        call = reporting_call(obligation, today, policy, calendar, meeting_dates)
        return [call] if call else []
    if obligation.due_date is None:
        return []
    if today <= obligation.due_date:
        slot = _before_due_slot(obligation, today, policy, calendar)
        return [slot] if slot else []
    return _overdue_reminders(obligation, today, policy, calendar)


def _before_due_slot(ob: Obligation, today: date, policy: ReminderPolicy, cal: Calendar) -> DueReminder | None:
    """The latest before-due milestone that has begun (7, then 3, then 1 working days, then the day).

    The "day" is the last working day on or before the due date, so a task due on a Sunday is
    reminded as due on the Friday.
    """
    deadline = cal.last_working_day_on_or_before(ob.due_date)
    active: DueReminder | None = None
    for n in sorted(set(policy.before_due_working_days), reverse=True):
        if cal.add_working_days(deadline, -n) <= today:
            active = DueReminder(ReminderKind.BEFORE_DUE, f"before_due.{n}", ob.task_id, ob.org_id, ob.due_date,
                                 Audience.AGENCY, cal.working_days_between(today, deadline))
    if policy.remind_on_due_date and deadline <= today:
        active = DueReminder(ReminderKind.DUE_TODAY, "due_today", ob.task_id, ob.org_id, ob.due_date, Audience.AGENCY, 0)
    return active


def _overdue_reminders(ob: Obligation, today: date, policy: ReminderPolicy, cal: Calendar) -> list[DueReminder]:
    """The current overdue repeat, plus each escalation level whose threshold has been reached.

    Overdue notices go on the 1st working day late and then every ``overdue_every_working_days``;
    an escalation level fires once, when the lateness reaches it, and is still caught up for
    ``escalation_catch_up_working_days`` after that (older lateness is left to the weekly digest).
    """
    late = cal.working_days_between(ob.due_date, today)
    if late < 1:
        return []
    repeat = (late - 1) // policy.overdue_every_working_days
    found = [DueReminder(ReminderKind.OVERDUE, f"overdue.{repeat}", ob.task_id, ob.org_id, ob.due_date,
                         Audience.AGENCY, late)]
    for level, after in policy.escalation_ladder:
        if after <= late < after + policy.escalation_catch_up_working_days:
            kind, audience = ESCALATION_KINDS[level]
            found.append(DueReminder(kind, kind.value, ob.task_id, ob.org_id, ob.due_date, audience, late))
    return found


def quarterly_meeting_dates(
    today: date, scheduled: Iterable[date], policy: ReminderPolicy, calendar: Calendar
) -> list[date]:
    """The quarterly working sessions (làm việc định kỳ) of this quarter and the next.

    A session scheduled in the system wins; a quarter without one is assumed to meet on
    ``quarterly_meeting_day`` of its last month (moved back to a working day), as 003 shows
    ("Ngày 14/3/2024 … làm việc định kỳ quý I/2024").
    """
    scheduled = sorted(set(scheduled))
    year, quarter = quarter_of(today)
    quarters = [(year, quarter), (year + (quarter == 4), quarter % 4 + 1)]
    dates: list[date] = []
    for y, q in quarters:
        in_quarter = [d for d in scheduled if quarter_of(d) == (y, q)]
        if in_quarter:
            dates.extend(in_quarter)
        else:
            dates.append(calendar.last_working_day_on_or_before(date(y, q * 3, policy.quarterly_meeting_day)))
    return sorted(dates)


def reporting_call(
    ob: Obligation, today: date, policy: ReminderPolicy, calendar: Calendar, meeting_dates: Iterable[date]
) -> DueReminder | None:
    """Continuous tasks (thường xuyên) are never overdue: instead, the agency is asked to report
    ``reporting_call_working_days_before`` working days before the next quarterly session."""
    for meeting in sorted(meeting_dates):
        if meeting <= today:
            continue
        opens = calendar.add_working_days(meeting, -policy.reporting_call_working_days_before)
        if opens <= today:
            return DueReminder(ReminderKind.REPORTING_CALL, ReminderKind.REPORTING_CALL.value, ob.task_id, ob.org_id,
                               meeting, Audience.AGENCY, calendar.working_days_between(today, meeting))
        return None
    return None


def digest_week(today: date, weekday: int | None, calendar: Calendar) -> date | None:
    """The Monday of the week whose digest is due on ``today``, or None.

    Due on the policy's weekday, or on the first working day after it in the same week when that
    day is off (a Monday holiday moves the digest to Tuesday); keyed by the week, so once a week.
    """
    if weekday is None or not calendar.is_working_day(today):
        return None
    monday = today - timedelta(days=today.weekday())
    return monday if today.weekday() >= weekday else None


def planned_lateness(due: date, today: date, calendar: Calendar) -> int:
    """Working days late (0 when not late): what the digests and the chief's list show."""
    return max(0, calendar.working_days_between(due, today)) if due < today else 0
