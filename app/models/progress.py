"""What agencies report: progress, indicator figures, extension requests and explanations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base
from app.core.enums import ExtensionState, ReviewState, TaskStatus, enum_column
from app.models.directives import Attachment
from app.models.organisations import Organisation
from app.models.tasks import ContentItem, Task
from app.models.users import User

Amount = sa.Numeric(20, 4)


class ProgressReport(Base):
    """Báo cáo tiến độ: an agency's report on a task; the lead agency's report sets the task status."""

    __tablename__ = "progress_report"
    __table_args__ = (
        sa.Index("ix_progress_report_task_created", "task_id", "created_at"),
        sa.CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id", ondelete="CASCADE"))
    content_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("content_item.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    #: True when written by the lead agency (chủ trì); coordinators add contributions.
    is_lead_report: Mapped[bool] = mapped_column(default=True)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus))
    progress_percent: Mapped[int] = mapped_column(default=0)
    #: Kết quả thực hiện: the narrative that feeds the quarterly report.
    result_text: Mapped[str] = mapped_column(sa.Text, default="")
    reported_on: Mapped[date]
    created_at: Mapped[datetime]
    #: Set when the report proposes completion (đề nghị hoàn thành) and the office reviews it.
    review_state: Mapped[ReviewState | None] = mapped_column(enum_column(ReviewState))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(sa.Text)

    task: Mapped[Task] = relationship()
    content_item: Mapped[ContentItem | None] = relationship()
    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    attachments: Mapped[list[Attachment]] = relationship(
        primaryjoin="ProgressReport.id == Attachment.progress_report_id", cascade="all, delete-orphan"
    )


class Indicator(Base):
    """Chỉ tiêu: a target for a year, owned by an agency (or the district when organisation is empty)."""

    __tablename__ = "indicator"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "year", "code", name="uq_indicator_org_year_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task.id", ondelete="SET NULL"))
    year: Mapped[int]
    #: Number or code from its source ("chỉ tiêu số 02").
    code: Mapped[str] = mapped_column(sa.String(32))
    #: Words before the figures: "Tổ chức kết nạp mới".
    phrase: Mapped[str] = mapped_column(sa.String(500))
    unit: Mapped[str] = mapped_column(sa.String(100), default="")
    #: Annual target (the denominator of "112/158").
    target: Mapped[Decimal | None] = mapped_column(Amount)
    #: For rate targets ("chiếm 85,17/82,41% số hộ"): the target rate and what the rate is of.
    target_rate: Mapped[Decimal | None] = mapped_column(Amount)
    base_label: Mapped[str | None] = mapped_column(sa.String(200))
    #: Xét vào cuối năm: judged at year end, never in quarterly overdue lists.
    is_year_end: Mapped[bool] = mapped_column(default=False)
    #: Chưa đến thời gian thực hiện: before this day the indicator is tallied as not yet started.
    starts_on: Mapped[date | None]
    #: Where the indicator comes from (Nghị quyết Đại hội, Chương trình công tác năm, ngành dọc).
    source: Mapped[str | None] = mapped_column(sa.String(300))
    display_order: Mapped[int] = mapped_column(default=0)
    #: Shown in report section II.1 (district Party-building indicators).
    is_district_key: Mapped[bool] = mapped_column(default=False)

    organisation: Mapped[Organisation | None] = relationship()
    values: Mapped[list[IndicatorValue]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="IndicatorValue.as_of"
    )


class IndicatorValue(Base):
    """A year-to-date actual for an indicator as of a date (cumulative, never a percentage)."""

    __tablename__ = "indicator_value"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "as_of", name="uq_indicator_value_as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id", ondelete="CASCADE"))
    as_of: Mapped[date]
    actual: Mapped[Decimal] = mapped_column(Amount)
    #: For rate indicators: the base the actual is counted against (43.140 of 50.652 households).
    base: Mapped[Decimal | None] = mapped_column(Amount)
    #: A percentage as printed in an imported source, kept to show a discrepancy, never used.
    printed_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    progress_report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_report.id", ondelete="SET NULL"))
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime]

    indicator: Mapped[Indicator] = relationship(back_populates="values")


class ExtensionRequest(Base):
    """Đề nghị gia hạn: an agency asks for a new due date; the committee decides."""

    __tablename__ = "extension_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    current_due_date: Mapped[date | None]
    requested_due_date: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[ExtensionState] = mapped_column(enum_column(ExtensionState), default=ExtensionState.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]

    task: Mapped[Task] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ExplanationRequest(Base):
    """Yêu cầu giải trình: the office chief asks an agency why an overdue task is late."""

    __tablename__ = "explanation_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    message: Mapped[str] = mapped_column(sa.Text)
    requested_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    answered_at: Mapped[datetime | None]

    task: Mapped[Task] = relationship()
