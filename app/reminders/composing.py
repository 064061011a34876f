"""Composing reminder messages: everything they say is read before the send loop starts, then
rendered without the database, ahead of the loop on a thread of its own."""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from app.core.enums import ReminderKind, TaskKind, TaskStatus
from app.core.permissions import in_agency_tasks
from app.extensions import db
from app.models import Directive, Task
from app.reminders import emails, rules
from app.reminders.attention import attention_count
from app.reminders.batches import chunks
from app.reminders.outbox import Row
from app.reminders.planning import OPEN
from app.reminders.policy import ReminderPolicy
from app.reminders.recipients import Directory
from app.reminders.workdays import WorkingCalendar
from app.tasks.units import task_has_overdue_unit

DIGEST_SECTION_LIMIT = 100
CHIEF_DIGEST_LIMIT = 300


_COMPOSE_FAILED = object()
#: Put by the composing thread when it ends, whatever ended it.
_DONE = object()


class Precomposer:
    """Composes the send loop's messages ahead of it, on a thread of its own.

    Rendering a reminder (two templates, base64 parts, headers) is pure computation, while the loop
    mostly waits: on the database for each mark, on the SMTP server for each command.  Composing the
    next messages during those waits takes that work off each message's path.  The thread never
    touches the database (the composer read everything before) and sends nothing: what is claimed,
    sent and marked, and in which order, is the loop's alone.  Anything unexpected here (an error,
    a thread gone) falls back to composing in the loop, as without it.

    No wait here has a timeout: the thread always ends by putting :data:`_DONE`, and :meth:`close`
    empties the queue so that a thread blocked on a full one can finish.  (A timed wait never returns
    under a shifted monotonic clock, as libfaketime gives the suite's at-hour runs.)
    """

    AHEAD = 32

    def __init__(self, composer: Composer, groups: list[list[Row]], tag: str):
        self._queue: queue.Queue = queue.Queue(maxsize=self.AHEAD)
        self._stop = threading.Event()
        self._done = False
        self._composer, self._groups, self._tag = composer, groups, tag
        self._thread = threading.Thread(target=self._work, args=(current_app._get_current_object(),),
                                        name="reminder-composer", daemon=True)
        self._thread.start()

    def _work(self, app) -> None:
        try:
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
                    self._queue.put((index, message))  # waits while AHEAD are ready; close() empties it
        finally:
            self._queue.put(_DONE)

    def take(self, index: int):
        """The message of group ``index`` (earlier ones the loop skipped are dropped)."""
        while not self._done:
            item = self._queue.get()
            if item is _DONE:
                self._done = True
                break
            got, message = item
            if got < index:
                continue
            if got == index and message is not _COMPOSE_FAILED:
                return message
            break
        return self._composer.message(self._groups[index], self._tag)

    def close(self) -> None:
        self._stop.set()
        while not self._done:
            if self._queue.get() is _DONE:  # empties the queue, unblocking the thread, until it ends
                self._done = True
        self._thread.join()


class Composer:
    """Reads what the messages need up front, then renders them without touching the database."""

    def __init__(self, today: date, calendar: WorkingCalendar, directory: Directory, policy: ReminderPolicy, now: datetime):
        self.today, self.calendar, self.directory, self.policy, self.now = today, calendar, directory, policy, now
        self.tasks: dict[int, emails.TaskView] = {}
        self.agency_digests: dict[int, dict] = {}
        self.chief_digest: dict | None = None

    def prepare(self, groups: list[list[Row]]) -> None:
        """Load everything the messages will say (tasks, digest contents) before sending starts."""
        self._load_tasks([r.task_id for group in groups for r in group if r.task_id])
        for group in groups:
            first = group[0]
            if first.kind is ReminderKind.AGENCY_DIGEST and first.org_id not in self.agency_digests:
                self.agency_digests[first.org_id] = self._agency_digest(first.org_id)
            if first.kind is ReminderKind.CHIEF_DIGEST and self.chief_digest is None:
                self.chief_digest = self._chief_digest()

    def _load_tasks(self, task_ids: list[int]) -> None:
        for chunk in chunks(sorted(set(task_ids))):
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

    def message(self, rows: list[Row], tag: str):
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
