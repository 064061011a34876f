"""Planning: which reminders are due as of a day, one per recipient, from the pure rules
(:mod:`app.reminders.rules`) over every open task; digests only for agencies with something to say."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa

from app.core.enums import OPEN_STATUSES, MeetingKind, ReminderKind, TaskKind, TaskStatus
from app.core.permissions import issued_task_clause
from app.extensions import db
from app.models import ContentItem, Meeting, Task, task_coordinator
from app.reminders import rules
from app.reminders.attention import needs_attention_clause
from app.reminders.batches import chunks
from app.reminders.policy import ReminderPolicy
from app.reminders.recipients import Directory, Person
from app.reminders.rules import Audience, Obligation
from app.reminders.workdays import WorkingCalendar
from app.tasks.units import unit_due, unit_overdue, units_from

DIGEST_KINDS = frozenset({ReminderKind.AGENCY_DIGEST, ReminderKind.CHIEF_DIGEST})
OPEN = sorted(OPEN_STATUSES)


class PlannedReminder(NamedTuple):
    """A reminder due today for one recipient (a tuple: ten thousand are made every tick)."""

    key: str
    kind: ReminderKind
    slot: str
    task_id: int | None
    org_id: int | None
    person: Person
    key_date: date
    working_days: int


def reminder_horizon(today: date, policy: ReminderPolicy, calendar: WorkingCalendar) -> date:
    """Tasks due before this day can have a reminder today (the earliest before-due milestone has
    begun); later ones cannot, so they are never even loaded."""
    reach = max(policy.before_due_working_days or (0,))
    return calendar.add_working_days(today, reach + 1)


def scheduled_meetings(today: date) -> list[date]:
    """Quarterly working sessions recorded in the system around today (for reporting calls)."""
    start = date(today.year, ((today.month - 1) // 3) * 3 + 1, 1)
    end = date(today.year + 1, 12, 31)
    return list(db.session.scalars(
        sa.select(Meeting.held_on).where(Meeting.kind == MeetingKind.PERIODIC, Meeting.held_on >= start, Meeting.held_on <= end)
    ))


def _reporting_window_open(today: date, meetings: Sequence[date], policy: ReminderPolicy, calendar: WorkingCalendar) -> bool:
    probe = Obligation(0, 0, None, continuous=True)
    return rules.reporting_call(probe, today, policy, calendar, meetings) is not None


def load_obligations(today: date, policy: ReminderPolicy, calendar: WorkingCalendar, meetings: Sequence[date]) -> list:
    """Every stream that can have a reminder today, read with three narrow queries: tuples shaped
    like :class:`Obligation` (task id, agency id, due date, continuous, completion proposed)."""
    horizon = reminder_horizon(today, policy, calendar)
    snapshots: dict[int, rules.TaskSnapshot] = {}
    items: dict[int, list[rules.ItemSnapshot]] = defaultdict(list)

    # SQLite would walk every open task and probe its items; reading the (fewer) open items from their
    # covering index (ix_content_item_status_task) and fetching each one's task by primary key is
    # several times faster, so the task-status index is hidden from it.
    sqlite_db = db.session.get_bind().dialect.name == "sqlite"
    task_status = sa.func.coalesce(Task.status, Task.status) if sqlite_db else Task.status
    distinct_item = sa.or_(
        sa.and_(ContentItem.lead_org_id.is_not(None), ContentItem.lead_org_id != Task.lead_org_id),
        sa.and_(ContentItem.due_date.is_not(None), ContentItem.due_date != sa.func.coalesce(Task.due_date, date.min)),
    )
    item_rows = db.session.execute(
        sa.select(Task.id, Task.lead_org_id, Task.due_date, Task.status, Task.kind,
                  ContentItem.lead_org_id, ContentItem.due_date, ContentItem.status)
        .join(ContentItem, ContentItem.task_id == Task.id)
        .where(task_status.in_(OPEN), Task.kind != TaskKind.CONTINUOUS, ContentItem.status.in_(OPEN), issued_task_clause(),
               sa.or_(ContentItem.lead_org_id.is_not(None), ContentItem.due_date.is_not(None)), distinct_item,
               unit_due() < horizon)
    ).all()
    for task_id, lead, due, status, kind, item_lead, item_due, item_status in item_rows:
        snapshots.setdefault(task_id, rules.TaskSnapshot(task_id, lead, due, status, kind))
        items[task_id].append(rules.ItemSnapshot(item_lead, item_due, item_status))

    # Rows shaped like Obligation (task, agency, due, continuous, proposed), used as they come.
    task_rows = db.session.execute(
        sa.select(Task.id, Task.lead_org_id, Task.due_date, sa.false(), Task.status == TaskStatus.COMPLETION_PROPOSED)
        .where(Task.status.in_(OPEN), Task.kind != TaskKind.CONTINUOUS, Task.due_date.is_not(None), Task.due_date < horizon,
               issued_task_clause())
    ).all()
    obligations = [row for row in task_rows if row[0] not in snapshots] if snapshots else task_rows
    for task_id, snapshot in snapshots.items():
        full = rules.TaskSnapshot(snapshot.id, snapshot.lead_org_id, snapshot.due_date, snapshot.status, snapshot.kind,
                                  tuple(items[task_id]))
        obligations.extend(rules.obligations_for(full))

    if _reporting_window_open(today, meetings, policy, calendar):
        obligations.extend(_continuous_obligations())
    return obligations


def _continuous_obligations() -> list[Obligation]:
    """Open continuous tasks (thường xuyên): their lead and any content-item leads."""
    tasks: dict[int, rules.TaskSnapshot] = {}
    items: dict[int, list[rules.ItemSnapshot]] = defaultdict(list)
    for task_id, lead, status in db.session.execute(
        sa.select(Task.id, Task.lead_org_id, Task.status).where(Task.status.in_(OPEN), Task.kind == TaskKind.CONTINUOUS,
                                                               issued_task_clause())
    ):
        tasks[task_id] = rules.TaskSnapshot(task_id, lead, None, status, TaskKind.CONTINUOUS)
    if tasks:
        for chunk in chunks(list(tasks)):
            for task_id, item_lead, item_status in db.session.execute(
                sa.select(ContentItem.task_id, ContentItem.lead_org_id, ContentItem.status)
                .where(ContentItem.task_id.in_(chunk), ContentItem.lead_org_id.is_not(None))
            ):
                items[task_id].append(rules.ItemSnapshot(item_lead, None, item_status))
    found: list[Obligation] = []
    for task_id, snap in tasks.items():
        full = rules.TaskSnapshot(snap.id, snap.lead_org_id, None, snap.status, snap.kind, tuple(items[task_id]))
        found.extend(rules.obligations_for(full))
    return found


def plan_reminders(today: date, policy: ReminderPolicy, calendar: WorkingCalendar, directory: Directory) -> list[PlannedReminder]:
    """Every reminder due on ``today`` (claimed or not), one per recipient; nothing on a day off."""
    keys, details = plan(today, policy, calendar, directory)
    return [planned(key, detail) for key, detail in zip(keys, details, strict=True)]


def planned(key: str, detail: tuple) -> PlannedReminder:
    due, task_id, org_id, person = detail
    return PlannedReminder(key, due.kind, due.slot, task_id, org_id, person, due.key_date, due.working_days)


def plan(today: date, policy: ReminderPolicy, calendar: WorkingCalendar, directory: Directory) -> tuple[list[str], list[tuple]]:
    """The keys of every reminder due today, and beside each (due reminder, task, agency, person).

    The rules depend on a stream's due date and kind only, so they are evaluated once per distinct
    (due date, continuous, completion proposed) and stamped onto each task: a district has many
    tasks due at each quarter's end.  Plain tuples, not objects: this runs over every open task on
    every tick, and only the few reminders not yet claimed become :class:`PlannedReminder`.
    """
    keys: list[str] = []
    details: list[tuple] = []
    if not calendar.is_working_day(today):
        return keys, details
    meetings = rules.quarterly_meeting_dates(today, scheduled_meetings(today), policy, calendar)
    seen: set[str] = set()
    by_signature: dict[tuple, list[tuple[rules.DueReminder, str]]] = {}
    people = directory.people
    for task_id, org_id, due_date, continuous, proposed in load_obligations(today, policy, calendar, meetings):
        signature = (due_date, continuous, proposed)
        dues = by_signature.get(signature)
        if dues is None:
            dues = by_signature[signature] = [
                (due, due.key_date.isoformat())
                for due in rules.reminders_for(Obligation(0, 0, *signature), today, policy, calendar, meeting_dates=meetings)]
        for due, day_iso in dues:
            for person in people(due.audience, org_id):
                key = f"{due.slot}:{task_id}:{person.email}:{day_iso}"  # == rules.dedupe_key(...)
                if key not in seen:
                    seen.add(key)
                    keys.append(key)
                    details.append((due, task_id, org_id, person))
    for reminder in _planned_digests(today, policy, calendar, directory):
        if reminder.key not in seen:
            seen.add(reminder.key)
            keys.append(reminder.key)
            details.append((rules.DueReminder(reminder.kind, reminder.slot, 0, reminder.org_id or 0, reminder.key_date,
                                              Audience.AGENCY, 0), None, reminder.org_id, reminder.person))
    return keys, details


def _planned_digests(today: date, policy: ReminderPolicy, calendar: WorkingCalendar, directory: Directory) -> list[PlannedReminder]:
    found: list[PlannedReminder] = []
    week = rules.digest_week(today, policy.agency_digest_weekday, calendar)
    if week is not None:
        for org_id in sorted(directory.org_names):
            for person in directory.digest_people(org_id):
                key = rules.dedupe_key(ReminderKind.AGENCY_DIGEST.value, None, person.email, week)
                found.append(PlannedReminder(key, ReminderKind.AGENCY_DIGEST, ReminderKind.AGENCY_DIGEST.value, None,
                                             org_id, person, week, 0))
    week = rules.digest_week(today, policy.chief_digest_weekday, calendar)
    if week is not None:
        for person in directory.chiefs:
            key = rules.dedupe_key(ReminderKind.CHIEF_DIGEST.value, None, person.email, week)
            found.append(PlannedReminder(key, ReminderKind.CHIEF_DIGEST, ReminderKind.CHIEF_DIGEST.value, None, None,
                                         person, week, 0))
    return found


def has_open_tasks(org_id: int) -> bool:
    """Whether the agency leads, leads an item of, or coordinates an open task (one indexed probe each)."""
    open_task = Task.status.in_(OPEN)
    probes = (
        sa.exists().where(Task.lead_org_id == org_id, open_task),
        sa.exists().where(ContentItem.lead_org_id == org_id, ContentItem.task_id == Task.id, open_task),
        sa.exists().where(task_coordinator.c.organisation_id == org_id, task_coordinator.c.task_id == Task.id, open_task),
    )
    return any(db.session.scalar(sa.select(probe)) for probe in probes)


def chief_has_news(today: date, now: datetime, policy: ReminderPolicy) -> bool:
    """The chief's digest goes out when something is overdue or a reminder needs a person."""
    overdue_unit = units_from(sa.select(sa.literal(1))).where(unit_overdue(today)).exists()
    return bool(db.session.scalar(sa.select(overdue_unit))
                or db.session.scalar(sa.select(sa.exists().where(needs_attention_clause(now, policy)))))


def drop_idle_digests(fresh: list[PlannedReminder], today: date, now: datetime, policy: ReminderPolicy) -> list[PlannedReminder]:
    """Digests are planned for every agency; only those with something to say are kept.  Checked
    for unclaimed digests only, so a steady-state tick costs a handful of probes."""
    busy: dict[int, bool] = {}
    news: bool | None = None
    keep = []
    for reminder in fresh:
        if reminder.kind is ReminderKind.AGENCY_DIGEST:
            if reminder.org_id not in busy:
                busy[reminder.org_id] = has_open_tasks(reminder.org_id)
            if not busy[reminder.org_id]:
                continue
        elif reminder.kind is ReminderKind.CHIEF_DIGEST:
            news = chief_has_news(today, now, policy) if news is None else news
            if not news:
                continue
        keep.append(reminder)
    return keep
