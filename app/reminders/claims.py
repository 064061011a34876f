"""Claim before send: a reminder's log row is inserted on its unique ``dedupe_key``
(``ON CONFLICT DO NOTHING``) before anything is sent, so no two ticks ever claim the same reminder.
Also what a claim stores (the subject, the in-app notification) and which daily-digest users wait a day."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.core.clock import LOCAL_TZ
from app.core.enums import ReminderKind, ReminderState
from app.extensions import db
from app.models import Notification, ReminderLog, Task
from app.reminders import emails
from app.reminders.batches import chunks
from app.reminders.planning import DIGEST_KINDS, PlannedReminder
from app.reminders.recipients import Directory


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
    for chunk in chunks(list(keys)):
        found.update(db.session.scalars(
            sa.select(ReminderLog.recipient_email).where(ReminderLog.dedupe_key.in_(chunk), ReminderLog.claimed_at >= start)
        ))
    return found


def defer_daily_recipients(keys: list[str], details: list[tuple], fresh: list[PlannedReminder], today: date):
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
    for chunk in chunks(ids):
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
    for chunk in chunks(list(reminders)):
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
    for chunk in chunks(notifications):
        db.session.execute(sa.insert(Notification.__table__), list(chunk))
    return [row_id for row_id, _key in inserted]
