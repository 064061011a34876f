"""One idempotent reminder tick (plan → claim → send → mark), and the instant a tick acts at.

How a tick never sends twice and never loses a reminder (ecosystem.md §B.3):

1. **Plan.** :func:`app.reminders.planning.plan_reminders` asks the pure rules (:mod:`app.reminders.rules`) what is due
   today for every open task, and resolves recipients.  Each reminder has a ``dedupe_key``
   ``"<kind>:<task id or 0>:<recipient e-mail>:<due date ISO>"`` (the kind carries the repeat,
   e.g. ``before_due.3``, ``overdue.2``).
2. **Claim.** Keys not yet in ``reminder_log`` (:func:`app.reminders.claims.missing_keys`, one indexed probe each) are inserted with ``INSERT … ON CONFLICT DO NOTHING``
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

:func:`run_tick` is a job boundary (it commits), like a view or a CLI command; the functions it
calls flush at most and leave committing to it, except the send loop (:mod:`app.reminders.delivery`).
"""

from __future__ import annotations

import time
from datetime import date, datetime

from app.core.clock import local_instant, now_local, now_utc
from app.extensions import db
from app.reminders.attention import flag_interrupted_sends
from app.reminders.claims import claim, defer_daily_recipients, missing_keys, subjects_for
from app.reminders.delivery import deliver_pending
from app.reminders.planning import drop_idle_digests, plan, planned
from app.reminders.policy import load_policy
from app.reminders.recipients import load_directory
from app.reminders.summary import ReminderLine, TickResult
from app.reminders.workdays import load_calendar


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
    keys, details = plan(today, policy, calendar, directory)
    missing = missing_keys(keys)
    fresh = [planned(key, detail) for key, detail in zip(keys, details, strict=True) if key in missing]
    idle = len(fresh)
    fresh = drop_idle_digests(fresh, today, now, policy)
    result.due = len(keys) - (idle - len(fresh))
    fresh, deferred = defer_daily_recipients(keys, details, fresh, today)
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
