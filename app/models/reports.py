"""Periodic reports (báo cáo định kỳ): drafts with human narrative, and frozen versions."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, TimestampMixin
from app.core.enums import ReportState, enum_column
from app.core.periods import Period
from app.models.directives import Meeting


class PeriodReport(TimestampMixin, Base):
    """A report for a working session: quarter, 6 months, 9 months or year."""

    __tablename__ = "period_report"
    __table_args__ = (sa.UniqueConstraint("year", "period_kind", "period_index", name="uq_period_report_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    #: "quarter", "half", "nine_months" or "year".
    period_kind: Mapped[str] = mapped_column(sa.String(16))
    period_index: Mapped[int] = mapped_column(default=1)

    @property
    def period(self) -> Period:
        return Period(self.year, self.period_kind, self.period_index)

    #: The session the report is prepared for, and the earlier one whose conclusion section I reports.
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"))
    previous_meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"))
    as_of: Mapped[date]
    #: Assigned only when issued; drafts print "Số       -BC/VPHU".
    number: Mapped[int | None]
    issued_on: Mapped[date | None]
    signer_name: Mapped[str | None] = mapped_column(sa.String(120))
    signer_title: Mapped[str | None] = mapped_column(sa.String(120))
    #: Human-written sections (III, IV.1, V, …) as JSON {section key: text}; regenerating keeps them.
    narrative: Mapped[str] = mapped_column(sa.Text, default="{}")
    state: Mapped[ReportState] = mapped_column(enum_column(ReportState), default=ReportState.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting | None] = relationship(foreign_keys=[meeting_id])
    previous_meeting: Mapped[Meeting | None] = relationship(foreign_keys=[previous_meeting_id])
    versions: Mapped[list[ReportVersion]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportVersion.version_no"
    )

    __mapper_args__ = {"version_id_col": version_id}


class ReportVersion(Base):
    """A frozen version: the figures it was built from and the generated Word file."""

    __tablename__ = "report_version"
    __table_args__ = (sa.UniqueConstraint("report_id", "version_no", name="uq_report_version_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("period_report.id", ondelete="CASCADE"))
    version_no: Mapped[int]
    frozen_at: Mapped[datetime]
    frozen_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: The whole built report (figures and text) as JSON.
    data: Mapped[str] = mapped_column(sa.Text)
    docx: Mapped[bytes | None] = mapped_column(sa.LargeBinary)

    report: Mapped[PeriodReport] = relationship(back_populates="versions")


class AgencyPeriodInput(TimestampMixin, Base):
    """What an agency writes for a period: results narrative, next tasks, proposals (sections II.3, IV.2, V)."""

    __tablename__ = "agency_period_input"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "year", "period_kind", "period_index", name="uq_agency_period_input"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    year: Mapped[int]
    period_kind: Mapped[str] = mapped_column(sa.String(16))
    period_index: Mapped[int] = mapped_column(default=1)
    results_text: Mapped[str] = mapped_column(sa.Text, default="")
    next_tasks_text: Mapped[str] = mapped_column(sa.Text, default="")
    proposals_text: Mapped[str] = mapped_column(sa.Text, default="")
    #: The agency's own tally sentence; printed instead of the computed one, which the office still sees.
    tally_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: Difficulties the agency reports; they prefill section III.2 of the report.
    difficulties_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: Declared number of indicators, checked against the tally buckets.
    declared_indicator_total: Mapped[int | None]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}
