"""Rules of the office's "Nhắc ngay" (a manual reminder), kept apart from the big oversight service.

- **Once a day per task and agency**: a second manual reminder of the same task to the same agency on
  the same local calendar day is refused with a clear message (people complained of being reminded
  twice in a row).  Only reminders that went out count: if every message of the first one failed,
  the office may try again.
- **One coherent outcome**: the result of a reminder is said in one message whose colour fits it
  (all sent, some failed, none sent), never a green "sent" next to a yellow "failed".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.clock import LOCAL_TZ
from app.core.enums import ReminderKind, ReminderState
from app.core.errors import Conflict
from app.extensions import db
from app.models import ReminderLog


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
