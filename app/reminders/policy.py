"""Chính sách nhắc việc: when reminders go out and to whom, editable by an admin.

Stored as JSON in the ``setting`` table under the key ``"reminder_policy"``; a missing or partial
setting falls back to the documented defaults below, so an empty database reminds sensibly.

Defaults (all counts are *working* days, see :mod:`app.reminders.workdays`):

==============================================  =======  ==================================================
Field                                           Default  Meaning
==============================================  =======  ==================================================
``before_due_working_days``                     7, 3, 1  "nhắc trước hạn": N working days before the due date
``remind_on_due_date``                          yes      "đến hạn hôm nay" on the due date (the last working
                                                         day on or before it when it falls on a day off)
``overdue_every_working_days``                  3        "quá hạn": first working day after the due date,
                                                         then every 3 working days until completed
``escalate_to_head_after``                      3        báo lãnh đạo cơ quan after 3 working days late
``escalate_to_chief_after``                     7        báo Chánh Văn phòng after 7
``escalate_to_committee_after``                 14       báo Thường trực after 14 (0 switches a level off)
``escalation_catch_up_working_days``            10       a level missed (scheduler down, task entered late)
                                                         is still sent within this many working days of its
                                                         threshold; older lateness is in the weekly digest
``agency_digest_weekday``                       0 (Mon)  weekly digest per agency of everything open
``chief_digest_weekday``                        0 (Mon)  weekly digest of all overdue work for the office
                                                         chief (moves to the next working day of the week
                                                         when that day is off); ``None`` switches it off
``reporting_call_working_days_before``          5        continuous tasks: "đề nghị báo cáo" this many
                                                         working days before each quarterly session
``quarterly_meeting_day``                       15       when no session is scheduled, assume the 15th of
                                                         the quarter's last month (domain.md §3.2)
``pause_when_completion_proposed``              yes      no chasing while a completion proposal awaits review
``retry_backoff_minutes``                       5, 15,   failed sends are retried after these delays (the
                                                60, 240  last one repeats)
``retry_give_up_hours``                         72       after this, a failed reminder waits for a person
``stuck_after_minutes``                         15       a send interrupted mid-way (process killed) is shown
                                                         to the office chief after this long
==============================================  =======  ==================================================
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from functools import cached_property

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import audit
from app.core.clock import now_utc
from app.core.errors import ValidationFailed
from app.extensions import db
from app.models import Setting

SETTING_KEY = "reminder_policy"
WEEKDAY_NAMES = (_l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"), _l("Thứ Bảy"), _l("Chủ nhật"))


@dataclass(frozen=True)
class ReminderPolicy:
    """The reminder rules in force (see the module docstring for what each field means)."""

    before_due_working_days: tuple[int, ...] = (7, 3, 1)
    remind_on_due_date: bool = True
    overdue_every_working_days: int = 3
    escalate_to_head_after: int = 3
    escalate_to_chief_after: int = 7
    escalate_to_committee_after: int = 14
    escalation_catch_up_working_days: int = 10
    agency_digest_weekday: int | None = 0
    chief_digest_weekday: int | None = 0
    reporting_call_working_days_before: int = 5
    quarterly_meeting_day: int = 15
    pause_when_completion_proposed: bool = True
    retry_backoff_minutes: tuple[int, ...] = (5, 15, 60, 240)
    retry_give_up_hours: int = 72
    stuck_after_minutes: int = 15

    @cached_property
    def escalation_ladder(self) -> tuple[tuple[str, int], ...]:
        """(level, working days late) for the levels switched on, lowest first."""
        levels = (("head", self.escalate_to_head_after), ("chief", self.escalate_to_chief_after),
                  ("committee", self.escalate_to_committee_after))
        return tuple((name, after) for name, after in levels if after > 0)

    def backoff_minutes(self, attempts: int) -> int:
        """Delay before the next try after ``attempts`` failed tries (the last delay repeats)."""
        steps = self.retry_backoff_minutes or (60,)
        return steps[min(max(attempts, 1), len(steps)) - 1]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["before_due_working_days"] = list(self.before_due_working_days)
        data["retry_backoff_minutes"] = list(self.retry_backoff_minutes)
        return data


DEFAULT_POLICY = ReminderPolicy()
_FIELD_NAMES = {f.name for f in fields(ReminderPolicy)}


def _int(data: dict, name: str, low: int, high: int, label: str) -> int:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise ValidationFailed(_("%(label)s phải là số nguyên.", label=label), field=name) from None
    if not low <= value <= high:
        raise ValidationFailed(_("%(label)s phải từ %(low)d đến %(high)d.", label=label, low=low, high=high), field=name)
    return value


def _int_list(data: dict, name: str, low: int, high: int, label: str, *, max_items: int = 10) -> tuple[int, ...]:
    raw = data.get(name)
    if raw is None:  # a field left out of the form: no values, as when it is left empty
        raw = ""
    if isinstance(raw, str):
        items = raw.replace(";", ",").split(",")
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        items = [raw]
    values: list[int] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            number = int(text)
        except ValueError:
            raise ValidationFailed(_("%(label)s: “%(v)s” không phải số nguyên.", label=label, v=text), field=name) from None
        if not low <= number <= high:
            raise ValidationFailed(_("%(label)s phải từ %(low)d đến %(high)d.", label=label, low=low, high=high), field=name)
        values.append(number)
    if len(values) > max_items:
        raise ValidationFailed(_("%(label)s: tối đa %(n)d giá trị.", label=label, n=max_items), field=name)
    return tuple(values)


def _weekday(data: dict, name: str, label: str) -> int | None:
    value = data[name]
    if value in (None, "", "none", -1, "-1"):
        return None
    return _int({name: value}, name, 0, 6, label)


def policy_from_dict(raw: dict | None) -> ReminderPolicy:
    """A validated policy from a (possibly partial) dict; unknown keys are ignored, missing ones default.

    Raises :class:`ValidationFailed` with a Vietnamese message naming the field on bad input.
    """
    data = DEFAULT_POLICY.to_dict()
    data.update({k: v for k, v in (raw or {}).items() if k in _FIELD_NAMES})
    before = tuple(sorted(set(_int_list(data, "before_due_working_days", 1, 60, _("Số ngày nhắc trước hạn"))), reverse=True))
    backoff = _int_list(data, "retry_backoff_minutes", 1, 24 * 60, _("Thời gian chờ gửi lại"))
    if not backoff:
        raise ValidationFailed(_("Cần ít nhất một khoảng chờ gửi lại."), field="retry_backoff_minutes")
    policy = ReminderPolicy(
        before_due_working_days=before,
        remind_on_due_date=bool(data["remind_on_due_date"]),
        overdue_every_working_days=_int(data, "overdue_every_working_days", 1, 60, _("Chu kỳ nhắc quá hạn")),
        escalate_to_head_after=_int(data, "escalate_to_head_after", 0, 250, _("Báo lãnh đạo cơ quan sau")),
        escalate_to_chief_after=_int(data, "escalate_to_chief_after", 0, 250, _("Báo Chánh Văn phòng sau")),
        escalate_to_committee_after=_int(data, "escalate_to_committee_after", 0, 250, _("Báo Thường trực sau")),
        escalation_catch_up_working_days=_int(data, "escalation_catch_up_working_days", 1, 250, _("Thời hạn gửi bù báo cáo vượt cấp")),
        agency_digest_weekday=_weekday(data, "agency_digest_weekday", _("Ngày gửi tổng hợp cho cơ quan")),
        chief_digest_weekday=_weekday(data, "chief_digest_weekday", _("Ngày gửi tổng hợp cho Chánh Văn phòng")),
        reporting_call_working_days_before=_int(data, "reporting_call_working_days_before", 1, 60, _("Số ngày đề nghị báo cáo trước buổi làm việc")),
        quarterly_meeting_day=_int(data, "quarterly_meeting_day", 1, 28, _("Ngày làm việc định kỳ dự kiến")),
        pause_when_completion_proposed=bool(data["pause_when_completion_proposed"]),
        retry_backoff_minutes=backoff,
        retry_give_up_hours=_int(data, "retry_give_up_hours", 1, 24 * 30, _("Ngừng gửi lại sau")),
        stuck_after_minutes=_int(data, "stuck_after_minutes", 1, 24 * 60, _("Báo gửi bị gián đoạn sau")),
    )
    ladder = [after for _name, after in policy.escalation_ladder]
    if ladder != sorted(set(ladder)):
        raise ValidationFailed(
            _("Các mức báo vượt cấp phải tăng dần: lãnh đạo cơ quan < Chánh Văn phòng < Thường trực."),
            field="escalate_to_chief_after",
        )
    return policy


def load_policy() -> ReminderPolicy:
    """The policy in force: the stored setting over the defaults (a corrupt setting falls back to them)."""
    raw = db.session.scalar(sa.select(Setting.value).where(Setting.key == SETTING_KEY))
    if not raw:
        return DEFAULT_POLICY
    try:
        return policy_from_dict(json.loads(raw))
    except (ValueError, ValidationFailed):
        # An invalid stored value must not stop every reminder: use the defaults and let the admin fix it.
        return DEFAULT_POLICY


def save_policy(actor, raw: dict) -> ReminderPolicy:
    """Validate and store a policy (audited; flushed, not committed)."""
    policy = policy_from_dict(raw)
    before = load_policy().to_dict()
    setting = db.session.get(Setting, SETTING_KEY)
    if setting is None:
        setting = Setting(key=SETTING_KEY)
        db.session.add(setting)
    setting.value = json.dumps(policy.to_dict(), ensure_ascii=False, sort_keys=True)
    setting.updated_at = now_utc()
    setting.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    old, new = audit.diff(before, policy.to_dict())
    if new:
        audit.record(actor, "update", "Setting", summary=_("Chính sách nhắc việc"), before=old, after=new)
    return policy
