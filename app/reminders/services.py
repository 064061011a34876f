"""Reminder services: the idempotent tick (plan → claim → send → mark), digests, in-app
notifications, the reminder log and the office chief's list of reminders that need a person.

How a tick never sends twice and never loses a reminder (ecosystem.md §B.3):

1. **Plan.** :func:`plan_reminders` asks the pure rules (:mod:`app.reminders.rules`) what is due
   today for every open task, and resolves recipients.  Each reminder has a ``dedupe_key``
   ``"<kind>:<task id or 0>:<recipient e-mail>:<due date ISO>"`` (the kind carries the repeat,
   e.g. ``before_due.3``, ``overdue.2``).
2. **Claim.** Keys not yet in ``reminder_log`` (:func:`missing_keys`, one indexed probe each) are inserted with ``INSERT … ON CONFLICT DO NOTHING``
   and committed *before* anything is sent: only rows this tick inserted are ours, so two ticks
   (or a restarted one) can never claim the same reminder twice.  In-app notifications are written
   in the same transaction.
3. **Send.** Over one SMTP connection with a socket timeout.  Just before each message the row is
   marked "attempt started" (``attempts + 1``, ``next_attempt_at`` = when) and committed, and the
   previous message is marked sent in that same commit.  Row states therefore mean:

   ===========  ===========================  ======================================================
   state        next_attempt_at              meaning
   ===========  ===========================  ======================================================
   claimed      NULL                         queued, never tried: the next tick sends it
   claimed      when the attempt began       in flight; if the process died here the outcome is
                                             unknown, so it is never re-sent automatically but shown
                                             to the office chief ("có thể chưa đến người nhận")
   failed       when to retry                retried with back-off by a later tick
   failed       NULL                         given up (permanent error or too old): for a person
   sent         —                            delivered to the SMTP server
   skipped      —                            no longer wanted (task completed, due date moved, or
                                             dismissed by the office chief)
   ===========  ===========================  ======================================================

:func:`run_tick` is a job boundary (it commits), like a view or a CLI command; every other function
here flushes at most and leaves committing to its caller.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import smtplib
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from app.core import audit
from app.core.clock import LOCAL_TZ, local_instant, now_local, now_utc
from app.core.db import UTCDateTime
from app.core.enums import OPEN_STATUSES, MeetingKind, ReminderKind, ReminderState, Role, TaskKind, TaskStatus
from app.core.errors import Conflict, NotFound
from app.core.permissions import in_agency_tasks, issued_task_clause
from app.core.search import like_contains
from app.extensions import db
from app.models import (
    ContentItem,
    Directive,
    Meeting,
    Notification,
    Organisation,
    ReminderLog,
    SchedulerHeartbeat,
    Task,
    User,
    task_coordinator,
)
from app.reminders import emails, rules
from app.reminders.policy import ReminderPolicy, load_policy
from app.reminders.rules import Audience, Obligation
from app.reminders.workdays import WorkingCalendar, load_calendar
from app.tasks.units import task_has_overdue_unit, unit_overdue, units_from

#: Keys checked / rows inserted per statement (well under SQLite's variable limit).
CHUNK = 2000
DIGEST_SECTION_LIMIT = 100
CHIEF_DIGEST_LIMIT = 300
DIGEST_KINDS = frozenset({ReminderKind.AGENCY_DIGEST, ReminderKind.CHIEF_DIGEST})
OPEN = sorted(OPEN_STATUSES)


# ------------------------------------------------------------------------------------------------
# Recipients
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Person:
    """A recipient: a user account, or an organisation's contact mailbox (``user_id`` None)."""

    user_id: int | None
    email: str
    name: str
    daily: bool = False


@dataclass
class Directory:
    """Who receives what, loaded once per tick (a few hundred accounts at most)."""

    officers: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    heads: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    contacts: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    chiefs: list[Person] = field(default_factory=list)
    committee: list[Person] = field(default_factory=list)
    org_names: dict[int, str] = field(default_factory=dict)
    by_email: dict[str, Person] = field(default_factory=dict)

    def people(self, audience: Audience, org_id: int) -> list[Person]:
        """Agency reminders go to its officers (else its head, else its mailbox); escalations to the
        agency head (else its mailbox), the office chiefs, or the standing committee members."""
        if audience is Audience.AGENCY:
            return self.officers.get(org_id) or self.heads.get(org_id) or self.contacts.get(org_id) or []
        if audience is Audience.HEAD:
            return self.heads.get(org_id) or self.contacts.get(org_id) or []
        if audience is Audience.CHIEF:
            return self.chiefs
        return self.committee

    def digest_people(self, org_id: int) -> list[Person]:
        """An agency's weekly digest: its officers and head, and its contact addresses."""
        seen: dict[str, Person] = {}
        for person in [*self.officers.get(org_id, ()), *self.heads.get(org_id, ()), *self.contacts.get(org_id, ())]:
            seen.setdefault(person.email, person)
        return list(seen.values())


def load_directory() -> Directory:
    directory = Directory()
    for org_id, name, contact_emails in db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.contact_emails)
    ):
        directory.org_names[org_id] = name
        for line in (contact_emails or "").splitlines():
            email = line.strip().lower()
            if email and "@" in email:
                directory.contacts[org_id].append(Person(None, email, name))
    users = db.session.execute(
        sa.select(User.id, User.email, User.name, User.role, User.organisation_id, User.notification_mode)
        .where(User.is_active_account.is_(True))
        .order_by(User.id)
    )
    for user_id, email, name, role, org_id, mode in users:
        person = Person(user_id, email.strip().lower(), name, mode == "daily")
        directory.by_email[person.email] = person
        if role is Role.AGENCY_OFFICER:
            directory.officers[org_id].append(person)
        elif role is Role.AGENCY_HEAD:
            directory.heads[org_id].append(person)
        elif role is Role.OFFICE_CHIEF:
            directory.chiefs.append(person)
        elif role is Role.COMMITTEE:
            directory.committee.append(person)
    return directory


# ------------------------------------------------------------------------------------------------
# Planning: what is due today
# ------------------------------------------------------------------------------------------------

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

    own_due = sa.func.coalesce(ContentItem.due_date, Task.due_date)
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
               own_due < horizon)
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
        for chunk in _chunks(list(tasks)):
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
    keys, details = _plan(today, policy, calendar, directory)
    return [_planned(key, detail) for key, detail in zip(keys, details, strict=True)]


def _planned(key: str, detail: tuple) -> PlannedReminder:
    due, task_id, org_id, person = detail
    return PlannedReminder(key, due.kind, due.slot, task_id, org_id, person, due.key_date, due.working_days)


def _plan(today: date, policy: ReminderPolicy, calendar: WorkingCalendar, directory: Directory) -> tuple[list[str], list[tuple]]:
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
                or db.session.scalar(sa.select(sa.exists().where(_needs_attention_clause(now, policy)))))


def _drop_idle_digests(fresh: list[PlannedReminder], today: date, now: datetime, policy: ReminderPolicy) -> list[PlannedReminder]:
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


# ------------------------------------------------------------------------------------------------
# The tick
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReminderLine:
    """One line of the CLI's report: a reminder sent, failed, or (dry run) that would be sent."""

    action: str
    kind: ReminderKind
    task_id: int | None
    email: str
    key_date: date | None
    subject: str
    error: str | None = None

    def __str__(self) -> str:
        task = f"task {self.task_id}" if self.task_id else "—"
        tail = f"  !! {self.error}" if self.error else ""
        day = self.key_date.isoformat() if self.key_date else "—"
        return f"{self.action:<10} {self.kind.value:<20} {task:<12} {self.email:<40} {day}  {self.subject}{tail}"


@dataclass
class TickResult:
    today: date
    dry_run: bool = False
    due: int = 0
    claimed: int = 0
    deferred: int = 0
    retried: int = 0
    skipped: int = 0
    interrupted: int = 0
    lines: list[ReminderLine] = field(default_factory=list)
    plan_ms: float = 0.0
    #: Time spent in the send loop itself (SMTP connection open to last message marked).
    send_ms: float = 0.0
    total_ms: float = 0.0

    @property
    def sent(self) -> int:
        return sum(1 for line in self.lines if line.action == "sent")

    @property
    def failed(self) -> int:
        return sum(1 for line in self.lines if line.action == "failed")

    def summary(self) -> str:
        if self.dry_run:
            return (f"{self.today.isoformat()} (thử, không gửi): {self.due} nhắc việc đến hạn, "
                    f"{len(self.lines)} sẽ gửi, {self.deferred} để ngày mai (tổng hợp ngày); "
                    f"{self.total_ms:.0f} ms")
        return (f"{self.today.isoformat()}: {self.due} nhắc việc đến hạn, {self.claimed} mới, đã gửi {self.sent} thư, "
                f"lỗi {self.failed}, gửi lại {self.retried}, bỏ qua {self.skipped}, để ngày mai {self.deferred}, "
                f"gián đoạn {self.interrupted}; {self.total_ms:.0f} ms")


def run_tick(today: date, *, now: datetime, dry_run: bool = False) -> TickResult:
    """One reminder tick as of ``today`` (local date) and ``now`` (UTC): plan, claim, send, mark.

    Idempotent: a second run on the same day sends nothing new.  A job boundary: commits the claims
    before sending, and each send's outcome right after it.  ``dry_run`` computes and reports what
    would be sent and writes nothing.
    """
    started = time.perf_counter()
    result = TickResult(today=today, dry_run=dry_run)
    policy = load_policy()
    calendar = load_calendar(today)
    directory = load_directory()
    keys, details = _plan(today, policy, calendar, directory)
    missing = missing_keys(keys)
    fresh = [_planned(key, detail) for key, detail in zip(keys, details, strict=True) if key in missing]
    idle = len(fresh)
    fresh = _drop_idle_digests(fresh, today, now, policy)
    result.due = len(keys) - (idle - len(fresh))
    fresh, deferred = _defer_daily_recipients(keys, details, fresh, today)
    result.deferred = len(deferred)
    subjects = subjects_for(fresh, directory)
    result.plan_ms = (time.perf_counter() - started) * 1000
    if dry_run:
        result.lines = [ReminderLine("would_send", p.kind, p.task_id, p.person.email, p.key_date, subjects[p.key]) for p in fresh]
        db.session.rollback()
        result.total_ms = (time.perf_counter() - started) * 1000
        return result
    result.interrupted = flag_interrupted_sends(now, policy, directory)
    db.session.commit()
    claimed_ids: list[int] = claim(fresh, subjects, now) if fresh else []
    result.claimed = len(claimed_ids)
    db.session.commit()
    deliver_pending(today, now, policy, calendar, directory, result, fresh_ids=set(claimed_ids))
    result.total_ms = (time.perf_counter() - started) * 1000
    return result


def _chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def missing_keys(keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are not in the log yet.  One statement (a JSON array on SQLite, an array
    parameter on PostgreSQL) probing the unique index of ``dedupe_key``; only the missing keys
    come back, so a tick with nothing new transfers nothing."""
    if not keys:
        return set()
    table = ReminderLog.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        wanted = (sa.func.unnest(sa.bindparam("keys", sorted(keys), type_=postgresql.ARRAY(sa.String)))
                  .table_valued("key").render_derived(name="wanted"))
    else:
        wanted = sa.func.json_each(sa.bindparam("keys", json.dumps(sorted(keys)), type_=sa.String)).table_valued("value")
    value = wanted.c[0]
    stmt = sa.select(value).select_from(wanted).where(~sa.exists().where(table.c.dedupe_key == value))
    return set(db.session.execute(stmt).scalars().all())


def claimed_keys(keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are already in the log."""
    return set(keys) - missing_keys(keys)


def claimed_today(keys: Sequence[str], today: date) -> set[str]:
    """Recipients among ``keys``' rows who were sent something claimed on ``today`` (local)."""
    start = datetime.combine(today, datetime.min.time(), LOCAL_TZ).astimezone(UTC)
    found: set[str] = set()
    for chunk in _chunks(list(keys)):
        found.update(db.session.scalars(
            sa.select(ReminderLog.recipient_email).where(ReminderLog.dedupe_key.in_(chunk), ReminderLog.claimed_at >= start)
        ))
    return found


def _defer_daily_recipients(keys: list[str], details: list[tuple], fresh: list[PlannedReminder], today: date):
    """Daily-digest users get one e-mail a day: if they already had today's, new ones wait a day
    (they are still due tomorrow, since the rules are level-triggered)."""
    daily = {r.person.email for r in fresh if r.person.daily and r.kind not in DIGEST_KINDS}
    if not daily:
        return fresh, []
    fresh_keys = {r.key for r in fresh}
    theirs = [key for key, detail in zip(keys, details, strict=True) if detail[3].email in daily and key not in fresh_keys]
    had_today = claimed_today(theirs, today)
    keep, deferred = [], []
    for reminder in fresh:
        if reminder.person.daily and reminder.kind not in DIGEST_KINDS and reminder.person.email in had_today:
            deferred.append(reminder)
        else:
            keep.append(reminder)
    return keep, deferred


def _task_titles(task_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(task_ids))
    titles: dict[int, str] = {}
    for chunk in _chunks(ids):
        titles.update(db.session.execute(sa.select(Task.id, Task.title).where(Task.id.in_(chunk))).all())
    return titles


def subjects_for(reminders: Sequence[PlannedReminder], directory: Directory) -> dict[str, str]:
    """The subject of each reminder as stored in the log (and used for single e-mails)."""
    titles = _task_titles(r.task_id for r in reminders if r.task_id)
    subjects: dict[str, str] = {}
    for r in reminders:
        org_name = directory.org_names.get(r.org_id, "") if r.org_id else ""
        if r.kind is ReminderKind.AGENCY_DIGEST:
            subjects[r.key] = emails.agency_digest_subject(org_name, r.key_date)
        elif r.kind is ReminderKind.CHIEF_DIGEST:
            subjects[r.key] = emails.chief_digest_subject(r.key_date)
        else:
            subjects[r.key] = emails.item_subject(r.kind, titles.get(r.task_id, ""), r.working_days, r.key_date, org_name)
    return subjects


def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table))


def claim(reminders: Sequence[PlannedReminder], subjects: dict[str, str], now: datetime) -> list[int]:
    """Insert the reminders' log rows unless their key exists (``ON CONFLICT DO NOTHING``), add the
    in-app notifications of the rows actually inserted, and return their ids.  Flushes only: the
    caller commits before sending."""
    by_key = {r.key: r for r in reminders}
    inserted: list[tuple[int, str]] = []
    table = ReminderLog.__table__
    stmt = _insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id, table.c.dedupe_key)
    for chunk in _chunks(list(reminders)):
        rows = [{
            "dedupe_key": r.key, "kind": r.kind, "task_id": r.task_id, "organisation_id": r.org_id,
            "recipient_user_id": r.person.user_id, "recipient_email": r.person.email, "due_date": r.key_date,
            "subject": subjects[r.key][:500], "state": ReminderState.CLAIMED, "attempts": 0, "claimed_at": now,
        } for r in chunk]
        inserted.extend((row[0], row[1]) for row in db.session.execute(stmt, rows))
    notifications = [{
        "user_id": by_key[key].person.user_id, "task_id": by_key[key].task_id, "kind": by_key[key].kind.value,
        "message": subjects[key][:1000], "created_at": now,
    } for _id, key in inserted if by_key[key].person.user_id is not None]
    for chunk in _chunks(notifications):
        db.session.execute(sa.insert(Notification.__table__), list(chunk))
    return [row_id for row_id, _key in inserted]


# ------------------------------------------------------------------------------------------------
# Interrupted sends (the office chief's list)
# ------------------------------------------------------------------------------------------------

def _interrupted_clause(now: datetime, policy: ReminderPolicy):
    return sa.and_(ReminderLog.state == ReminderState.CLAIMED, ReminderLog.next_attempt_at.is_not(None),
                   ReminderLog.next_attempt_at < now - timedelta(minutes=policy.stuck_after_minutes))


def _needs_attention_clause(now: datetime, policy: ReminderPolicy):
    given_up = sa.and_(ReminderLog.state == ReminderState.FAILED, ReminderLog.next_attempt_at.is_(None))
    return sa.or_(_interrupted_clause(now, policy), given_up)


def flag_interrupted_sends(now: datetime, policy: ReminderPolicy, directory: Directory) -> int:
    """Find sends that began but never finished (the process died mid-way), note it on the row, and
    tell the office chiefs once.  They are not re-sent: the message may have gone out."""
    rows = db.session.execute(
        sa.select(ReminderLog.id, ReminderLog.task_id, ReminderLog.subject, ReminderLog.recipient_email)
        .where(_interrupted_clause(now, policy), ReminderLog.last_error.is_(None))
    ).all()
    if not rows:
        return 0
    note = _("Gián đoạn khi đang gửi (tiến trình dừng đột ngột): có thể chưa đến người nhận.")
    db.session.execute(sa.update(ReminderLog.__table__).where(ReminderLog.__table__.c.id.in_([r.id for r in rows]))
                       .values(last_error=note))
    notifications = [{
        "user_id": chief.user_id, "task_id": row.task_id, "kind": "reminder_interrupted",
        "message": _("Nhắc việc gửi %(email)s bị gián đoạn, có thể chưa đến người nhận: %(subject)s",
                     email=row.recipient_email, subject=row.subject)[:1000],
        "created_at": now,
    } for row in rows for chief in directory.chiefs if chief.user_id is not None]
    if notifications:
        db.session.execute(sa.insert(Notification.__table__), notifications)
    return len(rows)


def attention_items(now: datetime, policy: ReminderPolicy | None = None, limit: int = 200) -> list[ReminderLog]:
    """Reminders that need a person: interrupted mid-send, or given up after failing."""
    policy = policy or load_policy()
    return list(db.session.scalars(
        sa.select(ReminderLog).where(_needs_attention_clause(now, policy)).order_by(ReminderLog.id).limit(limit)
    ))


def attention_count(now: datetime, policy: ReminderPolicy | None = None) -> int:
    policy = policy or load_policy()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog).where(_needs_attention_clause(now, policy))) or 0


def _attention_row(log_id: int, now: datetime) -> ReminderLog:
    row = db.session.get(ReminderLog, log_id)
    if row is None:
        raise NotFound(_("Không tìm thấy nhắc việc."))
    if not db.session.scalar(sa.select(sa.exists().where(ReminderLog.id == log_id, _needs_attention_clause(now, load_policy())))):
        raise Conflict(_("Nhắc việc này không ở trạng thái cần xử lý (có thể người khác đã xử lý)."))
    return row


def resend_reminder(actor, log_id: int, now: datetime) -> ReminderLog:
    """The office chief asks for an interrupted or given-up reminder to be sent again (next tick)."""
    row = _attention_row(log_id, now)
    before = audit.snapshot(row, ("state", "next_attempt_at", "last_error"))
    row.state = ReminderState.FAILED
    row.next_attempt_at = now
    row.last_error = _("Gửi lại theo yêu cầu của %(name)s.", name=actor.name)
    db.session.flush()
    audit.record(actor, "reminder_resend", row, task_id=row.task_id, summary=row.subject, before=before,
                 after=audit.snapshot(row, ("state", "next_attempt_at", "last_error")))
    return row


def dismiss_reminder(actor, log_id: int, now: datetime) -> ReminderLog:
    """The office chief closes an interrupted or given-up reminder (e.g. confirmed by telephone)."""
    row = _attention_row(log_id, now)
    before = audit.snapshot(row, ("state", "next_attempt_at", "last_error"))
    row.state = ReminderState.SKIPPED
    row.next_attempt_at = None
    row.last_error = _("Đã xử lý bởi %(name)s.", name=actor.name)
    db.session.flush()
    audit.record(actor, "reminder_dismiss", row, task_id=row.task_id, summary=row.subject, before=before,
                 after=audit.snapshot(row, ("state", "next_attempt_at", "last_error")))
    return row


# ------------------------------------------------------------------------------------------------
# Delivery
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    kind: ReminderKind
    task_id: int | None
    org_id: int | None
    email: str
    user_id: int | None
    due_date: date | None
    subject: str
    state: ReminderState
    attempts: int
    claimed_at: datetime


def _sendable(now: datetime):
    """Queued (claimed, never tried) or failed with its retry time come."""
    log = ReminderLog.__table__
    return sa.or_(sa.and_(log.c.state == ReminderState.CLAIMED, log.c.next_attempt_at.is_(None)),
                  sa.and_(log.c.state == ReminderState.FAILED, log.c.next_attempt_at <= now))


def _sendable_rows(now: datetime) -> list[_Row]:
    rows = db.session.execute(
        sa.select(ReminderLog.id, ReminderLog.kind, ReminderLog.task_id, ReminderLog.organisation_id,
                  ReminderLog.recipient_email, ReminderLog.recipient_user_id, ReminderLog.due_date, ReminderLog.subject,
                  ReminderLog.state, ReminderLog.attempts, ReminderLog.claimed_at)
        .where(_sendable(now)).order_by(ReminderLog.id)
    ).all()
    return [_Row(*row) for row in rows]


def _current_obligations(task_ids: Iterable[int]) -> dict[int, list[Obligation]]:
    """Today's streams of the given tasks (to drop queued reminders that are no longer wanted)."""
    ids = sorted(set(task_ids))
    snapshots: dict[int, rules.TaskSnapshot] = {}
    items: dict[int, list[rules.ItemSnapshot]] = defaultdict(list)
    for chunk in _chunks(ids):
        for task_id, lead, due, status, kind in db.session.execute(
            sa.select(Task.id, Task.lead_org_id, Task.due_date, Task.status, Task.kind).where(Task.id.in_(chunk))
        ):
            snapshots[task_id] = rules.TaskSnapshot(task_id, lead, due, status, kind)
        for task_id, lead, due, status in db.session.execute(
            sa.select(ContentItem.task_id, ContentItem.lead_org_id, ContentItem.due_date, ContentItem.status)
            .where(ContentItem.task_id.in_(chunk))
        ):
            items[task_id].append(rules.ItemSnapshot(lead, due, status))
    return {
        task_id: rules.obligations_for(rules.TaskSnapshot(s.id, s.lead_org_id, s.due_date, s.status, s.kind, tuple(items[task_id])))
        for task_id, s in snapshots.items()
    }


def _still_wanted(row: _Row, obligations: dict[int, list[Obligation]]) -> bool:
    if row.kind in DIGEST_KINDS:
        return True
    streams = obligations.get(row.task_id or 0, [])
    if row.kind is ReminderKind.REPORTING_CALL:
        return any(ob.continuous for ob in streams)
    if row.kind in (ReminderKind.ESCALATION_CHIEF, ReminderKind.ESCALATION_COMMITTEE):
        return any(ob.due_date == row.due_date for ob in streams)
    return any(ob.due_date == row.due_date and ob.org_id == row.org_id for ob in streams)


def _drop_unwanted(rows: list[_Row]) -> tuple[list[_Row], int]:
    """Queued or failed reminders whose task was completed or whose due date moved are skipped."""
    if not rows:
        return rows, 0
    obligations = _current_obligations(r.task_id for r in rows if r.task_id)
    keep = [r for r in rows if _still_wanted(r, obligations)]
    dropped = [r.id for r in rows if not _still_wanted(r, obligations)]
    for chunk in _chunks(dropped):
        log = ReminderLog.__table__
        db.session.execute(
            sa.update(log).where(log.c.id.in_(chunk), log.c.state != ReminderState.SENT)
            .values(state=ReminderState.SKIPPED, next_attempt_at=None,
                    last_error=_("Không gửi: nhiệm vụ đã hoàn thành hoặc đã đổi hạn."))
        )
    return keep, len(dropped)


def _group_for_sending(rows: list[_Row], directory: Directory) -> list[list[_Row]]:
    """One message per reminder, except daily-digest users, who get theirs in one message."""
    groups: list[list[_Row]] = []
    daily: dict[str, list[_Row]] = {}
    for row in rows:
        person = directory.by_email.get(row.email)
        if row.kind not in DIGEST_KINDS and person is not None and person.daily:
            if row.email not in daily:
                daily[row.email] = []
                groups.append(daily[row.email])
            daily[row.email].append(row)
        else:
            groups.append([row])
    return groups


def sender_tag() -> str:
    """host:pid of this process, put in every message (shows which scheduler sent it)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver_pending(today: date, now: datetime, policy: ReminderPolicy, calendar: WorkingCalendar,
                    directory: Directory, result: TickResult, *, fresh_ids: set[int] = frozenset()) -> None:
    """Send every queued reminder and every failed one whose retry time has come, over one SMTP
    connection.  Commits around each message (see the module docstring)."""
    rows = _sendable_rows(now)
    if not rows:
        return
    older, result.skipped = _drop_unwanted([r for r in rows if r.id not in fresh_ids])
    rows = sorted([r for r in rows if r.id in fresh_ids] + older, key=lambda r: r.id)
    result.retried = sum(1 for r in rows if r.state is ReminderState.FAILED)
    groups = _group_for_sending(rows, directory)
    composer = _Composer(today, calendar, directory, policy, now)
    composer.prepare(groups)
    db.session.commit()  # no transaction may stay open while we wait on the mail server
    if groups:
        started = time.perf_counter()
        _SendLoop(now, policy, result).run(groups, composer)
        result.send_ms = (time.perf_counter() - started) * 1000


def _id_list(name: str):
    """``id IN (…)`` for a list parameter (expanding: one ``id = ?`` for one id, so the primary key
    is used; an ``= ANY(array)`` form measured slower on PostgreSQL)."""
    return ReminderLog.__table__.c.id.in_(sa.bindparam(name, expanding=True))


def _send_statements():
    """The per-message statements, built once (their compiled form is then cached)."""
    log = ReminderLog.__table__
    sendable = sa.or_(sa.and_(log.c.state == ReminderState.CLAIMED, log.c.next_attempt_at.is_(None)),
                      sa.and_(log.c.state == ReminderState.FAILED,
                              log.c.next_attempt_at <= sa.bindparam("tick_now", type_=UTCDateTime())))
    def start_statement(was_sent, starting):
        """One statement marks the previous message sent and the next one in flight (one round trip)."""
        return (sa.update(log)
                .where(sa.or_(sa.and_(was_sent, log.c.state == ReminderState.CLAIMED), sa.and_(starting, sendable)))
                .values(state=sa.case((was_sent, sa.literal(ReminderState.SENT.value)),
                                      else_=sa.literal(ReminderState.CLAIMED.value)),
                        sent_at=sa.case((was_sent, sa.bindparam("sent_at_", type_=UTCDateTime())), else_=log.c.sent_at),
                        last_error=sa.case((was_sent, sa.null()), else_=log.c.last_error),
                        attempts=sa.case((was_sent, log.c.attempts), else_=log.c.attempts + 1),
                        next_attempt_at=sa.case((was_sent, log.c.next_attempt_at),
                                                else_=sa.bindparam("attempt_at", type_=UTCDateTime())))
                .returning(log.c.id))

    start = start_statement(_id_list("sent_ids"), _id_list("ids"))
    # The usual case (one reminder per message) without list parameters to expand on every call.
    start_one = start_statement(log.c.id == sa.bindparam("sent_id", type_=sa.Integer),
                                log.c.id == sa.bindparam("one_id", type_=sa.Integer))
    sent = (sa.update(log).where(_id_list("ids"), log.c.state == ReminderState.CLAIMED)
            .values(state=ReminderState.SENT, sent_at=sa.bindparam("sent_at_", type_=UTCDateTime()), last_error=None))
    failed = (sa.update(log).where(log.c.id == sa.bindparam("row_id"), log.c.state == ReminderState.CLAIMED)
              .values(state=ReminderState.FAILED, last_error=sa.bindparam("error"),
                      next_attempt_at=sa.bindparam("retry_at", type_=UTCDateTime())))
    not_reached = (sa.update(log).where(log.c.id == sa.bindparam("row_id"), sendable)
                   .values(state=ReminderState.FAILED, attempts=log.c.attempts + 1, last_error=sa.bindparam("error"),
                           next_attempt_at=sa.bindparam("retry_at", type_=UTCDateTime())))
    return start, start_one, sent, failed, not_reached


class _SendLoop:
    """Attempt → send → mark, one message at a time, on a database connection of its own.

    Each message's "attempt started" is committed before it goes to the server; its outcome is
    written in the same commit as the next message's start (and at the end), so a process killed
    at any instant leaves at most one message whose fate is unknown.
    """

    def __init__(self, now: datetime, policy: ReminderPolicy, result: TickResult):
        self.now, self.policy, self.result = now, policy, result
        self.clock_start = time.perf_counter()
        self.pending_sent: list[int] = []
        self.pending_failed: list[dict] = []
        self.pending_not_reached: list[dict] = []
        self.tag = sender_tag()
        self.start_stmt, self.start_one_stmt, self.sent_stmt, self.failed_stmt, self.not_reached_stmt = _send_statements()
        self.conn: sa.Connection | None = None

    def at(self) -> datetime:
        return self.now + timedelta(seconds=time.perf_counter() - self.clock_start)

    def run(self, groups: list[list[_Row]], composer: _Composer) -> None:
        self.conn = db.engine.connect()
        # Each mark is a single statement, atomic on its own: on PostgreSQL autocommit saves the
        # BEGIN and COMMIT round trips.  (SQLite keeps explicit transactions: its BEGIN IMMEDIATE
        # is what queues writers, see app.core.database.)
        if self.conn.dialect.name == "postgresql":
            self.conn = self.conn.execution_options(isolation_level="AUTOCOMMIT")
        try:
            self._run(groups, composer)
        finally:
            with self._transaction():
                self._flush_marks()
            self.conn.close()

    def _transaction(self):
        return contextlib.nullcontext() if self.conn.dialect.name == "postgresql" else self.conn.begin()

    def _run(self, groups: list[list[_Row]], composer: _Composer) -> None:
        try:
            connection = emails.open_connection().__enter__()
        except (OSError, smtplib.SMTPException) as error:
            for group in groups:
                self._fail(group, f"{type(error).__name__}: {error}", reached=False)
            return
        ahead = _Precomposer(composer, groups, self.tag)
        try:
            for index, group in enumerate(groups):
                got = self._start_attempt(group)
                if not got:
                    continue
                rows = [r for r in group if r.id in got]
                # Composed ahead while this loop waited, unless another tick took part of the group.
                message = ahead.take(index) if len(rows) == len(group) else composer.message(rows, self.tag)
                if message is None:  # its task vanished meanwhile: nothing to say
                    self._fail(rows, "task missing", permanent=True)
                    continue
                try:
                    connection.send(message)
                except smtplib.SMTPRecipientsRefused as error:
                    code = min((c for c, _m in error.recipients.values()), default=550)
                    self._fail(rows, f"{code} {error.recipients}", permanent=code >= 500)
                except smtplib.SMTPResponseException as error:
                    self._fail(rows, f"{error.smtp_code} {error.smtp_error!r}", permanent=error.smtp_code >= 500)
                except (OSError, smtplib.SMTPException) as error:
                    self._fail(rows, f"{type(error).__name__}: {error}")
                    if not self._reconnect(connection, groups[index + 1:]):
                        break
                else:
                    self.pending_sent.extend(r.id for r in rows)
                    for row in rows:
                        self.result.lines.append(ReminderLine("sent", row.kind, row.task_id, row.email, row.due_date, message.subject))
        finally:
            ahead.close()
            connection.__exit__(None, None, None)

    def _reconnect(self, connection, remaining: list[list[_Row]]) -> bool:
        try:
            connection.reconnect()
            return True
        except (OSError, smtplib.SMTPException) as error:
            for group in remaining:
                self._fail(group, f"{type(error).__name__}: {error}", reached=False)
            return False

    def _flush_marks(self) -> None:
        if self.pending_sent:
            self.conn.execute(self.sent_stmt, {"ids": self.pending_sent, "sent_at_": self.at()})
            self.pending_sent = []
        for params in self.pending_failed:
            self.conn.execute(self.failed_stmt, params)
        for params in self.pending_not_reached:
            self.conn.execute(self.not_reached_stmt, {**params, "tick_now": self.now})
        self.pending_failed, self.pending_not_reached = [], []

    def _start_attempt(self, group: list[_Row]) -> set[int]:
        """Mark the rows in flight and commit (with the previous message's outcome); returns the
        ids this process got (another tick may have taken some)."""
        sent, self.pending_sent = self.pending_sent, []
        at = self.at()
        common = {"sent_at_": at, "tick_now": self.now, "attempt_at": at}
        with self._transaction():
            self._flush_marks()
            if len(group) == 1 and len(sent) <= 1:
                stmt, params = self.start_one_stmt, {"one_id": group[0].id, "sent_id": sent[0] if sent else None}
            else:
                stmt, params = self.start_stmt, {"ids": [r.id for r in group], "sent_ids": sent}
            touched = set(self.conn.execute(stmt, {**params, **common}).scalars())
        return touched - set(sent)

    def _fail(self, rows: list[_Row], error: str, *, permanent: bool = False, reached: bool = True) -> None:
        """Note rows failed, with the next retry time (none when permanent or past the give-up age).
        ``reached=False``: the server was never reached, so the rows are still queued/due and the
        try is counted here."""
        at = self.at()
        give_up_before = at - timedelta(hours=self.policy.retry_give_up_hours)
        for row in rows:
            attempts = row.attempts + 1
            too_old = row.claimed_at <= give_up_before
            retry_at = None if permanent or too_old else at + timedelta(minutes=self.policy.backoff_minutes(attempts))
            params = {"row_id": row.id, "error": error[:2000], "retry_at": retry_at}
            (self.pending_failed if reached else self.pending_not_reached).append(params)
            self.result.lines.append(ReminderLine("failed", row.kind, row.task_id, row.email, row.due_date, row.subject, error[:200]))


# ------------------------------------------------------------------------------------------------
# Composing messages (all data read before the send loop starts)
# ------------------------------------------------------------------------------------------------

_COMPOSE_FAILED = object()


class _Precomposer:
    """Composes the send loop's messages ahead of it, on a thread of its own.

    Rendering a reminder (two templates, base64 parts, headers) is pure computation, while the loop
    mostly waits: on the database for each mark, on the SMTP server for each command.  Composing the
    next messages during those waits takes that work off each message's path.  The thread never
    touches the database (the composer read everything before) and sends nothing: what is claimed,
    sent and marked, and in which order, is the loop's alone.  Anything unexpected here (an error,
    a thread gone) falls back to composing in the loop, as without it.
    """

    AHEAD = 32

    def __init__(self, composer: _Composer, groups: list[list[_Row]], tag: str):
        self._queue: queue.Queue = queue.Queue(maxsize=self.AHEAD)
        self._stop = threading.Event()
        self._composer, self._groups, self._tag = composer, groups, tag
        self._thread = threading.Thread(target=self._work, args=(current_app._get_current_object(),),
                                        name="reminder-composer", daemon=True)
        self._thread.start()

    def _work(self, app) -> None:
        with app.app_context():
            for index, group in enumerate(self._groups):
                if self._stop.is_set():
                    return
                try:
                    message = self._composer.message(group, self._tag)
                    if message is not None:
                        message.freeze()
                except Exception:  # noqa: BLE001 - the loop composes this one itself and sees the error
                    message = _COMPOSE_FAILED
                while not self._stop.is_set():
                    try:
                        self._queue.put((index, message), timeout=0.1)
                        break
                    except queue.Full:
                        continue

    def take(self, index: int):
        """The message of group ``index`` (earlier ones the loop skipped are dropped)."""
        while True:
            try:
                got, message = self._queue.get(timeout=1)
            except queue.Empty:
                if self._thread.is_alive():
                    continue
                break
            if got < index:
                continue
            if got == index and message is not _COMPOSE_FAILED:
                return message
            break
        return self._composer.message(self._groups[index], self._tag)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class _Composer:
    """Reads what the messages need up front, then renders them without touching the database."""

    def __init__(self, today: date, calendar: WorkingCalendar, directory: Directory, policy: ReminderPolicy, now: datetime):
        self.today, self.calendar, self.directory, self.policy, self.now = today, calendar, directory, policy, now
        self.tasks: dict[int, emails.TaskView] = {}
        self.agency_digests: dict[int, dict] = {}
        self.chief_digest: dict | None = None

    def prepare(self, groups: list[list[_Row]]) -> None:
        """Load everything the messages will say (tasks, digest contents) before sending starts."""
        self._load_tasks([r.task_id for group in groups for r in group if r.task_id])
        for group in groups:
            first = group[0]
            if first.kind is ReminderKind.AGENCY_DIGEST and first.org_id not in self.agency_digests:
                self.agency_digests[first.org_id] = self._agency_digest(first.org_id)
            if first.kind is ReminderKind.CHIEF_DIGEST and self.chief_digest is None:
                self.chief_digest = self._chief_digest()

    def _load_tasks(self, task_ids: list[int]) -> None:
        for chunk in _chunks(sorted(set(task_ids))):
            stmt = (
                sa.select(Task.id, Task.title, Task.description, Task.due_date, Task.status, Task.is_confidential,
                          Task.lead_org_id, Directive.number, Directive.doc_type, Directive.issuer_suffix)
                .join(Directive, Directive.id == Task.directive_id)
                .where(Task.id.in_(chunk))
            )
            for row in db.session.execute(stmt):
                self.tasks[row.id] = self._view(row)

    def _view(self, row) -> emails.TaskView:
        if row.is_confidential:
            return emails.TaskView(row.id, row.title, emails.task_url(row.id), True)
        symbol = None
        if row.number:
            symbol = f"{row.number}-{row.doc_type}/{row.issuer_suffix}" if row.issuer_suffix else row.number
        return emails.TaskView(row.id, row.title, emails.task_url(row.id), False, row.due_date, row.description or "",
                               symbol, self.directory.org_names.get(row.lead_org_id, ""), TaskStatus.coerce(row.status).label)

    def _working_days(self, kind: ReminderKind, key_date: date) -> int:
        cal = self.calendar
        if kind is ReminderKind.BEFORE_DUE:
            return cal.working_days_between(self.today, cal.last_working_day_on_or_before(key_date))
        if kind in (ReminderKind.DUE_TODAY,):
            return 0
        if kind is ReminderKind.REPORTING_CALL:
            return cal.working_days_between(self.today, key_date)
        return max(0, cal.working_days_between(key_date, self.today))

    def _lines(self, rows, *, today: date) -> list[emails.DigestLine]:
        cal = self.calendar
        reach = max(self.policy.before_due_working_days or (7,))
        lines = []
        for row in rows:
            view = self._view(row)
            late = rules.planned_lateness(row.due_date, today, cal) if row.due_date and row.kind is not TaskKind.CONTINUOUS else 0
            left = cal.working_days_between(today, row.due_date) if row.due_date and row.due_date >= today else None
            if left is not None and left > reach:
                left = None
            lines.append(emails.DigestLine(view, self.directory.org_names.get(row.lead_org_id, ""), row.due_date, late, left,
                                           TaskStatus.coerce(row.status).label))
        return lines

    def _agency_digest(self, org_id: int) -> dict:
        rows = db.session.execute(
            sa.select(Task.id, Task.title, Task.description, Task.due_date, Task.status, Task.is_confidential, Task.kind,
                      Task.lead_org_id, Directive.number, Directive.doc_type, Directive.issuer_suffix)
            .join(Directive, Directive.id == Task.directive_id)
            .where(Task.status.in_(OPEN), in_agency_tasks(org_id))
            .order_by(Task.due_date.is_(None), Task.due_date, Task.id)
        ).all()
        soon_limit = self.calendar.add_working_days(self.today, max(self.policy.before_due_working_days or (7,)))
        sections: dict[str, list] = {"overdue": [], "due_soon": [], "other": [], "continuous": []}
        for row in rows:
            if row.kind is TaskKind.CONTINUOUS:
                sections["continuous"].append(row)
            elif row.due_date is not None and row.due_date < self.today:
                sections["overdue"].append(row)
            elif row.due_date is not None and row.due_date <= soon_limit:
                sections["due_soon"].append(row)
            else:
                sections["other"].append(row)
        truncated = 0
        rendered: dict[str, list[emails.DigestLine]] = {}
        for name, section in sections.items():
            truncated += max(0, len(section) - DIGEST_SECTION_LIMIT)
            rendered[name] = self._lines(section[:DIGEST_SECTION_LIMIT], today=self.today)
        return {"org_name": self.directory.org_names.get(org_id, ""), "truncated": truncated, **rendered}

    def _chief_digest(self) -> dict:
        rows = db.session.execute(
            sa.select(Task.id, Task.title, Task.description, Task.due_date, Task.status, Task.is_confidential, Task.kind,
                      Task.lead_org_id, Directive.number, Directive.doc_type, Directive.issuer_suffix)
            .join(Directive, Directive.id == Task.directive_id)
            .where(task_has_overdue_unit(self.today))
            .order_by(Task.due_date, Task.id)
            .limit(CHIEF_DIGEST_LIMIT + 1)
        ).all()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(task_has_overdue_unit(self.today))) or 0
        by_org: dict[int, list] = defaultdict(list)
        for row in rows[:CHIEF_DIGEST_LIMIT]:
            by_org[row.lead_org_id].append(row)
        names = self.directory.org_names
        by_agency = [(names.get(org_id, ""), self._lines(org_rows, today=self.today))
                     for org_id, org_rows in sorted(by_org.items(), key=lambda kv: (-len(kv[1]), names.get(kv[0], "")))]
        return {"by_agency": by_agency, "total": total, "truncated": max(0, total - CHIEF_DIGEST_LIMIT),
                "attention": attention_count(self.now, self.policy)}

    def message(self, rows: list[_Row], tag: str):
        first = rows[0]
        person = self.directory.by_email.get(first.email)
        name = person.name if person else self.directory.org_names.get(first.org_id or 0, first.email)
        if first.kind is ReminderKind.AGENCY_DIGEST:
            digest = self.agency_digests[first.org_id]
            rendered = emails.render_agency_digest(week_start=first.due_date, today=self.today, recipient_name=name,
                                                   subject=first.subject, **digest)
        elif first.kind is ReminderKind.CHIEF_DIGEST:
            rendered = emails.render_chief_digest(week_start=first.due_date, today=self.today, recipient_name=name,
                                                  subject=first.subject, **self.chief_digest)
        else:
            rows = [r for r in rows if r.task_id in self.tasks] or rows[:0]
            if not rows:
                return None
            entries = [emails.ItemEntry(r.kind, self.tasks[r.task_id], r.due_date, self._working_days(r.kind, r.due_date),
                                        self.directory.org_names.get(r.org_id or 0, "")) for r in rows]
            rendered = emails.render_items(entries, recipient_name=name, today=self.today,
                                           subject=None if len(entries) > 1 else first.subject)
        return emails.build_message(first.email, rendered, [r.id for r in rows], tag)


# ------------------------------------------------------------------------------------------------
# Log, heartbeat, status
# ------------------------------------------------------------------------------------------------

def list_log(*, state: str | None = None, kind: str | None = None, query: str | None = None,
             after_id: int | None = None, limit: int = 50) -> tuple[list[ReminderLog], int | None]:
    """One page of the reminder log, newest first, keyset-paginated on the id."""
    stmt = sa.select(ReminderLog).order_by(ReminderLog.id.desc()).limit(limit + 1)
    if state:
        stmt = stmt.where(ReminderLog.state == ReminderState.coerce(state))
    if kind:
        stmt = stmt.where(ReminderLog.kind == ReminderKind.coerce(kind))
    if query:
        text = query.strip()
        stmt = stmt.where(sa.or_(like_contains(ReminderLog.recipient_email, text), like_contains(ReminderLog.subject, text)))
    if after_id:
        stmt = stmt.where(ReminderLog.id < after_id)
    rows = list(db.session.scalars(stmt))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def state_counts() -> dict[ReminderState, int]:
    return {ReminderState.coerce(state): n for state, n in db.session.execute(
        sa.select(ReminderLog.state, sa.func.count()).group_by(ReminderLog.state))}


def record_heartbeat(process: str, *, is_leader: bool, started_at: datetime, now: datetime,
                     tick_summary: str | None = None) -> SchedulerHeartbeat:
    """Upsert this scheduler process's sign of life (flushed; the scheduler job commits)."""
    beat = db.session.scalar(sa.select(SchedulerHeartbeat).where(SchedulerHeartbeat.process == process))
    if beat is None:
        beat = SchedulerHeartbeat(process=process, started_at=started_at, last_seen_at=now)
        db.session.add(beat)
    beat.is_leader = is_leader
    beat.last_seen_at = now
    if tick_summary is not None:
        beat.last_tick_at = now
        beat.last_tick_summary = tick_summary[:4000]
    db.session.flush()
    return beat


def prune_heartbeats(now: datetime, *, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget processes not seen for a week (restarts leave one row each)."""
    return db.session.execute(sa.delete(SchedulerHeartbeat).where(SchedulerHeartbeat.last_seen_at < now - older_than)).rowcount


def scheduler_processes() -> list[SchedulerHeartbeat]:
    return list(db.session.scalars(sa.select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.last_seen_at.desc()).limit(20)))


#: The local time of day a tick "as of another day" acts at: the start of the office day.
TICK_TIME_OF_DAY = (8, 0)


def tick_now_for(today: date, at: tuple[int, int] | None = None) -> datetime:
    """The UTC instant a tick "as of ``today``" acts at.

    Today (by the clock) it is now. Any other day it is a fixed local time of that day, 08:00 unless
    ``at`` (hour, minute) says otherwise, never the real time of day moved to another date: a
    rehearsal of a past day gives the same result whenever it is run.
    """
    if at is None and today == now_local().date():
        return now_utc()
    hour, minute = at or TICK_TIME_OF_DAY
    return local_instant(today, hour, minute)


def mail_settings_summary() -> str:
    config = current_app.config
    return f"{config.get('MAIL_SERVER')}:{config.get('MAIL_PORT')} (timeout {config.get('MAIL_TIMEOUT')} s)"
