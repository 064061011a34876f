"""Which periodic sessions a report period speaks of: its own session and the previous one section I reports.

One session per quarter; in older data a quarter may hold two, and the one with an issued conclusion is reported.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.core.enums import DirectiveStatus, MeetingKind
from app.core.periods import Period, quarter_label
from app.directives.sessions import session_quarter
from app.extensions import db
from app.models import Directive, Meeting


def meeting_quarter(meeting: Meeting) -> tuple[int, int]:
    return session_quarter(meeting)


def meeting_label(meeting: Meeting) -> str:
    year, quarter = meeting_quarter(meeting)
    return quarter_label(year, quarter)


def report_meeting(report) -> Meeting | None:
    """The session a report's conclusion speaks of (None before one is set)."""
    return db.session.get(Meeting, report.meeting_id) if report.meeting_id else None


def session_meetings(period: Period, as_of: date) -> tuple[Meeting | None, Meeting | None]:
    """The session the report is for (its quarter) and the latest earlier session held by the cut-off."""
    meetings = list(db.session.scalars(
        sa.select(Meeting).where(Meeting.kind == MeetingKind.PERIODIC, Meeting.year.between(period.year - 1, period.year))
        .order_by(Meeting.held_on, Meeting.id)
    ))
    target = (period.year, period.end_quarter)
    current = [m for m in meetings if meeting_quarter(m) == target]
    previous = [m for m in meetings if meeting_quarter(m) < target and m.held_on <= as_of]
    if previous:  # the latest quarter's session (one per quarter; older data may hold two)
        last_quarter = meeting_quarter(previous[-1])
        previous = _with_conclusion_last([m for m in previous if meeting_quarter(m) == last_quarter])
    return (current[-1] if current else None), (previous[-1] if previous else None)


def _with_conclusion_last(sessions: list[Meeting]) -> list[Meeting]:
    """Sessions of one quarter, the one with an issued conclusion last (it is the one reported)."""
    return sorted(sessions, key=lambda m: (bool(conclusions_of(m)[0]), m.held_on, m.id))


def sibling_sessions(meeting: Meeting) -> list[Meeting]:
    """Other periodic sessions recorded for the same quarter (possible only in data older than the rule)."""
    year, _quarter = meeting_quarter(meeting)
    rows = db.session.scalars(sa.select(Meeting).where(
        Meeting.kind == MeetingKind.PERIODIC, Meeting.id != meeting.id, Meeting.year.between(year - 1, year + 1)))
    return [m for m in rows if meeting_quarter(m) == meeting_quarter(meeting)]


def conclusions_of(meeting: Meeting) -> tuple[list[Directive], list[Directive]]:
    """Issued and draft conclusion notices (TB/KL) of a meeting."""
    rows = list(db.session.scalars(
        sa.select(Directive).where(Directive.meeting_id == meeting.id, Directive.doc_type.in_(("TB", "KL")))
        .order_by(Directive.issued_on, Directive.id)
    ))
    issued = [d for d in rows if d.status is DirectiveStatus.ISSUED]
    drafts = [d for d in rows if d.status is DirectiveStatus.DRAFT]
    return issued, drafts
