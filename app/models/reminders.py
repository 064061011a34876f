"""Reminder bookkeeping: the claim log, in-app notifications, working-day overrides, settings."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base
from app.core.enums import ReminderKind, ReminderState, enum_column
from app.models.tasks import Task
from app.models.users import User


class ReminderLog(Base):
    """One reminder, claimed before it is sent: the unique key makes a second send impossible."""

    __tablename__ = "reminder_log"
    __table_args__ = (
        sa.Index("ix_reminder_log_state_next", "state", "next_attempt_at"),
        # The newest send is part of the list pages' fingerprint (app.tasks.page_reuse): one index probe.
        sa.Index("ix_reminder_log_sent_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "<kind>:<task id or 0>:<recipient>:<due date ISO>": unique, so claims are idempotent.
    dedupe_key: Mapped[str] = mapped_column(sa.String(400), unique=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind))
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    recipient_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recipient_email: Mapped[str] = mapped_column(sa.String(254))
    #: The due date the reminder is about (the week start for digests).
    due_date: Mapped[date | None]
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    state: Mapped[ReminderState] = mapped_column(enum_column(ReminderState), default=ReminderState.CLAIMED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    task: Mapped[Task | None] = relationship()
    recipient: Mapped[User | None] = relationship()


class Notification(Base):
    """Thông báo trong hệ thống: what the bell icon lists, with an unread count."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    message: Mapped[str] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]

    @classmethod
    def unread_count_of(cls, user_id) -> sa.ScalarSelect:
        """How many notifications ``user_id`` (a value or a column to correlate with) has not read."""
        return (sa.select(sa.func.count()).select_from(cls)
                .where(cls.user_id == user_id, cls.read_at.is_(None)).scalar_subquery())


class WorkdayOverride(Base):
    """An admin's correction to the public-holiday calendar (make-up Saturdays, extra days off)."""

    __tablename__ = "workday_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    is_working_day: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(200), default="")


class SchedulerHeartbeat(Base):
    """Last sign of life of each scheduler process; the admin banner reads the newest."""

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: host:pid of the process.
    process: Mapped[str] = mapped_column(sa.String(120), unique=True)
    is_leader: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    last_tick_at: Mapped[datetime | None]
    last_tick_summary: Mapped[str | None] = mapped_column(sa.Text)


class Setting(Base):
    """Key/value settings an admin can change at run time (e.g. the reminder policy, as JSON)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
