"""Meetings (buổi làm việc): create, edit, delete, list; a meeting's notices' tasks never fall due before it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import audit
from app.core.db import check_version
from app.core.enums import MeetingKind
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.periods import quarter_label
from app.directives.editing import active_organisation, clean, require_editor, vn_date
from app.directives.sessions import check_single_periodic_session
from app.extensions import db
from app.models import Directive, Meeting, PeriodReport, Task

MEETING_FIELDS = ("kind", "period_label", "year", "quarter", "held_on", "chair", "participants", "organiser_id",
                  "notes")
_ROMAN_QUARTER = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_PERIOD_QUARTER = re.compile(r"qu[ýí]\s+([ivx]+|[1-4])\s*/\s*(\d{4})", re.IGNORECASE)


@dataclass
class MeetingInput:
    """What a person types for a meeting (buổi làm việc)."""

    held_on: date | None
    kind: str = MeetingKind.PERIODIC.value
    period_label: str = ""
    chair: str = "Thường trực Huyện ủy"
    participants: str = ""
    organiser_id: int | None = None
    notes: str = ""


def _period_from(label: str, held_on: date) -> tuple[str, int, int | None]:
    """(label, year, quarter): "quý I/2024" from the label when it names a quarter, else from the date."""
    label = clean(label)
    match = _PERIOD_QUARTER.search(label)
    if match:
        token = match.group(1).lower()
        quarter = int(token) if token.isdigit() else _ROMAN_QUARTER.get(token)
        if quarter is None:
            raise ValidationFailed(_("Kỳ “%(label)s” không hợp lệ: chỉ có quý I đến quý IV.", label=label))
        return label, int(match.group(2)), quarter
    quarter = (held_on.month - 1) // 3 + 1
    return label or quarter_label(held_on.year, quarter), held_on.year, quarter if not label else None


def _apply_meeting(meeting: Meeting, data: MeetingInput) -> None:
    if data.held_on is None:
        raise ValidationFailed(_("Chưa nhập ngày họp."), field="held_on")
    chair = clean(data.chair)
    if not chair:
        raise ValidationFailed(_("Chưa nhập chủ trì buổi làm việc."), field="chair")
    try:
        kind = MeetingKind.coerce(data.kind)
    except ValueError:
        raise ValidationFailed(_("Loại buổi làm việc không hợp lệ."), field="kind") from None
    label, year, quarter = _period_from(data.period_label, data.held_on)
    if data.organiser_id:
        active_organisation(data.organiser_id, _("Cơ quan tổ chức"))
    meeting.kind, meeting.held_on, meeting.chair = kind, data.held_on, chair[:200]
    meeting.period_label, meeting.year, meeting.quarter = label[:64], year, quarter
    meeting.participants = clean(data.participants)
    meeting.organiser_id = data.organiser_id or None
    meeting.notes = clean(data.notes)
    check_single_periodic_session(meeting)


def create_meeting(actor, data: MeetingInput) -> Meeting:
    """Record a meeting (buổi làm việc định kỳ, hội nghị …)."""
    require_editor(actor)
    meeting = Meeting(created_by_id=getattr(actor, "id", None))
    _apply_meeting(meeting, data)
    db.session.add(meeting)
    audit.record(actor, "create", meeting, summary=_("Buổi làm việc %(label)s ngày %(d)s",
                                                     label=meeting.period_label, d=vn_date(meeting.held_on)),
                 after=audit.snapshot(meeting, MEETING_FIELDS))
    return meeting


def update_meeting(actor, meeting: Meeting, data: MeetingInput, *, expected_version: int | None = None) -> Meeting:
    """Edit a meeting; its notices' tasks must not fall due before the new date."""
    require_editor(actor)
    check_version(meeting, expected_version)
    before = audit.snapshot(meeting, MEETING_FIELDS)
    _apply_meeting(meeting, data)
    earliest = db.session.scalar(
        sa.select(sa.func.min(Task.due_date)).join(Directive, Task.directive_id == Directive.id)
        .where(Directive.meeting_id == meeting.id)
    ) if meeting.id else None
    if earliest is not None and earliest < meeting.held_on:
        raise ValidationFailed(_("Không thể đổi ngày họp sang %(d)s: đã có nhiệm vụ hạn %(due)s, trước ngày họp.",
                                 d=vn_date(meeting.held_on), due=vn_date(earliest)), field="held_on")
    old, new = audit.diff(before, audit.snapshot(meeting, MEETING_FIELDS))
    if new:
        db.session.flush()
        audit.record(actor, "update", meeting, summary=meeting.period_label, before=old, after=new)
    return meeting


def delete_meeting(actor, meeting: Meeting) -> None:
    """Delete a meeting that no notice or report refers to."""
    require_editor(actor)
    if db.session.scalar(sa.select(sa.func.count()).select_from(Directive).where(Directive.meeting_id == meeting.id)):
        raise Conflict(_("Buổi làm việc đã có văn bản kết luận; hãy xóa hoặc chuyển văn bản trước."))
    used = db.session.scalar(sa.select(sa.func.count()).select_from(PeriodReport).where(
        sa.or_(PeriodReport.meeting_id == meeting.id, PeriodReport.previous_meeting_id == meeting.id)))
    if used:
        raise Conflict(_("Buổi làm việc đã được dùng trong báo cáo định kỳ, không thể xóa."))
    audit.record(actor, "delete", meeting, summary=meeting.period_label, before=audit.snapshot(meeting, MEETING_FIELDS))
    db.session.delete(meeting)
    db.session.flush()


@dataclass(frozen=True)
class MeetingFilters:
    year: int | None = None
    kind: str | None = None


def list_meetings(filters: MeetingFilters, *, after_id: int | None = None, limit: int = 50
                  ) -> tuple[list[Meeting], int | None]:
    """One page of meetings, newest first, keyset-paginated on the id."""
    stmt = sa.select(Meeting).order_by(Meeting.id.desc()).limit(limit + 1)
    if filters.year:
        stmt = stmt.where(Meeting.year == filters.year)
    if filters.kind:
        stmt = stmt.where(Meeting.kind == MeetingKind.coerce(filters.kind))
    if after_id:
        stmt = stmt.where(Meeting.id < after_id)
    rows = list(db.session.scalars(stmt))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def meeting_choices() -> list[Meeting]:
    """Meetings for a picker, newest first."""
    return list(db.session.scalars(sa.select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(200)))


def find_meeting(meeting_id: int | None) -> Meeting | None:
    """The meeting with this id, None for no id or a missing one."""
    return db.session.get(Meeting, meeting_id) if meeting_id else None


def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(_("Không tìm thấy buổi làm việc."))
    return meeting
