"""Notifications (the bell icon) a progress write sends: only to people who may see the task."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.clock import now_utc
from app.core.enums import AGENCY_ROLES, Role, TaskStatus
from app.core.permissions import can_view_task
from app.extensions import db
from app.models import Notification, ProgressReport, Task, User


def _add_notifications(users: Iterable[User], task: Task, kind: str, message: str) -> None:
    now = now_utc()
    # Only people who may see the task (an agency never hears of a draft's task).
    for user in {u.id: u for u in users if u is not None and u.is_active and can_view_task(u, task)}.values():
        db.session.add(Notification(user_id=user.id, task_id=task.id, kind=kind[:32], message=message[:1000],
                                    created_at=now))


def notify_agency(task: Task, organisation_id: int, kind: str, summary: str, *, also: User | None = None) -> None:
    users = list(db.session.scalars(sa.select(User).where(User.organisation_id == organisation_id,
                                                          User.role.in_(list(AGENCY_ROLES)))))
    _add_notifications([*users, also], task, kind, f"{task.title[:200]}: {summary}")


def notify_roles(task: Task, roles: Iterable[Role], kind: str, summary: str) -> None:
    users = db.session.scalars(sa.select(User).where(User.role.in_(list(roles)))).all()
    _add_notifications(users, task, kind, f"{task.title[:200]}: {summary}")


def notify_on_report(actor: User, task: Task, report: ProgressReport) -> None:
    if report.status is TaskStatus.COMPLETION_PROPOSED:
        notify_roles(task, (Role.OFFICE, Role.OFFICE_CHIEF), "completion_proposed",
                     _("%(org)s đề nghị xác nhận hoàn thành", org=report.organisation.name))
