"""The outbox: claimed or failed reminders due for sending now, minus those no longer wanted,
grouped one message each (daily-digest users: one message for all of theirs)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.enums import ReminderKind, ReminderState
from app.extensions import db
from app.models import ContentItem, ReminderLog, Task
from app.reminders import rules
from app.reminders.batches import chunks
from app.reminders.planning import DIGEST_KINDS
from app.reminders.recipients import Directory
from app.reminders.rules import Obligation


@dataclass(frozen=True, slots=True)
class Row:
    """A log row waiting to be sent: what composing and marking it need."""

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


def sendable_rows(now: datetime) -> list[Row]:
    rows = db.session.execute(
        sa.select(ReminderLog.id, ReminderLog.kind, ReminderLog.task_id, ReminderLog.organisation_id,
                  ReminderLog.recipient_email, ReminderLog.recipient_user_id, ReminderLog.due_date, ReminderLog.subject,
                  ReminderLog.state, ReminderLog.attempts, ReminderLog.claimed_at)
        .where(_sendable(now)).order_by(ReminderLog.id)
    ).all()
    return [Row(*row) for row in rows]


def _current_obligations(task_ids: Iterable[int]) -> dict[int, list[Obligation]]:
    """Today's streams of the given tasks (to drop queued reminders that are no longer wanted)."""
    ids = sorted(set(task_ids))
    snapshots: dict[int, rules.TaskSnapshot] = {}
    items: dict[int, list[rules.ItemSnapshot]] = defaultdict(list)
    for chunk in chunks(ids):
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


def _still_wanted(row: Row, obligations: dict[int, list[Obligation]]) -> bool:
    if row.kind in DIGEST_KINDS:
        return True
    streams = obligations.get(row.task_id or 0, [])
    if row.kind is ReminderKind.REPORTING_CALL:
        return any(ob.continuous for ob in streams)
    if row.kind in (ReminderKind.ESCALATION_CHIEF, ReminderKind.ESCALATION_COMMITTEE):
        return any(ob.due_date == row.due_date for ob in streams)
    return any(ob.due_date == row.due_date and ob.org_id == row.org_id for ob in streams)


def drop_unwanted(rows: list[Row]) -> tuple[list[Row], int]:
    """Queued or failed reminders whose task was completed or whose due date moved are skipped."""
    if not rows:
        return rows, 0
    obligations = _current_obligations(r.task_id for r in rows if r.task_id)
    keep = [r for r in rows if _still_wanted(r, obligations)]
    dropped = [r.id for r in rows if not _still_wanted(r, obligations)]
    for chunk in chunks(dropped):
        log = ReminderLog.__table__
        db.session.execute(
            sa.update(log).where(log.c.id.in_(chunk), log.c.state != ReminderState.SENT)
            .values(state=ReminderState.SKIPPED, next_attempt_at=None,
                    last_error=_("Không gửi: nhiệm vụ đã hoàn thành hoặc đã đổi hạn."))
        )
    return keep, len(dropped)


def group_for_sending(rows: list[Row], directory: Directory) -> list[list[Row]]:
    """One message per reminder, except daily-digest users, who get theirs in one message."""
    groups: list[list[Row]] = []
    daily: dict[str, list[Row]] = {}
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
