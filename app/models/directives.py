"""Meetings, the directive documents they produce, attachments and parsed references."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, TimestampMixin
from app.core.enums import DirectiveStatus, MeetingKind, enum_column
from app.models.organisations import Organisation


class Meeting(TimestampMixin, Base):
    """Buổi làm việc / hội nghị: most often the quarterly working session (làm việc định kỳ)."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind))
    #: As written: "quý I/2024".
    period_label: Mapped[str] = mapped_column(sa.String(64))
    year: Mapped[int]
    quarter: Mapped[int | None]
    held_on: Mapped[date]
    #: Who chaired: "Thường trực Huyện ủy".
    chair: Mapped[str] = mapped_column(sa.String(200))
    #: Participant groups as the report words them, one per line.
    participants: Mapped[str] = mapped_column(sa.Text, default="")
    organiser_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    organiser: Mapped[Organisation | None] = relationship()
    directives: Mapped[list[Directive]] = relationship(back_populates="meeting")

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def participant_list(self) -> list[str]:
        return [p.strip() for p in self.participants.splitlines() if p.strip()]


class Directive(TimestampMixin, Base):
    """Văn bản chỉ đạo: a conclusion notice (Thông báo kết luận), resolution, plan, … ."""

    __tablename__ = "directive"
    __table_args__ = (sa.Index("ix_directive_symbol", "doc_type", "number", "issuer_suffix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Type code: NQ, CT, KL, TB, KH, CTr, QĐ, QĐi, HD, ĐA, CV, BC, QC, TTr, NĐ.
    doc_type: Mapped[str] = mapped_column(sa.String(8))
    #: Number as printed, padded "01".."09" (kept as text: "1...6" exists in redacted sources).
    number: Mapped[str | None] = mapped_column(sa.String(32))
    #: Issuer suffix after the slash: HU, TU, TW, BTCTU, VPHU …
    issuer_suffix: Mapped[str | None] = mapped_column(sa.String(32))
    issued_on: Mapped[date | None]
    issuer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    #: The organ named after "của" (BCH, BTV and Thường trực all use /HU).
    issuing_body: Mapped[str | None] = mapped_column(sa.String(200))
    #: First year of the Party term (nhiệm kỳ) the number belongs to: numbers restart each term.
    term_start_year: Mapped[int | None]
    title: Mapped[str] = mapped_column(sa.String(1000))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"))
    parent_directive_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directive.id"))
    status: Mapped[DirectiveStatus] = mapped_column(enum_column(DirectiveStatus), default=DirectiveStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting | None] = relationship(back_populates="directives")
    issuer: Mapped[Organisation | None] = relationship()
    parent_directive: Mapped[Directive | None] = relationship(remote_side=[id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="directive", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def symbol(self) -> str | None:
        """Số và ký hiệu, e.g. "198-TB/HU" (None while a draft has no number)."""
        if not self.number:
            return None
        return f"{self.number}-{self.doc_type}/{self.issuer_suffix}" if self.issuer_suffix else self.number


class Attachment(Base):
    """A stored file: the signed notice of a directive, or evidence attached to a progress report."""

    __tablename__ = "attachment"
    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN directive_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN progress_report_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directive.id", ondelete="CASCADE"), index=True)
    progress_report_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("progress_report.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    #: Random name under UPLOAD_DIR (outside the web root).
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime]

    directive: Mapped[Directive | None] = relationship(back_populates="attachments")


class DocumentReference(Base):
    """A mention of a directive ("Nghị quyết số 26-NQ/TW ngày 19/5/2018") found in some text."""

    __tablename__ = "document_reference"
    __table_args__ = (sa.Index("ix_document_reference_source", "source_kind", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Where the mention was found: "directive", "task" or "progress_report".
    source_kind: Mapped[str] = mapped_column(sa.String(32))
    source_id: Mapped[int]
    target_directive_id: Mapped[int] = mapped_column(sa.ForeignKey("directive.id", ondelete="CASCADE"), index=True)
    matched_text: Mapped[str] = mapped_column(sa.String(500))
    #: Validation flags from the parser, space-separated (invalid-date, type-code-mismatch, …).
    flags: Mapped[str] = mapped_column(sa.String(200), default="")

    target: Mapped[Directive] = relationship()
