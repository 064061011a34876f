"""The office's "Nhắc ngay" (a manual reminder): e-mail the agency that owns a late unit now, log and audit it.

- **Once a day per task and agency**: a second manual reminder of the same task to the same agency on
  the same local calendar day is refused with a clear message (people complained of being reminded
  twice in a row).  Only reminders that went out count: if every message of the first one failed,
  the office may try again.
- **One coherent outcome**: the result of a reminder is said in one message whose colour fits it
  (all sent, some failed, none sent), never a green "sent" next to a yellow "failed".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.core import audit
from app.core.clock import LOCAL_TZ, now_utc, today_local
from app.core.enums import ReminderKind, ReminderState, TaskStatus
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import require
from app.extensions import db
from app.models import ContentItem, Organisation, ReminderLog, Task, User
from app.oversight.actions import agency_users, clean_text, notify, require_issued, target_org

# The reminders' message class: it folds long Vietnamese subjects without losing spaces
# (the standard library's generator drops them, python/cpython#92081).
from app.reminders.emails import ReminderMessage, open_connection
from app.tasks.units import unit_of


def _local_day_utc(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), LOCAL_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


def reminded_on(task_id: int, organisation_id: int, day: date) -> bool:
    """Whether a manual reminder of this task reached (or is reaching) this agency on ``day``."""
    start, end = _local_day_utc(day)
    return db.session.scalar(sa.select(ReminderLog.id).where(
        ReminderLog.kind == ReminderKind.MANUAL, ReminderLog.task_id == task_id,
        ReminderLog.organisation_id == organisation_id,
        ReminderLog.state.in_((ReminderState.SENT, ReminderState.CLAIMED)),
        ReminderLog.claimed_at >= start, ReminderLog.claimed_at < end).limit(1)) is not None


def refuse_second_reminder(task_id: int, organisation_id: int, day: date) -> None:
    """Raise :class:`Conflict` when the agency was already reminded of the task today."""
    if reminded_on(task_id, organisation_id, day):
        raise Conflict(_("Cơ quan đã được nhắc nhiệm vụ này hôm nay; mỗi ngày chỉ nhắc trực tiếp một lần. "
                         "Có thể nhắc lại từ ngày mai hoặc yêu cầu giải trình."))


@dataclass(frozen=True)
class Outcome:
    category: str  # a flash category: success, warning or danger
    message: str


def outcome(sent: int, failed: int) -> Outcome:
    """The one message that says how a manual reminder went."""
    if not failed:
        return Outcome("success", _("Đã gửi nhắc việc tới %(n)d người nhận.", n=sent))
    if not sent:
        return Outcome("danger", _("Chưa gửi được thư nhắc việc nào (%(n)d thư lỗi); đã ghi nhận để kiểm tra, "
                                   "có thể nhắc lại.", n=failed))
    return Outcome("warning", _("Đã gửi nhắc việc tới %(ok)d/%(n)d người nhận; %(bad)d thư gửi không thành công, "
                                "đã ghi nhận để kiểm tra.", ok=sent, n=sent + failed, bad=failed))


@dataclass
class ReminderResult:
    sent: int = 0
    failed: int = 0
    recipients: list[str] = field(default_factory=list)


def _task_link(task_id: int) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/tasks/{task_id}"


def _reminder_body(task: Task, item: ContentItem | None, due: date | None, as_of: date, message: str,
                   sender: User) -> str:
    """Plain-text reminder; a confidential task shows its title only (never its content)."""
    lines = [_("Kính gửi: %(org)s,", org=(item.lead_org.name if item and item.lead_org else task.lead_org.name)), ""]
    lines.append(_("Văn phòng Huyện ủy nhắc việc đối với nhiệm vụ: %(t)s", t=task.title))
    if item is not None and not task.is_confidential:
        lines.append(_("Nội dung: %(t)s", t=item.text))
    if due is not None:
        late = (as_of - due).days
        lines.append(_("Hạn: %(d)s", d=due.strftime("%d/%m/%Y")) +
                     (" — " + _("quá hạn %(n)d ngày", n=late) if late > 0 else ""))
    if message:
        lines += ["", message]
    if task.is_confidential:
        lines += ["", _("Nhiệm vụ có nội dung mật: xem chi tiết trên hệ thống.")]
    lines += ["", _("Xem và báo cáo tiến độ: %(url)s", url=_task_link(task.id)), "", f"{sender.name}"
              + (f" — {sender.title}" if sender.title else "")]
    return "\n".join(lines)


def deliver(recipient: str, subject: str, body: str, log_id: int) -> None:
    """Send one message with the SMTP timeout of the reminders feature (raises on failure)."""
    message = ReminderMessage(subject=subject, recipients=[recipient], body=body,
                              sender=current_app.config["MAIL_DEFAULT_SENDER"],
                              extra_headers={"X-Reminder-Ids": str(log_id), "X-Reminder-Sender": "oversight"})
    with open_connection() as connection:
        connection.send(message)


def send_manual_reminder(actor: User, task: Task, *, item_id: int | None = None, message: str = "",
                         as_of: date | None = None) -> ReminderResult:
    """Nhắc việc trực tiếp: e-mail the agency's people now, log each send (ReminderLog, kind MANUAL),
    notify them in the app and audit it.  A failed send is logged as failed, not raised."""
    require(actor, "overdue.remind", _("Bạn không có quyền nhắc việc."))
    require_issued(task)
    message = clean_text(message, "message", required=False, label=_("lời nhắc"))
    if task.status is TaskStatus.COMPLETED:
        raise ValidationFailed(_("Nhiệm vụ đã hoàn thành, không cần nhắc."))
    org_id, item = target_org(task, item_id)
    as_of = as_of or today_local()
    refuse_second_reminder(task.id, org_id, today_local())
    users = agency_users(org_id)
    organisation = db.session.get(Organisation, org_id)
    recipients: dict[str, User | None] = {u.email.lower(): u for u in users}
    for email in organisation.email_list if organisation else []:
        recipients.setdefault(email.lower(), None)
    if not recipients:
        raise ValidationFailed(_("Cơ quan chưa có tài khoản hoặc địa chỉ e-mail để nhận nhắc việc."))
    due = unit_of(task, item).due
    subject = _("[Nhắc việc] %(t)s", t=task.title[:120])
    body = _reminder_body(task, item, due, as_of, message, actor)
    now = now_utc()
    logs = []
    for email, user in recipients.items():
        log = ReminderLog(
            dedupe_key=f"manual:{task.id}:{email}:{now.isoformat()}", kind=ReminderKind.MANUAL, task_id=task.id,
            organisation_id=org_id, recipient_user_id=user.id if user else None, recipient_email=email,
            due_date=due, subject=subject[:500], state=ReminderState.CLAIMED, attempts=0, claimed_at=now,
        )
        db.session.add(log)
        logs.append(log)
    db.session.flush()
    result = ReminderResult(recipients=sorted(recipients))
    for log in logs:
        log.attempts = 1
        try:
            deliver(log.recipient_email, subject, body, log.id)
        except Exception as error:  # noqa: BLE001 - any SMTP/socket failure is recorded, never a 500
            log.state, log.last_error = ReminderState.FAILED, str(error)[:1000]
            result.failed += 1
        else:
            log.state, log.sent_at = ReminderState.SENT, now_utc()
            result.sent += 1
    notify(users, task, "manual_reminder", _("Nhắc việc: %(t)s", t=task.title[:200]) + (f" — {message}" if message else ""))
    audit.record(actor, "remind", task, task_id=task.id,
                 summary=_("Nhắc việc trực tiếp tới %(n)d người nhận (%(ok)d đã gửi, %(bad)d lỗi)",
                           n=len(logs), ok=result.sent, bad=result.failed),
                 after={"recipients": result.recipients, "message": message or None, "item_id": item_id})
    return result
