"""Tasks (nhiệm vụ) set by a directive, their content items (nội dung) and carry-overs."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, TimestampMixin
from app.core.enums import Recurrence, TaskKind, TaskStatus, enum_column
from app.models.directives import Directive
from app.models.organisations import Organisation

task_coordinator = sa.Table(
    "task_coordinator",
    Base.metadata,
    sa.Column("task_id", sa.ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisation.id"), primary_key=True, index=True),
)


class Task(TimestampMixin, Base):
    """Nhiệm vụ: one lead agency (chủ trì), any coordinating agencies (phối hợp), a due date."""

    __tablename__ = "task"
    __table_args__ = (
        sa.Index("ix_task_lead_due", "lead_org_id", "due_date"),
        # Covering: the reminder tick reads every open task due soon (id, lead, due, kind) and the
        # overdue review every open task past due (with its directive and completion) from the index
        # alone; status/due lists use its prefix.
        sa.Index("ix_task_status_due", "status", "due_date", "kind", "lead_org_id", "directive_id", "completed_on"),
        sa.CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(sa.ForeignKey("directive.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(1000))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    lead_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind), default=TaskKind.ONE_OFF)
    recurrence: Mapped[Recurrence | None] = mapped_column(enum_column(Recurrence))
    #: Occurrences of a recurring task point at the task that generated them.
    parent_task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task.id", ondelete="CASCADE"), index=True)
    #: The due phrase as written ("trong quý II/2024"); due_date is what it resolved to.
    due_phrase: Mapped[str | None] = mapped_column(sa.String(200))
    due_date: Mapped[date | None]
    #: The due date first set; on-time vs late is judged against it (extensions shown beside it).
    original_due_date: Mapped[date | None]
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.NOT_STARTED)
    progress_percent: Mapped[int] = mapped_column(default=0)
    completed_on: Mapped[date | None]
    #: Created for "all communes": content items are one per commune and roll up.
    is_all_communes: Mapped[bool] = mapped_column(default=False)
    #: Confidential tasks never put their content in an e-mail (title only).
    is_confidential: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: Optimistic lock: a save carrying an older version is refused as a conflict.
    version_id: Mapped[int] = mapped_column(default=1)

    directive: Mapped[Directive] = relationship()
    lead_org: Mapped[Organisation] = relationship(lazy="joined")
    coordinators: Mapped[list[Organisation]] = relationship(secondary=task_coordinator, order_by="Organisation.display_order")
    items: Mapped[list[ContentItem]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="ContentItem.ordinal"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def is_continuous(self) -> bool:
        return self.kind is TaskKind.CONTINUOUS


class ContentItem(TimestampMixin, Base):
    """Nội dung: a sub-item of a task with its own assignee and status where the source splits them."""

    __tablename__ = "content_item"
    __table_args__ = (
        sa.CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_range"),
        # Covering: the reminder tick reads the open items (a tenth of them) with their own lead and
        # due date from the index alone, then each one's task by primary key.
        sa.Index("ix_content_item_status_task", "status", "task_id", "lead_org_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(sa.Text)
    #: Assignee when it differs from the task's lead (a commune for "all communes" tasks).
    lead_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    due_phrase: Mapped[str | None] = mapped_column(sa.String(200))
    due_date: Mapped[date | None]
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.NOT_STARTED)
    progress_percent: Mapped[int] = mapped_column(default=0)
    completed_on: Mapped[date | None]
    version_id: Mapped[int] = mapped_column(default=1)

    task: Mapped[Task] = relationship(back_populates="items")
    lead_org: Mapped[Organisation | None] = relationship()

    __mapper_args__ = {"version_id_col": version_id}


class TaskCarryOver(Base):
    """Chuyển tiếp: an unfinished task re-assigned by a later conclusion, keeping its history."""

    __tablename__ = "task_carry_over"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id", ondelete="CASCADE"), index=True)
    from_directive_id: Mapped[int] = mapped_column(sa.ForeignKey("directive.id"), index=True)
    to_directive_id: Mapped[int] = mapped_column(sa.ForeignKey("directive.id"), index=True)
    previous_due_date: Mapped[date | None]
    new_due_date: Mapped[date | None]
    carried_at: Mapped[datetime]
    carried_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    task: Mapped[Task] = relationship()
