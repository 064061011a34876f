"""Queries behind the home pages and the page chrome (unread count, scheduler banner)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from app.core.clock import now_utc
from app.core.enums import ReviewState, TaskKind, TaskStatus
from app.core.permissions import task_visibility_clause
from app.extensions import db
from app.models import (
    Directive,
    ExtensionRequest,
    Meeting,
    Notification,
    Organisation,
    ProgressReport,
    SchedulerHeartbeat,
    Task,
)
from app.tasks.units import (
    task_has_overdue_unit,
    task_may_be_open,
    unit_due,
    unit_open_on,
    unit_overdue,
    unit_owner,
    units_from,
)


def unread_notification_count(user) -> int:
    """The bell's count; read with the session on each page (app.auth.services.load_session)."""
    loaded = getattr(user, "unread_count", None)
    if loaded is not None:
        return loaded
    return db.session.scalar(sa.select(Notification.unread_count_of(user.id))) or 0


def mark_notifications_read(user) -> None:
    """Mark every unread notification of *user* as read (the bell's "đánh dấu đã đọc")."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now_utc())
    )


def recent_notifications(user, limit: int = 100) -> list[Notification]:
    return db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(limit)
    ).all()


def database_answers() -> None:
    """The health check's probe: one trivial statement; raises if the database does not answer."""
    db.session.execute(sa.text("SELECT 1"))


def scheduler_is_stale() -> bool:
    """True when no scheduler process has reported within SCHEDULER_STALE_MINUTES."""
    last = db.session.scalar(sa.select(sa.func.max(SchedulerHeartbeat.last_seen_at)))
    if last is None:
        return True
    if last.tzinfo is None:
        from datetime import UTC

        last = last.replace(tzinfo=UTC)
    return now_utc() - last > timedelta(minutes=current_app.config["SCHEDULER_STALE_MINUTES"])


@dataclass
class StatusCounts:
    """Tasks by status among those a user can see, plus overdue and due-soon counts."""

    by_status: dict[TaskStatus, int] = field(default_factory=dict)
    overdue: int = 0
    due_soon: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def status_counts(user, today: date, *, within_days: int = 7) -> StatusCounts:
    visible = task_visibility_clause(user)
    soon = today + timedelta(days=within_days)
    due = unit_due()
    row = db.session.execute(
        units_from(sa.select(
            sa.func.count().filter(unit_overdue(today)),
            sa.func.count().filter(due >= today, due <= soon, unit_open_on(today), Task.kind != TaskKind.CONTINUOUS),
        )).where(visible)
    ).one()
    # Overdue and due soon count content units, as the overdue review does (app.tasks.units).
    counts = StatusCounts(overdue=row[0], due_soon=row[1])
    for status, n in db.session.execute(sa.select(Task.status, sa.func.count()).where(visible).group_by(Task.status)):
        counts.by_status[TaskStatus.coerce(status)] = n
    return counts


def overdue_tasks(user, today: date, limit: int = 10) -> list[Task]:
    stmt = (
        sa.select(Task)
        .where(task_visibility_clause(user), task_has_overdue_unit(today))
        # The list shows each task's directive number and days late (its units: the items).
        .options(joinedload(Task.directive), selectinload(Task.items))
        .order_by(Task.due_date, Task.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def upcoming_tasks(user, today: date, limit: int = 10) -> list[Task]:
    stmt = (
        sa.select(Task)
        .where(task_visibility_clause(user), task_may_be_open(), Task.due_date >= today)
        .options(joinedload(Task.directive), selectinload(Task.items))
        .order_by(Task.due_date, Task.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def recent_directives(limit: int = 5) -> list[Directive]:
    stmt = (
        sa.select(Directive)
        .where(Directive.meeting_id.is_not(None))
        .order_by(Directive.issued_on.desc().nulls_last(), Directive.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def latest_meeting() -> Meeting | None:
    return db.session.scalar(sa.select(Meeting).order_by(Meeting.held_on.desc()).limit(1))


def pending_completion_reviews(limit: int = 10) -> list[ProgressReport]:
    stmt = (
        sa.select(ProgressReport)
        .where(ProgressReport.review_state == ReviewState.PENDING)
        .options(joinedload(ProgressReport.task), joinedload(ProgressReport.organisation))
        .order_by(ProgressReport.created_at)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def pending_extension_requests(limit: int = 10) -> list[ExtensionRequest]:
    stmt = (
        sa.select(ExtensionRequest)
        .where(ExtensionRequest.state == "pending")
        .options(joinedload(ExtensionRequest.task))
        .order_by(ExtensionRequest.created_at)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def overdue_by_agency(today: date, limit: int = 5) -> list[tuple[Organisation, int]]:
    """The agencies owning most overdue units (the committee's 'worst agencies')."""
    stmt = (
        units_from(sa.select(Organisation, sa.func.count().label("n")))
        .join(Organisation, Organisation.id == unit_owner())
        .where(unit_overdue(today))
        .group_by(Organisation.id)
        .order_by(sa.desc("n"), Organisation.display_order)
        .limit(limit)
    )
    return [(org, n) for org, n in db.session.execute(stmt)]


def system_counts() -> dict[str, int]:
    from app.models import User

    return {
        "users": db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0,
        "organisations": db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) or 0,
        "directives": db.session.scalar(sa.select(sa.func.count()).select_from(Directive)) or 0,
        "tasks": db.session.scalar(sa.select(sa.func.count()).select_from(Task)) or 0,
    }
