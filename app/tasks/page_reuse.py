"""What the busiest list pages compute, reused by a process while the data under them is unchanged.

The office chief's overdue review and an agency's inbox are opened again and again between two
changes of the district's work.  Each request first reads :func:`data_fingerprint` (one small
query, about 1 ms); while it is unchanged, and for at most ``OVERSIGHT_CACHE_SECONDS`` (120 s by
default), the page reuses what it built (:func:`reuse`): the overdue snapshot, rendered rows.  Any change a list can
show moves the fingerprint, so nobody is shown stale work after saving it; the time limit bounds what
a write made behind the services' back (a SQL console) can hide.  Entries live in this process
only: nothing is shared between workers, nothing needs invalidating by hand.

Tests build every page anew unless they set ``OVERSIGHT_CACHE``.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from markupsafe import Markup

from app.extensions import db
from app.models import AuditEvent, ContentItem, ReminderLog, Task
from app.tasks.units import task_may_be_open

T = TypeVar("T")

#: How many of the newest audit events the fingerprint sums (see _fingerprint_stmt).
RECENT_EVENTS = 64
#: Values kept per process (an overdue snapshot, rendered inboxes of 30–120 KB: a few MB at most).
MAX_ENTRIES = 64


def cache_enabled() -> bool:
    return bool(current_app.config.get("OVERSIGHT_CACHE", not current_app.testing))


def max_age_seconds() -> float:
    return float(current_app.config.get("OVERSIGHT_CACHE_SECONDS", 120))


def data_fingerprint(as_of: date) -> tuple:
    """A cheap summary of everything the overdue review and the inbox show, read in one query.

    Every change made through the services is audited in its transaction (project rule), so the
    newest audit events about a task, a directive or an agency move on any status, due-date, agency,
    item, report, explanation or extension change; logins and account events do not count.  The
    newest task and item catch rows written without an audit (seeds, imports); the id sum of open
    tasks past due on ``as_of`` — read from the covering index ``ix_task_status_due`` alone — catches
    status and due-date changes made behind the services' back; the newest send time of a reminder
    moves when the scheduler sends (the review shows reminders sent).  Creation times tell a
    wiped-and-refilled database from the old one.
    """
    return tuple(db.session.connection().execute(_fingerprint_stmt(), {"as_of": as_of}).one())


@functools.cache
def _fingerprint_stmt():
    def newest(model, column, *where):
        return sa.select(column).where(*where).order_by(model.id.desc()).limit(1).scalar_subquery()

    # A deleted task's event names the task as its entity, not in task_id.
    about_work = sa.or_(AuditEvent.task_id.is_not(None),
                        AuditEvent.entity_type.in_(("Task", "ContentItem", "Directive", "Organisation")))
    # Open tasks past due: every overdue unit's task is one of them or has an item due earlier
    # (an item's change is audited, and the newest item moves the newest-item column).
    open_past_due = sa.and_(task_may_be_open(), Task.due_date < sa.bindparam("as_of", type_=sa.Date))
    # The sum of the newest events' ids, not the newest id alone: on PostgreSQL two writers can commit
    # out of id order (101 before 100), and a page built between the two commits must not outlive the
    # second.  The later commit enters the window and changes the sum.
    recent_events = (sa.select(AuditEvent.id).where(about_work).order_by(AuditEvent.id.desc())
                     .limit(RECENT_EVENTS).subquery("recent_events"))
    return sa.select(
        sa.select(sa.func.sum(recent_events.c.id)).scalar_subquery(),
        newest(AuditEvent, AuditEvent.created_at, about_work),
        newest(Task, Task.id), newest(Task, Task.created_at),
        newest(ContentItem, ContentItem.id), newest(ContentItem, ContentItem.created_at),
        sa.select(sa.func.sum(Task.id)).where(open_past_due).scalar_subquery(),
        # max() over ix_reminder_log_sent_at: one index probe.
        sa.select(sa.func.max(ReminderLog.sent_at)).scalar_subquery(),
    )


class _Entry(NamedTuple):
    fingerprint: tuple
    built_at: float
    value: Any


_ENTRIES: OrderedDict[tuple, _Entry] = OrderedDict()
_LOCK = threading.Lock()
#: One thread of a process builds; the others wait for it instead of building the same thing
#: (reentrant: a build may itself reuse something).
_BUILD_LOCK = threading.RLock()


def reuse(name: str, key: tuple[Hashable, ...], as_of: date, build: Callable[[], T]) -> T:
    """``build()``, or what it returned for the same ``name``, ``key`` and site while
    :func:`data_fingerprint` of ``as_of`` is unchanged and younger than the time limit.

    ``key`` must name everything else the value depends on (agency, filters, page, role)."""
    if not cache_enabled():
        return build()
    # The site root (links in rendered HTML); none outside a request (the CLI, the scheduler).
    root = request.script_root if has_request_context() else ""
    full_key = (current_app.config["SQLALCHEMY_DATABASE_URI"], root, name, as_of, *key)
    fingerprint = data_fingerprint(as_of)
    max_age = max_age_seconds()

    def fresh() -> _Entry | None:
        with _LOCK:
            entry = _ENTRIES.get(full_key)
            if entry is None or entry.fingerprint != fingerprint or time.monotonic() - entry.built_at >= max_age:
                return None
            _ENTRIES.move_to_end(full_key)
            return entry

    if (entry := fresh()) is not None:
        return entry.value
    with _BUILD_LOCK:
        if (entry := fresh()) is not None:
            return entry.value
        value = build()
        with _LOCK:
            _ENTRIES[full_key] = _Entry(fingerprint, time.monotonic(), value)
            while len(_ENTRIES) > MAX_ENTRIES:
                _ENTRIES.popitem(last=False)
    return value


def cached_fragment(name: str, key: tuple[Hashable, ...], as_of: date, render: Callable[[], str]) -> Markup:
    """:func:`reuse` for rendered HTML, per language: ``render()`` as safe markup (Jinja escaped what
    it output)."""
    from flask_babel import get_locale

    return reuse(name, (str(get_locale()), *key), as_of, lambda: Markup(render()))  # noqa: S704


def clear() -> None:
    with _LOCK:
        _ENTRIES.clear()
