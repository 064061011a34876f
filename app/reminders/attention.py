"""Reminders that need a person (the office chief's list): sends interrupted mid-way or given up
after failing; flagging them once, and resending or dismissing them by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import audit
from app.core.enums import ReminderState
from app.core.errors import Conflict, NotFound
from app.extensions import db
from app.models import Notification, ReminderLog
from app.reminders.policy import ReminderPolicy, load_policy
from app.reminders.recipients import Directory


def _interrupted_clause(now: datetime, policy: ReminderPolicy):
    return sa.and_(ReminderLog.state == ReminderState.CLAIMED, ReminderLog.next_attempt_at.is_not(None),
                   ReminderLog.next_attempt_at < now - timedelta(minutes=policy.stuck_after_minutes))


def needs_attention_clause(now: datetime, policy: ReminderPolicy):
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
        sa.select(ReminderLog).where(needs_attention_clause(now, policy)).order_by(ReminderLog.id).limit(limit)
    ))


def attention_count(now: datetime, policy: ReminderPolicy | None = None) -> int:
    policy = policy or load_policy()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog).where(needs_attention_clause(now, policy))) or 0


def _attention_row(log_id: int, now: datetime) -> ReminderLog:
    row = db.session.get(ReminderLog, log_id)
    if row is None:
        raise NotFound(_("Không tìm thấy nhắc việc."))
    if not db.session.scalar(sa.select(sa.exists().where(ReminderLog.id == log_id, needs_attention_clause(now, load_policy())))):
        raise Conflict(_("Nhắc việc này không ở trạng thái cần xử lý (có thể người khác đã xử lý)."))
    return row


def _settle(actor, log_id: int, now: datetime, action: str, state: ReminderState, next_attempt_at: datetime | None,
            note: str) -> ReminderLog:
    """Move a reminder that needs attention to ``state``, audited as ``action``."""
    row = _attention_row(log_id, now)
    fields = ("state", "next_attempt_at", "last_error")
    before = audit.snapshot(row, fields)
    row.state, row.next_attempt_at, row.last_error = state, next_attempt_at, note
    db.session.flush()
    audit.record(actor, action, row, task_id=row.task_id, summary=row.subject, before=before,
                 after=audit.snapshot(row, fields))
    return row


def resend_reminder(actor, log_id: int, now: datetime) -> ReminderLog:
    """The office chief asks for an interrupted or given-up reminder to be sent again (next tick)."""
    return _settle(actor, log_id, now, "reminder_resend", ReminderState.FAILED, now,
                   _("Gửi lại theo yêu cầu của %(name)s.", name=actor.name))


def dismiss_reminder(actor, log_id: int, now: datetime) -> ReminderLog:
    """The office chief closes an interrupted or given-up reminder (e.g. confirmed by telephone)."""
    return _settle(actor, log_id, now, "reminder_dismiss", ReminderState.SKIPPED, None,
                   _("Đã xử lý bởi %(name)s.", name=actor.name))
