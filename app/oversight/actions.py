"""The office chief's action page on one late unit: its history, and the rules every action on it (a reminder,
an explanation request) shares — only issued tasks, a bounded message, the agency that owns the unit, who is
notified in the app.  The actions themselves live in :mod:`app.oversight.manual_reminders` and
:mod:`app.oversight.explanation_requests`; their writes are audited in the same transaction, flushed, never committed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.clock import now_utc
from app.core.enums import AGENCY_ROLES, ExtensionState, ReminderKind, ReminderState, ReviewState
from app.core.errors import NotFound, ValidationFailed
from app.core.permissions import can_view_task, is_issued_task
from app.extensions import db
from app.models import (
    ContentItem,
    ExplanationRequest,
    ExtensionRequest,
    Notification,
    Organisation,
    ProgressReport,
    ReminderLog,
    Task,
    User,
)
from app.oversight.overdue_pages import ESCALATION_LEVELS, escalation_label
from app.tasks.units import unit_of

#: Longest message (a reminder's note, an explanation request or answer) an action takes.
MAX_MESSAGE_CHARS = 2000


@dataclass
class UnitDetail:
    """Everything the action page shows about one late unit."""

    task: Task
    item: ContentItem | None
    organisation: Organisation
    due: date | None
    days_late: int
    reports: list[ProgressReport]
    reminders: list[ReminderLog]
    escalation_level: int
    explanations: list[ExplanationRequest]
    extensions: list[ExtensionRequest]
    pending_reviews: list[ProgressReport]

    @property
    def open_explanation(self) -> ExplanationRequest | None:
        return next((e for e in self.explanations if e.answered_at is None), None)

    @property
    def pending_extension(self) -> ExtensionRequest | None:
        return next((e for e in self.extensions if e.state is ExtensionState.PENDING), None)

    @property
    def escalation(self) -> str:
        return escalation_label(self.escalation_level)


def unit_detail(task: Task, item_id: int | None, today: date) -> UnitDetail:
    """The action page's history of one unit: reports, reminders, explanations, extensions, pending reviews."""
    org_id, item = target_org(task, item_id)
    unit = unit_of(task, item)
    reports = list(db.session.scalars(
        sa.select(ProgressReport).where(ProgressReport.task_id == task.id)
        .order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc()).limit(10)))
    reminders = list(db.session.scalars(
        sa.select(ReminderLog).where(ReminderLog.task_id == task.id)
        .order_by(ReminderLog.claimed_at.desc(), ReminderLog.id.desc()).limit(30)))
    level = max((ESCALATION_LEVELS.get(ReminderKind.coerce(r.kind), 0) for r in reminders
                 if r.state is ReminderState.SENT), default=0)
    explanations = list(db.session.scalars(
        sa.select(ExplanationRequest).where(ExplanationRequest.task_id == task.id)
        .order_by(ExplanationRequest.requested_at.desc(), ExplanationRequest.id.desc())))
    extensions = list(db.session.scalars(
        sa.select(ExtensionRequest).where(ExtensionRequest.task_id == task.id)
        .order_by(ExtensionRequest.created_at.desc(), ExtensionRequest.id.desc())))
    pending = [r for r in reports if r.review_state is ReviewState.PENDING]
    return UnitDetail(task, item, db.session.get(Organisation, org_id), unit.due, unit.days_late(today), reports, reminders, level,
                      explanations, extensions, pending)


def clean_text(value: str | None, field_name: str, *, required: bool, label: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("Vui lòng nhập %(label)s.", label=label), field=field_name)
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationFailed(_("%(label)s quá dài (tối đa %(n)d ký tự).", label=label.capitalize(),
                                 n=MAX_MESSAGE_CHARS), field=field_name)
    return text


def require_issued(task: Task) -> None:
    """Agencies do not know a draft's tasks yet: nothing is sent to them about one."""
    if not is_issued_task(task):
        raise ValidationFailed(_("Văn bản của nhiệm vụ này còn là dự thảo: cơ quan chưa nhận nhiệm vụ."))


def agency_users(organisation_id: int) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == organisation_id, User.role.in_(list(AGENCY_ROLES)),
                              User.is_active_account.is_(True)).order_by(User.id)))


def notify(users: Iterable[User], task: Task, kind: str, message: str) -> None:
    now = now_utc()
    for user in {u.id: u for u in users if u is not None and can_view_task(u, task)}.values():
        db.session.add(Notification(user_id=user.id, task_id=task.id, kind=kind[:32], message=message[:1000],
                                    created_at=now))


def target_org(task: Task, item_id: int | None) -> tuple[int, ContentItem | None]:
    if item_id is None:
        return task.lead_org_id, None
    item = next((i for i in task.items if i.id == item_id), None)
    if item is None:
        raise NotFound(_("Không tìm thấy nội dung của nhiệm vụ."))
    return unit_of(task, item).owner_id, item


def get_task_or_404(user: User, task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not can_view_task(user, task):
        raise NotFound(_("Không tìm thấy nhiệm vụ."))
    return task
