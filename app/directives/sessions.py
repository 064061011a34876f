"""One periodic working session (làm việc định kỳ) per quarter.

The quarterly report's section I reports the conclusion of *the* previous session; two sessions in
one quarter made it report the one without a conclusion.  A second periodic session for a quarter
is refused; :func:`session_quarter` is the one definition of a session's quarter, which the report
uses too.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.enums import MeetingKind
from app.core.errors import ValidationFailed
from app.core.numbers import date_vn
from app.core.periods import quarter_label, quarter_of
from app.extensions import db
from app.models import Meeting


def session_quarter(meeting: Meeting) -> tuple[int, int]:
    """(year, quarter) the session belongs to: its stated quarter, else the quarter it was held in."""
    return (meeting.year, meeting.quarter) if meeting.quarter else quarter_of(meeting.held_on)


def check_single_periodic_session(meeting: Meeting) -> None:
    """Refuse a periodic session in a quarter that already has one (other kinds are not limited)."""
    if meeting.kind is not MeetingKind.PERIODIC:
        return
    year, quarter = session_quarter(meeting)
    with db.session.no_autoflush:
        others = db.session.scalars(sa.select(Meeting).where(
            Meeting.kind == MeetingKind.PERIODIC, Meeting.year.between(year - 1, year + 1),
            Meeting.id != meeting.id if meeting.id else sa.true()))
        clash = next((m for m in others if session_quarter(m) == (year, quarter)), None)
    if clash is not None:
        raise ValidationFailed(
            _("%(q)s đã có buổi làm việc định kỳ ngày %(d)s; mỗi quý chỉ có một buổi. Hãy sửa buổi đó, "
              "hoặc chọn loại khác nếu đây không phải buổi làm việc định kỳ.",
              q=quarter_label(year, quarter).capitalize(), d=date_vn(clash.held_on)), field="held_on")
