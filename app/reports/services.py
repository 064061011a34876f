"""The periodic working-session report (báo cáo làm việc định kỳ), built from the data as of a cut-off.

:func:`build_period_report` reads the database and returns a :class:`QuarterlyReport`: plain frozen
dataclasses holding every line of every section (domain.md §5.1–5.2).  The Word writer
(:mod:`app.reports.docx`), the Excel annex (:mod:`app.reports.xlsx`), the HTML preview and the CLI all
render that one object, so the web download and ``flask report quarterly`` give the same file.

Where each part comes from:

- header, title, recipients, signature (AS-06): configuration, the report row, fixed text;
- I. the previous periodic session's conclusion (AS-01, AS-09): its tasks and content items, counted
  once under the conclusion that set them (carry-overs included), completed or not as of the cut-off;
- II.1 district key indicators (AS-02): :func:`app.progress.indicators.indicator_line` on the latest
  value on or before the cut-off;
- II.2, III, IV.1, V: text the office writes in the editor (``PeriodReport.narrative``);
- II.3 per-agency blocks in agency order (AS-07): each agency's period input (or, failing that, its
  progress narratives), closed for the Front and mass organisations by a tally line (AS-03) checked
  against the number of indicators the agency declared;
- IV.2 per agency: its planned tasks and its open tasks;
- footnotes: ``[^text]`` written in any narrative becomes a numbered footnote.

Editing flow: a draft keeps the human text and the cut-off; the data parts are rebuilt from the
database every time, so regenerating (possibly with a new cut-off) never loses an edit.  Freezing
stores a :class:`ReportVersion` with the whole built report as JSON and the Word file.  Carry-over
moves the unfinished tasks into the next session's draft conclusion (AS-09 branch B).

Services flush, never commit; every write is audited.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.core import audit
from app.core.clock import LOCAL_TZ, now_utc
from app.core.db import check_version as core_check_version
from app.core.enums import (
    OVERSIGHT_ROLES,
    DirectiveStatus,
    MeetingKind,
    ReportState,
    Role,
    TaskKind,
    TaskStatus,
)
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.numbers import count, date_vn, place_date_line, roman
from app.core.periods import Period, quarter_label, report_period_heading
from app.core.permissions import issued_task_clause, require
from app.core.text import fold_tone_marks, normalize
from app.directives.sessions import session_quarter
from app.extensions import db
from app.models import (
    AgencyPeriodInput,
    ContentItem,
    Directive,
    Indicator,
    IndicatorValue,
    Meeting,
    Organisation,
    PeriodReport,
    ProgressReport,
    ReportVersion,
    Task,
    TaskCarryOver,
    User,
    task_coordinator,
)
from app.progress import indicators as arithmetic
from app.reports import narrative as narrative_parts
from app.reports.narrative import draft_warnings, logical_lines, starts_with_agency
from app.reports.tallies import (
    TALLY_KINDS,
    TALLY_PREFIX,
    AgencyTally,
    agency_tally,
    chunks,
    indicator_figure,
    latest_values,
    printed_tally,
    tally_template_for,
)
from app.tasks.units import WorkUnit, completion_by, unit_of

__all__ = [
    "AgencyBlock",
    "AgencyTally",
    "AnnexRow",
    "CarryCandidate",
    "ConclusionResult",
    "ConclusionUnit",
    "NARRATIVE_FIELDS",
    "Para",
    "QuarterlyReport",
    "agency_input_preview",
    "agency_tally",
    "build_for",
    "build_period_report",
    "can_view_drafts",
    "carry_over",
    "carry_over_candidates",
    "conclusion_result",
    "create_report",
    "find_report",
    "freeze_report",
    "get_agency_input",
    "get_report",
    "get_version",
    "list_reports",
    "narrative_of",
    "regenerate_report",
    "report_agencies",
    "report_conclusion",
    "save_agency_input",
    "save_report",
    "section_one_paragraphs",
    "tally_template_for",
    "version_annex",
    "version_as_of",
]

# ============================================================================================
# Periods
# ============================================================================================

PERIOD_KIND_LABELS = {
    "quarter": _l("Quý"),
    "half": _l("6 tháng"),
    "nine_months": _l("9 tháng"),
    "year": _l("Năm"),
}


# ============================================================================================
# The built report (plain data)
# ============================================================================================

#: Human-written parts, in document order: key → (label in the editor, help text).
NARRATIVE_FIELDS: dict[str, tuple] = {
    "section1_note": (_l("I. Ghi chú thêm (nguyên nhân, hướng xử lý)"), _l("Tùy chọn; in sau danh sách nội dung chưa hoàn thành.")),
    "key_work": (_l("II.2. Các mặt công tác trọng tâm"), _l("Mỗi dòng một ý; bắt đầu bằng “- ”.")),
    "achievements": (_l("III.1. Kết quả đạt được"), _l("Mỗi dòng một ý.")),
    "limitations": (_l("III.2. Khó khăn, hạn chế"), None),
    "causes": (_l("III.2. Nguyên nhân hạn chế"), None),
    "next_key_work": (_l("IV.1. Các mặt công tác trọng tâm thời gian tới"),
                      _l("Các nội dung chưa hoàn thành được tự động thêm vào sau phần này.")),
    "proposals": (_l("V. Đề xuất, kiến nghị của Văn phòng"),
                  _l("Đề xuất của các cơ quan được tự động đưa vào; để trống nếu không có.")),
    "recipients": (_l("Nơi nhận"), _l("Mỗi dòng một nơi nhận; để trống để dùng danh sách mặc định.")),
}

DEFAULT_RECIPIENTS = (
    "Thường trực Huyện ủy",
    "Thường trực HĐND, UBND huyện",
    "Các cơ quan tham mưu, giúp việc Huyện ủy",
    "Trung tâm Chính trị huyện",
    "MTTQ và các đoàn thể CT-XH huyện",
    "Lưu Văn phòng Huyện ủy",
)
REPORT_CODE = "BC/VPHU"
_BLANK_NUMBER = " " * 7  # "Số       -BC/VPHU": the number is written in by hand when issued (003:L9)
_FOOTNOTE_RE = re.compile(r"\[\^([^\]]+)\]")


@dataclass(frozen=True)
class Para:
    """One paragraph: ``parts`` are text pieces and footnote numbers (ints) in reading order.

    ``style``: heading1 (I.), heading2 (1.), field ("* …:"), body, bullet ("- "), subbullet ("+ "),
    tally (an agency's indicator tally line).
    """

    style: str
    parts: tuple[str | int, ...]

    def __post_init__(self) -> None:
        # One spelling in the document whatever was typed or imported: the seeds' "ủy", "Hòa".
        object.__setattr__(self, "parts", tuple(fold_tone_marks(p) if isinstance(p, str) else p for p in self.parts))

    @property
    def text(self) -> str:
        return "".join(p for p in self.parts if isinstance(p, str))

    def to_json(self) -> dict:
        return {"style": self.style, "parts": list(self.parts)}


@dataclass(frozen=True)
class ConclusionUnit:
    """A content item (nội dung) of a conclusion as section I counts it; a task without items is one unit."""

    task_id: int
    item_id: int | None
    text: str
    lead: str
    due: date | None
    completed_on: date | None
    on_schedule: bool


@dataclass(frozen=True)
class ConclusionResult:
    """What the previous session set and how it stands at the cut-off (AS-01)."""

    meeting_id: int
    meeting_label: str
    held_on: date
    chair: str
    participants: tuple[str, ...]
    directive_ids: tuple[int, ...]
    directive_symbols: tuple[str, ...]
    task_count: int
    units: tuple[ConclusionUnit, ...]
    next_label: str

    @property
    def unit_count(self) -> int:
        return len(self.units)

    @property
    def unfinished(self) -> tuple[ConclusionUnit, ...]:
        return tuple(u for u in self.units if not u.on_schedule)

    @property
    def completed_count(self) -> int:
        return self.unit_count - len(self.unfinished)


@dataclass(frozen=True)
class AgencyBlock:
    """One "* heading:" block of section II.3 with the agency's tally (AS-03)."""

    organisation_id: int
    code: str
    name: str
    heading: str
    paras: tuple[Para, ...]
    source: str  # "input", "progress" or "none"
    tally_line: str | None = None  # what the report prints: the agency's own sentence or the computed one
    tally_counts: dict | None = None
    declared_total: int | None = None
    tally_error: str | None = None
    computed_tally_line: str | None = None  # always the computed sentence, shown to the office


@dataclass(frozen=True)
class AnnexRow:
    """One task in the Excel annex, as of the cut-off."""

    task_id: int
    directive: str
    task: str
    lead: str
    coordinators: str
    due: date | None
    original_due: date | None
    status: str
    timeliness: str
    last_report: str

    def __post_init__(self) -> None:
        for name in ("directive", "task", "lead", "coordinators", "last_report"):
            object.__setattr__(self, name, fold_tone_marks(getattr(self, name)))

    def to_json(self) -> dict:
        data = asdict(self)
        data["due"] = self.due.isoformat() if self.due else None
        data["original_due"] = self.original_due.isoformat() if self.original_due else None
        return data

    @classmethod
    def from_json(cls, data: Mapping) -> AnnexRow:
        values = dict(data)
        for name in ("due", "original_due"):
            values[name] = date.fromisoformat(values[name]) if values.get(name) else None
        return cls(**values)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paras: tuple[Para, ...] = ()
    subsections: tuple[Subsection, ...] = ()


@dataclass(frozen=True)
class Subsection:
    key: str
    title: str
    paras: tuple[Para, ...] = ()
    blocks: tuple[AgencyBlock, ...] = ()


@dataclass(frozen=True)
class Header:
    """The two-column header table (AS-06): issuer on the left, the Party name and place-date on the right."""

    parent_line: str
    unit_line: str
    number_line: str
    party_line: str
    place_date_line: str


@dataclass(frozen=True)
class QuarterlyReport:
    period: Period
    as_of: date
    header: Header
    title_lines: tuple[str, ...]
    sections: tuple[Section, ...]
    recipients: tuple[str, ...]
    signature_title: tuple[str, ...]
    signer_name: str
    footnotes: tuple[str, ...]
    conclusion: ConclusionResult | None
    indicator_lines: tuple[str, ...]
    indicator_figures: tuple[dict, ...]
    agency_blocks: tuple[AgencyBlock, ...]
    annex: tuple[AnnexRow, ...]
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    meeting_id: int | None = None
    previous_meeting_id: int | None = None
    issued_on: date | None = None

    def body(self) -> list[Para]:
        """Every paragraph from section I to V, with sequential numbering (I–V, then 1..n; AS-07)."""
        out: list[Para] = []
        for i, section in enumerate(self.sections, start=1):
            out.append(Para("heading1", (f"{roman(i)}. {section.title}",)))
            out.extend(section.paras)
            for j, sub in enumerate(section.subsections, start=1):
                out.append(Para("heading2", (f"{j}. {sub.title}",)))
                out.extend(sub.paras)
                for block in sub.blocks:
                    out.append(Para("field", (f"* {block.heading}:",)))
                    out.extend(block.paras)
                    if block.tally_line:
                        out.append(Para("tally", (block.tally_line,)))
        return out

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def section_text(self, key: str) -> list[str]:
        """Heading and paragraphs of one top-level section as plain lines (numbered as in the document)."""
        number = next(i for i, s in enumerate(self.sections, start=1) if s.key == key)
        lines, current = [], 0
        for para in self.body():
            if para.style == "heading1":
                current += 1
            if current == number:
                lines.append(para.text)
        return lines

    @property
    def blocking(self) -> bool:
        """Errors that must be fixed before a version can be frozen (tallies that do not add up)."""
        return bool(self.errors)

    def to_json(self) -> dict:
        """Everything the report was built from and says: stored with each frozen version."""
        return {
            "period": {"year": self.period.year, "kind": self.period.kind, "index": self.period.index,
                       "label": self.period.label},
            "as_of": self.as_of.isoformat(),
            "header": asdict(self.header),
            "title": list(self.title_lines),
            "body": [p.to_json() for p in self.body()],
            "recipients": list(self.recipients),
            "signature": {"title": list(self.signature_title), "name": self.signer_name},
            "footnotes": list(self.footnotes),
            "figures": {
                "conclusion": _conclusion_json(self.conclusion),
                "indicators": list(self.indicator_figures),
                "tallies": [
                    {"code": b.code, "line": b.tally_line, "computed": b.computed_tally_line,
                     "counts": b.tally_counts, "declared": b.declared_total, "error": b.tally_error}
                    for b in self.agency_blocks if b.tally_line or b.tally_error
                ],
            },
            "annex": [row.to_json() for row in self.annex],
            "warnings": list(self.warnings),
        }


def _conclusion_json(result: ConclusionResult | None) -> dict | None:
    if result is None:
        return None
    return {
        "meeting": result.meeting_label,
        "held_on": result.held_on.isoformat(),
        "directives": list(result.directive_symbols),
        "tasks": result.task_count,
        "items": result.unit_count,
        "completed": result.completed_count,
        "unfinished": [
            {"task_id": u.task_id, "item_id": u.item_id, "text": u.text, "lead": u.lead,
             "due": u.due.isoformat() if u.due else None}
            for u in result.unfinished
        ],
    }


# ============================================================================================
# Text helpers
# ============================================================================================


class _Notes:
    """Footnotes numbered across the whole document in reading order."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def parts(self, text: str) -> tuple[str | int, ...]:
        """Split "…theo quy định[^Chi tiết…]. Tiếp…" into text pieces and footnote numbers."""
        pieces: list[str | int] = []
        last = 0
        for match in _FOOTNOTE_RE.finditer(text):
            if match.start() > last:
                pieces.append(text[last:match.start()])
            note = fold_tone_marks(match.group(1).strip())
            if note:
                self.texts.append(note)
                pieces.append(len(self.texts))
            last = match.end()
        if last < len(text):
            pieces.append(text[last:])
        return tuple(pieces) or ("",)


def _clean_line(line: str) -> str:
    return normalize(line).strip()


def _style_of(line: str, default: str) -> str:
    if line.startswith("- "):
        return "bullet"
    if line.startswith("+ "):
        return "subbullet"
    if line.startswith("* ") and line.rstrip().endswith(":"):
        return "field"
    return default


def _paragraphs(text: str | None, notes: _Notes, *, default: str = "body") -> tuple[Para, ...]:
    """One paragraph per non-empty line; "- ", "+ " and "* …:" lines keep their list role."""
    out = []
    for raw in logical_lines(text):
        line = _clean_line(raw)
        if line:
            out.append(Para(_style_of(line, default), notes.parts(line)))
    return tuple(out)


def _strip_end(text: str) -> str:
    return _clean_line(text).rstrip(" .;,")


def _recipient_lines(text: str | None) -> tuple[str, ...]:
    """"- X," for every line and "- Y." for the last one (domain.md §5.4 rule 3)."""
    names = [_strip_end(line).removeprefix("-").strip() for line in (text or "").splitlines()]
    names = [n for n in names if n] or list(DEFAULT_RECIPIENTS)
    return tuple(f"- {name}{'.' if i == len(names) - 1 else ','}" for i, name in enumerate(names))


def _starts_with_name(text: str, org: Organisation) -> bool:
    return starts_with_agency(text, (org.name, org.short_name, *org.alias_list))


def _local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


# ============================================================================================
# Meetings and section I
# ============================================================================================


def _meeting_quarter(meeting: Meeting) -> tuple[int, int]:
    return session_quarter(meeting)


def _meeting_label(meeting: Meeting) -> str:
    year, quarter = _meeting_quarter(meeting)
    return quarter_label(year, quarter)


def _session_meetings(period: Period, as_of: date) -> tuple[Meeting | None, Meeting | None]:
    """The session the report is for (its quarter) and the latest earlier session held by the cut-off."""
    meetings = list(db.session.scalars(
        sa.select(Meeting).where(Meeting.kind == MeetingKind.PERIODIC, Meeting.year.between(period.year - 1, period.year))
        .order_by(Meeting.held_on, Meeting.id)
    ))
    target = (period.year, period.end_quarter)
    current = [m for m in meetings if _meeting_quarter(m) == target]
    previous = [m for m in meetings if _meeting_quarter(m) < target and m.held_on <= as_of]
    if previous:  # the latest quarter's session (one per quarter; older data may hold two)
        last_quarter = _meeting_quarter(previous[-1])
        previous = _with_conclusion_last([m for m in previous if _meeting_quarter(m) == last_quarter])
    return (current[-1] if current else None), (previous[-1] if previous else None)


def _with_conclusion_last(sessions: list[Meeting]) -> list[Meeting]:
    """Sessions of one quarter, the one with an issued conclusion last (it is the one reported)."""
    return sorted(sessions, key=lambda m: (bool(_conclusions_of(m)[0]), m.held_on, m.id))


def _sibling_sessions(meeting: Meeting) -> list[Meeting]:
    """Other periodic sessions recorded for the same quarter (possible only in data older than the rule)."""
    year, _quarter = _meeting_quarter(meeting)
    rows = db.session.scalars(sa.select(Meeting).where(
        Meeting.kind == MeetingKind.PERIODIC, Meeting.id != meeting.id, Meeting.year.between(year - 1, year + 1)))
    return [m for m in rows if _meeting_quarter(m) == _meeting_quarter(meeting)]


def _conclusions_of(meeting: Meeting) -> tuple[list[Directive], list[Directive]]:
    """Issued and draft conclusion notices (TB/KL) of a meeting."""
    rows = list(db.session.scalars(
        sa.select(Directive).where(Directive.meeting_id == meeting.id, Directive.doc_type.in_(("TB", "KL")))
        .order_by(Directive.issued_on, Directive.id)
    ))
    issued = [d for d in rows if d.status is DirectiveStatus.ISSUED]
    drafts = [d for d in rows if d.status is DirectiveStatus.DRAFT]
    return issued, drafts


@dataclass
class _Membership:
    """How a task belongs to a set of conclusions: set there (and maybe carried out later), or carried in."""

    due: date | None
    carried_in_on: date | None = None
    carried_out: bool = False


def _membership(task: Task, rows: list[TaskCarryOver], ids: set[int]) -> _Membership | None:
    """Count each task once: under the conclusion that first set it, or that re-assigned it by carry-over."""
    rows = sorted(rows, key=lambda r: (r.carried_at, r.id))
    origin = rows[0].from_directive_id if rows else task.directive_id
    if origin in ids:
        # Carried out later: judged against the due date this conclusion set, not the new one.
        return _Membership(rows[0].previous_due_date, carried_out=True) if rows else _Membership(task.due_date)
    for row in rows:
        if row.to_directive_id in ids:
            return _Membership(row.new_due_date, _local_date(row.carried_at))
    return None


def _unit_due(item: ContentItem | None, task: Task, member: _Membership) -> date | None:
    """The due date the conclusion set for this item: a carry-over's date wins over the item's own."""
    if member.carried_in_on is not None or member.carried_out:
        return member.due
    return (item.due_date if item is not None else None) or task.due_date


def _units_of(task: Task, member: _Membership, as_of: date) -> list[ConclusionUnit]:
    units = []
    for item in list(task.items) or [None]:
        unit = unit_of(task, item)
        if member.carried_in_on is not None and unit.closed_on(member.carried_in_on):
            continue  # finished before the carry-over: the later conclusion did not set it again
        due = _unit_due(item, task, member)
        done = unit.closed_on(as_of)
        lead = (item.effective_lead if item is not None else task.lead_org).name
        units.append(ConclusionUnit(
            task_id=task.id, item_id=item.id if item is not None else None,
            text=_strip_end(item.text if item is not None else task.title), lead=lead, due=due, completed_on=done,
            on_schedule=done is not None and (due is None or done <= due),
        ))
    return units


def conclusion_result(meeting: Meeting, directives: Sequence[Directive], as_of: date) -> ConclusionResult:
    """Tasks and content items the meeting's conclusion set, as they stand at the cut-off (AS-01, AS-09)."""
    ids = {d.id for d in directives}
    carried_ids = sa.select(TaskCarryOver.task_id).where(
        sa.or_(TaskCarryOver.from_directive_id.in_(ids), TaskCarryOver.to_directive_id.in_(ids)))
    tasks = list(db.session.scalars(
        sa.select(Task).where(sa.or_(Task.directive_id.in_(ids), Task.id.in_(carried_ids)))
        .options(selectinload(Task.items).joinedload(ContentItem.lead_org))
        .order_by(Task.directive_id, Task.ordinal, Task.id)
    ).unique())
    rows_by_task: dict[int, list[TaskCarryOver]] = defaultdict(list)
    if tasks:
        for row in db.session.scalars(sa.select(TaskCarryOver).where(TaskCarryOver.task_id.in_([t.id for t in tasks]))):
            rows_by_task[row.task_id].append(row)
    units: list[ConclusionUnit] = []
    task_count = 0
    for task in _conclusion_order(tasks, rows_by_task, ids):
        member = _membership(task, rows_by_task[task.id], ids)
        if member is None:
            continue
        task_units = _units_of(task, member, as_of)
        if task_units:
            task_count += 1
            units.extend(task_units)
    next_quarter = Period.quarter(*_meeting_quarter(meeting)).next_quarter()
    return ConclusionResult(
        meeting_id=meeting.id, meeting_label=_meeting_label(meeting), held_on=meeting.held_on,
        chair=meeting.chair or "Thường trực Huyện ủy", participants=tuple(meeting.participant_list),
        directive_ids=tuple(sorted(ids)), directive_symbols=tuple(d.symbol or d.title for d in directives),
        task_count=task_count, units=tuple(units), next_label=next_quarter.label,
    )


def _conclusion_order(tasks: list[Task], rows_by_task: Mapping[int, list[TaskCarryOver]], ids: set[int]) -> list[Task]:
    """Tasks the conclusion set first (in its order), then the ones it carried in."""

    def carried_in(task: Task) -> bool:
        rows = rows_by_task.get(task.id)
        return bool(rows) and min(rows, key=lambda r: (r.carried_at, r.id)).from_directive_id not in ids

    return [t for t in tasks if not carried_in(t)] + [t for t in tasks if carried_in(t)]


def section_one_paragraphs(result: ConclusionResult) -> list[str]:
    """The body of section I, worded as AS-01 and its 0/1/2+ variants."""
    chair = result.chair
    with_whom = f" với {'; '.join(result.participants)}" if result.participants else ""
    done, total, left = result.completed_count, result.unit_count, result.unfinished
    if not left:
        outcome = (f"tất cả các nhiệm vụ đều được các cơ quan, đơn vị, địa phương phối hợp thực hiện hoàn thành "
                   f"theo ý kiến chỉ đạo của {chair}.")
    elif done * 2 > total:
        outcome = (f"hầu hết các nhiệm vụ đều được các cơ quan, đơn vị, địa phương phối hợp thực hiện hoàn thành "
                   f"theo ý kiến chỉ đạo của {chair}.")
    elif done:
        outcome = (f"một số nhiệm vụ đã được các cơ quan, đơn vị, địa phương phối hợp thực hiện hoàn thành "
                   f"theo ý kiến chỉ đạo của {chair}.")
    else:
        outcome = (f"các nhiệm vụ đang được các cơ quan, đơn vị, địa phương phối hợp triển khai thực hiện "
                   f"theo ý kiến chỉ đạo của {chair}.")
    first = (
        f"Ngày {date_vn(result.held_on)}, {chair} có buổi làm việc định kỳ {result.meeting_label}{with_whom}. "
        f"Kết luận tại buổi làm việc {chair} chỉ đạo {count(result.task_count)} nhiệm vụ trọng tâm, "
        f"với {count(total)} nội dung cần tập trung thực hiện trong {result.next_label}, {outcome}"
    )
    if not left:
        return [first]
    how_many = "một nhiệm vụ" if len(left) == 1 else f"{count(len(left))} nhiệm vụ"
    listed = "; ".join(_unfinished_text(u) for u in left)
    return [first, f"Tuy nhiên, còn {how_many} chưa hoàn thành theo tiến độ đề ra, đó là: {listed}."]


def _unfinished_text(unit: ConclusionUnit) -> str:
    if unit.completed_on is not None:
        # Completed, but after the due date the conclusion set: still "not on schedule".
        return f"{unit.text} (hoàn thành ngày {date_vn(unit.completed_on)})"
    return unit.text


# ============================================================================================
# Indicators (II.1) and agency tallies (II.3)
# ============================================================================================


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _district_indicator_lines(year: int, as_of: date, warnings: list[str]) -> tuple[list[str], list[dict]]:
    indicators = list(db.session.scalars(
        sa.select(Indicator).where(Indicator.is_district_key.is_(True), Indicator.year == year)
        .order_by(Indicator.display_order, Indicator.code, Indicator.id)
    ))
    latest = latest_values([i.id for i in indicators], as_of)
    lines, figures = [], []
    for indicator in indicators:
        value = latest.get(indicator.id)
        line = None
        if value is None:
            warnings.append(_("Chỉ tiêu “%(name)s” chưa có số liệu đến ngày %(d)s.",
                              name=f"{indicator.phrase} {indicator.unit}".strip(), d=date_vn(as_of)))
        else:
            try:
                line = arithmetic.indicator_line(indicator_figure(indicator, value))
            except ValueError as error:
                warnings.append(_("Chỉ tiêu “%(name)s”: %(error)s", name=indicator.phrase, error=str(error)))
        if line is None:
            line = f"- {indicator.phrase} {indicator.unit}".rstrip() + ": chưa có số liệu."
        lines.append(line)
        figures.append({
            "code": indicator.code, "phrase": indicator.phrase, "unit": indicator.unit,
            "target": _decimal_text(indicator.target), "target_rate": _decimal_text(indicator.target_rate),
            "actual": _decimal_text(value.actual) if value else None,
            "base": _decimal_text(value.base) if value else None,
            "value_as_of": value.as_of.isoformat() if value else None, "line": line,
        })
    return lines, figures


def report_agencies(on: date | None = None) -> list[Organisation]:
    """The agencies with a block in section II.3, in report order (domain.md §1.3)."""
    stmt = (sa.select(Organisation).where(Organisation.is_active.is_(True), Organisation.report_heading.is_not(None),
                                          Organisation.report_heading != "")
            .order_by(Organisation.display_order, Organisation.name))
    agencies = list(db.session.scalars(stmt))
    if on is None:
        return agencies
    return [o for o in agencies if (o.valid_from is None or o.valid_from <= on) and (o.valid_until is None or o.valid_until >= on)]


def _inputs_for(period: Period) -> dict[int, AgencyPeriodInput]:
    rows = db.session.scalars(sa.select(AgencyPeriodInput).where(
        AgencyPeriodInput.year == period.year, AgencyPeriodInput.period_kind == period.kind,
        AgencyPeriodInput.period_index == period.index))
    return {row.organisation_id: row for row in rows}


def _progress_narratives(agency_ids: Sequence[int], year: int, as_of: date) -> dict[int, list[str]]:
    """The latest lead report text per task, year to date, for agencies that entered no period input."""
    if not agency_ids:
        return {}
    reports = db.session.scalars(
        sa.select(ProgressReport).where(
            ProgressReport.organisation_id.in_(agency_ids), ProgressReport.is_lead_report.is_(True),
            ProgressReport.reported_on.between(date(year, 1, 1), as_of), ProgressReport.result_text != "")
        .order_by(ProgressReport.task_id, ProgressReport.reported_on, ProgressReport.created_at, ProgressReport.id)
    )
    latest: dict[tuple[int, int], ProgressReport] = {}
    for report in reports:
        latest[(report.organisation_id, report.task_id)] = report
    texts: dict[int, list[str]] = defaultdict(list)
    for (org_id, _task_id), report in sorted(latest.items(), key=lambda kv: (kv[1].reported_on, kv[1].id)):
        texts[org_id].append(_clean_line(report.result_text))
    return texts


# ============================================================================================
# Tasks as of the cut-off: annex and open work
# ============================================================================================


@dataclass(frozen=True)
class _TaskRow:
    """The columns of a task the annex and section IV need (read as plain rows: 1,000 tasks stay fast)."""

    id: int
    directive_id: int
    title: str
    lead_org_id: int
    due_date: date | None
    original_due_date: date | None
    status: TaskStatus
    completed_on: date | None
    kind: TaskKind
    #: Its units (app.tasks.units): the items, or the task itself.
    units: tuple[WorkUnit, ...] = ()

    def done_by(self, as_of: date) -> date | None:
        return completion_by(self.status, self.completed_on, as_of)

    def overdue_days(self, as_of: date) -> int:
        """How late its latest-running overdue unit is on ``as_of`` (0: none is overdue)."""
        return max((u.days_late(as_of) for u in self.units), default=0)


@dataclass(frozen=True)
class _TaskContext:
    """Names the annex prints: organisations, directives and each task's coordinating agencies."""

    org_names: dict[int, str]
    org_codes: dict[int, str]
    directives: dict[int, str]
    coordinators: dict[int, list[str]]


def _period_tasks(year: int, as_of: date) -> list[_TaskRow]:
    """Tasks in force at the cut-off that were open then or completed this year."""
    year_start = date(year, 1, 1)
    stmt = (
        sa.select(Task.id, Task.directive_id, Task.title, Task.lead_org_id, Task.due_date, Task.original_due_date,
                  Task.status, Task.completed_on, Task.kind)
        .join(Directive, Task.directive_id == Directive.id)
        .outerjoin(Meeting, Directive.meeting_id == Meeting.id)
        .where(
            Directive.status != DirectiveStatus.REFERENCE,
            issued_task_clause(),  # a draft's own tasks are nobody's work yet (carried-over ones are)
            sa.or_(Directive.issued_on.is_(None), Directive.issued_on <= as_of),
            sa.or_(Meeting.id.is_(None), Meeting.held_on <= as_of),
            sa.or_(Task.status != TaskStatus.COMPLETED, Task.completed_on.is_(None),
                   Task.completed_on > as_of, Task.completed_on >= year_start),
        )
        .order_by(sa.nulls_last(Directive.issued_on.asc()), Directive.id, Task.ordinal, Task.id)
    )
    tasks = [_TaskRow(*row) for row in db.session.execute(stmt)]
    items: dict[int, list] = defaultdict(list)
    for chunk in chunks([t.id for t in tasks]):
        for item in db.session.execute(
            sa.select(ContentItem.task_id, ContentItem.id, ContentItem.lead_org_id, ContentItem.due_date,
                      ContentItem.status, ContentItem.completed_on)
            .where(ContentItem.task_id.in_(chunk)).order_by(ContentItem.task_id, ContentItem.ordinal, ContentItem.id)):
            items[item.task_id].append(item)
    return [dataclasses.replace(t, units=tuple(unit_of(t, i) for i in items.get(t.id, [None]))) for t in tasks]


def _task_context(tasks: Sequence[_TaskRow]) -> _TaskContext:
    orgs = db.session.execute(sa.select(Organisation.id, Organisation.name, Organisation.code)).all()
    directive_ids = sorted({t.directive_id for t in tasks})
    directives: dict[int, str] = {}
    coordinators: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks(directive_ids):
        for directive in db.session.scalars(sa.select(Directive).where(Directive.id.in_(chunk))):
            directives[directive.id] = _directive_label(directive)
    for chunk in chunks([t.id for t in tasks]):
        rows = db.session.execute(
            sa.select(task_coordinator.c.task_id, Organisation.name)
            .join(Organisation, Organisation.id == task_coordinator.c.organisation_id)
            .where(task_coordinator.c.task_id.in_(chunk))
            .order_by(task_coordinator.c.task_id, Organisation.display_order, Organisation.name))
        for task_id, name in rows:
            coordinators[task_id].append(name)
    return _TaskContext({o.id: o.name for o in orgs}, {o.id: o.code for o in orgs}, directives, coordinators)


@dataclass(frozen=True)
class _LastReport:
    reported_on: date
    is_lead_report: bool
    status: TaskStatus
    result_text: str
    organisation_id: int


def _last_reports(task_ids: Sequence[int], as_of: date) -> dict[int, _LastReport]:
    """The last report on each task dated on or before the cut-off (the lead's report wins a tie)."""
    latest: dict[int, _LastReport] = {}
    for chunk in chunks(task_ids):
        rows = db.session.execute(
            sa.select(ProgressReport.task_id, ProgressReport.reported_on, ProgressReport.is_lead_report,
                      ProgressReport.status, ProgressReport.result_text, ProgressReport.organisation_id)
            .where(ProgressReport.task_id.in_(chunk), ProgressReport.reported_on <= as_of)
            .order_by(ProgressReport.task_id, ProgressReport.reported_on, ProgressReport.is_lead_report,
                      ProgressReport.created_at, ProgressReport.id))
        for task_id, *values in rows:
            latest[task_id] = _LastReport(*values)
    return latest


def _status_as_of(task: _TaskRow, report: _LastReport | None, as_of: date) -> TaskStatus:
    """The task's own status (the roll-up of its items), as it stood at the cut-off."""
    if task.done_by(as_of):
        return TaskStatus.COMPLETED
    if task.status is TaskStatus.COMPLETED:
        # Completed after the cut-off: it was a proposal then if the lead had proposed it by then.
        proposed = report is not None and report.is_lead_report and report.status in (
            TaskStatus.COMPLETION_PROPOSED, TaskStatus.COMPLETED)
        return TaskStatus.COMPLETION_PROPOSED if proposed else TaskStatus.IN_PROGRESS
    return task.status


def _timeliness(task: _TaskRow, as_of: date) -> str:
    """Đúng hạn / trễ hạn for work done by the cut-off (against the original due date); else quá hạn
    when one of its units is overdue (app.tasks.units), or not.

    Document text, so Vietnamese whatever the reader's language (like every sentence of the report).
    """
    if task.kind is TaskKind.CONTINUOUS:
        return "Thường xuyên"
    original = task.original_due_date or task.due_date
    done = task.done_by(as_of)
    if done is not None:
        if original is None:
            return "Hoàn thành"
        late = (done - original).days
        return "Đúng hạn" if late <= 0 else f"Trễ hạn {late} ngày"
    if days := task.overdue_days(as_of):
        return f"Quá hạn {days} ngày"
    if task.due_date is None:
        return "Không có hạn"
    return "Trong hạn"


def _directive_label(directive: Directive) -> str:
    if directive.symbol:
        return directive.symbol
    return f"Dự thảo: {directive.title}" if directive.status is DirectiveStatus.DRAFT else directive.title


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _annex_rows(tasks: Sequence[_TaskRow], reports: Mapping[int, _LastReport], context: _TaskContext,
                as_of: date) -> list[AnnexRow]:
    with force_locale("vi"):  # status labels are document text: Vietnamese whatever the UI language
        labels = {status: status.label for status in TaskStatus}
    rows = []
    for task in tasks:
        report = reports.get(task.id)
        last = ""
        if report is not None:
            code = context.org_codes.get(report.organisation_id, "")
            last = f"{date_vn(report.reported_on)} ({code}): {_one_line(report.result_text)}".strip()
        rows.append(AnnexRow(
            task_id=task.id, directive=context.directives.get(task.directive_id, ""), task=_one_line(task.title),
            lead=context.org_names.get(task.lead_org_id, ""), coordinators="; ".join(context.coordinators.get(task.id, [])),
            due=task.due_date, original_due=task.original_due_date or task.due_date,
            status=labels[_status_as_of(task, report, as_of)], timeliness=_timeliness(task, as_of), last_report=last,
        ))
    return rows


def _open_tasks_by_agency(tasks: Sequence[_TaskRow], as_of: date) -> dict[int, list[_TaskRow]]:
    grouped: dict[int, list[_TaskRow]] = defaultdict(list)
    for task in tasks:
        if task.kind is TaskKind.CONTINUOUS or not any(u.is_open_on(as_of) for u in task.units):
            continue
        grouped[task.lead_org_id].append(task)
    for items in grouped.values():
        items.sort(key=lambda t: (t.due_date or date.max, t.id))
    return grouped


# ============================================================================================
# Building the report
# ============================================================================================


def narrative_of(report: PeriodReport | None) -> dict[str, str]:
    if report is None:
        return {}
    try:
        data = json.loads(report.narrative or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _default_signer() -> str:
    user = db.session.scalar(
        sa.select(User).where(User.role == Role.OFFICE_CHIEF, User.is_active_account.is_(True)).order_by(User.id).limit(1))
    return user.name if user else ""


def _header(period: Period, as_of: date, report: PeriodReport | None) -> Header:
    district = current_app.config.get("DISTRICT_NAME") or "Phụng Hiệp"
    number = report.number if report is not None and report.number else None
    issued_on = report.issued_on if report is not None else None
    place_date = (place_date_line(district, issued_on) if issued_on
                  else place_date_line(district, None, month=as_of.month, year=as_of.year))
    return Header(
        parent_line=f"HUYỆN ỦY {district.upper()}",
        unit_line="VĂN PHÒNG",
        number_line=f"Số {number}-{REPORT_CODE}" if number else f"Số{_BLANK_NUMBER}-{REPORT_CODE}",
        party_line="ĐẢNG CỘNG SẢN VIỆT NAM",
        place_date_line=place_date,
    )


def _title(period: Period) -> tuple[str, ...]:
    return (
        "BÁO CÁO",
        f"Làm việc định kỳ {period.label} giữa Thường trực Huyện ủy",
        "với các cơ quan tham mưu, giúp việc Huyện ủy; Mặt trận Tổ quốc",
        "và đoàn thể chính trị - xã hội huyện",
    )


@dataclass
class _Builder:
    period: Period
    as_of: date
    narrative: dict[str, str]
    notes: _Notes = field(default_factory=_Notes)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def text(self, key: str, *, default: str = "body") -> tuple[Para, ...]:
        return _paragraphs(self.narrative.get(key), self.notes, default=default)

    def part(self, key: str) -> tuple[Para, ...]:
        """An office part, or the draft placeholder when it is still empty (never a bare heading)."""
        return self.text(key) or (Para("draft", (narrative_parts.PLACEHOLDER,)),)

    def headed(self, heading: str, key: str) -> tuple[Para, ...]:
        """"* Khó khăn, hạn chế:" then the text, unless the office wrote that line itself."""
        if narrative_parts.has_own_heading(self.narrative.get(key)):
            return self.text(key)
        return (Para("field", (heading,)),) + self.part(key)

    # --- I ---------------------------------------------------------------------------------
    def section_one(self, previous: Meeting | None) -> tuple[Section, ConclusionResult | None]:
        heading = "NHỮNG KẾT QUẢ THỰC HIỆN THÔNG BÁO KẾT LUẬN TẠI BUỔI LÀM VIỆC ĐỊNH KỲ"
        if previous is None:
            self.warnings.append(_("Chưa có buổi làm việc định kỳ nào trước kỳ này (đến ngày %(d)s).", d=date_vn(self.as_of)))
            paras = (Para("body", ("Chưa có buổi làm việc định kỳ trước để báo cáo kết quả thực hiện kết luận.",)),)
            return Section("I", heading + " TRƯỚC", paras + self.text("section1_note")), None
        title = f"{heading} {_meeting_label(previous).upper()}"
        siblings = _sibling_sessions(previous)
        if siblings:
            self.warnings.append(_("%(q)s có %(n)d buổi làm việc định kỳ; mục I báo cáo buổi ngày %(d)s (buổi có Thông "
                                   "báo kết luận), không báo cáo buổi ngày %(others)s.",
                                   q=_meeting_label(previous), n=len(siblings) + 1, d=date_vn(previous.held_on),
                                   others=", ".join(date_vn(m.held_on) for m in siblings)))
        issued, drafts = _conclusions_of(previous)
        if not issued:
            self.warnings.append(_("Buổi làm việc ngày %(d)s chưa có Thông báo kết luận được ban hành%(draft)s.",
                                   d=date_vn(previous.held_on), draft=_(" (còn ở dạng dự thảo)") if drafts else ""))
            sentence = (f"Ngày {date_vn(previous.held_on)}, {previous.chair} có buổi làm việc định kỳ "
                        f"{_meeting_label(previous)}; chưa có Thông báo kết luận được ban hành.")
            return Section("I", title, (Para("body", (sentence,)),) + self.text("section1_note")), None
        result = conclusion_result(previous, issued, self.as_of)
        paras = tuple(Para("body", (line,)) for line in section_one_paragraphs(result))
        return Section("I", title, paras + self.text("section1_note")), result

    # --- II --------------------------------------------------------------------------------
    def section_two(self, agencies: Sequence[Organisation], inputs: Mapping[int, AgencyPeriodInput],
                    indicator_lines: Sequence[str]) -> tuple[Section, list[AgencyBlock]]:
        subsections = []
        if indicator_lines:
            subsections.append(Subsection("II.indicators", "Kết quả thực hiện các chỉ tiêu về xây dựng Đảng, Đoàn thể",
                                          tuple(Para("bullet", (line,)) for line in indicator_lines)))
        subsections.append(Subsection("II.key_work", "Các mặt công tác trọng tâm", self.part("key_work")))
        blocks = self.agency_blocks(agencies, inputs)
        subsections.append(Subsection("II.fields", "Kết quả cụ thể trên từng lĩnh vực", blocks=tuple(blocks)))
        title = f"KẾT QUẢ THỰC HIỆN NHIỆM VỤ {report_period_heading(self.period.year, self.period.end_quarter)}"
        return Section("II", title, subsections=tuple(subsections)), blocks

    def agency_blocks(self, agencies: Sequence[Organisation], inputs: Mapping[int, AgencyPeriodInput]) -> list[AgencyBlock]:
        missing_input = [o.id for o in agencies if not (inputs.get(o.id) and inputs[o.id].results_text.strip())]
        narratives = _progress_narratives(missing_input, self.period.year, self.as_of)
        tallied = [o for o in agencies if o.kind in TALLY_KINDS]
        indicators: dict[int, list[Indicator]] = defaultdict(list)
        if tallied:
            for indicator in db.session.scalars(
                sa.select(Indicator).where(Indicator.organisation_id.in_([o.id for o in tallied]),
                                           Indicator.year == self.period.year, Indicator.is_district_key.is_(False))
                .order_by(Indicator.display_order, Indicator.code, Indicator.id)
            ):
                indicators[indicator.organisation_id].append(indicator)
        latest = latest_values([i.id for group in indicators.values() for i in group], self.as_of)
        return [self.agency_block(o, inputs.get(o.id), narratives.get(o.id, []), indicators.get(o.id, []), latest)
                for o in agencies]

    def agency_block(self, org: Organisation, entry: AgencyPeriodInput | None, narratives: list[str],
                     indicators: list[Indicator], latest: Mapping[int, IndicatorValue]) -> AgencyBlock:
        if entry is not None and entry.results_text.strip():
            paras, source = _paragraphs(entry.results_text, self.notes), "input"
        elif narratives:
            paras, source = tuple(Para("body", self.notes.parts(text)) for text in narratives), "progress"
        else:
            paras, source = (), "none"
            self.warnings.append(_("%(agency)s chưa có báo cáo kết quả cho kỳ này.", agency=org.name))
        declared = entry.declared_indicator_total if entry is not None else None
        tally = AgencyTally(None, None, None)
        if org.kind in TALLY_KINDS and indicators:
            tally = agency_tally(indicators, latest, declared, tally_template_for(org.code, self.narrative),
                                 self.as_of)
        own = entry.tally_text if entry is not None else ""
        for name in tally.missing:
            self.warnings.append(_("%(agency)s: chỉ tiêu “%(name)s” chưa có số liệu đến ngày %(d)s.",
                                   agency=org.name, name=name, d=date_vn(self.as_of)))
        if tally.error:
            self.errors.append(f"{org.name}: {tally.error}")
        return AgencyBlock(
            organisation_id=org.id, code=org.code, name=org.name, heading=org.report_heading or org.name,
            paras=paras, source=source, tally_line=printed_tally(own, tally.line), tally_counts=tally.counts,
            declared_total=declared, tally_error=tally.error, computed_tally_line=tally.line,
        )

    # --- III -------------------------------------------------------------------------------
    def section_three(self) -> Section:
        difficulties = (self.headed(narrative_parts.LIMITATIONS_HEADING, "limitations")
                        + self.headed(narrative_parts.CAUSES_HEADING, "causes"))
        return Section("III", "NHẬN XÉT, ĐÁNH GIÁ", subsections=(
            Subsection("III.achievements", "Kết quả đạt được", self.part("achievements")),
            Subsection("III.difficulties", "Khó khăn, hạn chế và nguyên nhân", difficulties),
        ))

    # --- IV --------------------------------------------------------------------------------
    def section_four(self, result: ConclusionResult | None, agencies: Sequence[Organisation],
                     inputs: Mapping[int, AgencyPeriodInput], open_tasks: Mapping[int, list[_TaskRow]]) -> Section:
        key_work = self.next_key_work(result)
        per_agency: list[Para] = []
        for org in agencies:
            per_agency.extend(self.agency_next_tasks(org, inputs.get(org.id), open_tasks.get(org.id, [])))
        return Section("IV", "MỘT SỐ NHIỆM VỤ TRONG THỜI GIAN TỚI", subsections=(
            Subsection("IV.key_work", "Các mặt công tác trọng tâm", key_work),
            Subsection("IV.fields", "Nhiệm vụ cụ thể từng lĩnh vực", tuple(per_agency)),
        ))

    def next_key_work(self, result: ConclusionResult | None) -> tuple[Para, ...]:
        """IV.1: the office's text once written (it decides what to carry); until then the unfinished
        items of the previous conclusion, so nothing unfinished silently drops out of the draft."""
        written = self.narrative.get("next_key_work")
        pending = [u for u in (result.unfinished if result else ()) if u.completed_on is None]
        if not (written or "").strip():
            lines = narrative_parts.carry_lines([(u.text, u.lead) for u in pending], result.meeting_label) if pending else []
            return tuple(Para("bullet", (line,)) for line in lines) or self.part("next_key_work")
        for unit in pending:
            if not narrative_parts.mentions(written, unit.text):
                self.warnings.append(_("Mục IV.1 chưa nhắc nội dung chưa hoàn thành: %(t)s", t=unit.text))
        return self.text("next_key_work")

    def agency_next_tasks(self, org: Organisation, entry: AgencyPeriodInput | None, tasks: list[_TaskRow]) -> list[Para]:
        lines = [_clean_line(line) for line in (entry.next_tasks_text if entry else "").splitlines()]
        lines = [line.removeprefix("- ").strip() for line in lines if line]
        paras: list[Para] = []
        if lines:
            first = lines[0] if _starts_with_name(lines[0], org) else f"{org.name}: {lines[0]}"
            paras.append(Para("bullet", self.notes.parts(f"- {first}")))
            paras.extend(Para(_style_of(line, "body"), self.notes.parts(line)) for line in lines[1:])
        elif tasks:
            paras.append(Para("bullet", (f"- {org.name} tiếp tục thực hiện các nhiệm vụ:",)))
        paras.extend(Para("subbullet", (f"+ {_strip_end(t.title)}{_due_suffix(t)}.",)) for t in tasks)
        return paras

    # --- V ---------------------------------------------------------------------------------
    def section_five(self, agencies: Sequence[Organisation], inputs: Mapping[int, AgencyPeriodInput]) -> Section:
        paras: list[Para] = []
        for org in agencies:
            entry = inputs.get(org.id)
            text = entry.proposals_text.strip() if entry is not None else ""
            if not text:
                continue
            lines = [_clean_line(line) for line in text.splitlines() if _clean_line(line)]
            first = lines[0] if _starts_with_name(lines[0], org) else f"{org.name} đề xuất: {lines[0]}"
            paras.append(Para("body", self.notes.parts(first)))
            paras.extend(Para(_style_of(line, "body"), self.notes.parts(line)) for line in lines[1:])
        paras.extend(self.text("proposals"))
        if not paras:
            self.warnings.append(_("Mục V chưa có đề xuất nào; báo cáo in “Không.”."))
        return Section("V", "ĐỀ XUẤT, KIẾN NGHỊ", tuple(paras) or (Para("body", ("Không.",)),))


def _due_suffix(task: _TaskRow) -> str:
    return f" (hạn {date_vn(task.due_date)})" if task.due_date else ""


def build_period_report(year: int, period_kind: str, period_index: int, as_of: date, *,
                        report: PeriodReport | None = None) -> QuarterlyReport:
    """Build every line of the report for the period from the data as of ``as_of`` (read only)."""
    period = Period(year, period_kind, period_index)
    narrative = narrative_of(report)
    builder = _Builder(period, as_of, narrative)
    builder.warnings.extend(draft_warnings(narrative))
    current, previous = _session_meetings(period, as_of)
    section_one, result = builder.section_one(previous)
    indicator_lines, indicator_figures = _district_indicator_lines(year, as_of, builder.warnings)
    agencies = report_agencies(as_of)
    inputs = _inputs_for(period)
    section_two, blocks = builder.section_two(agencies, inputs, indicator_lines)
    section_three = builder.section_three()
    tasks = _period_tasks(year, as_of)
    section_four = builder.section_four(result, agencies, inputs, _open_tasks_by_agency(tasks, as_of))
    section_five = builder.section_five(agencies, inputs)
    annex = tuple(_annex_rows(tasks, _last_reports([t.id for t in tasks], as_of), _task_context(tasks), as_of))
    signer_title = (report.signer_title if report is not None and report.signer_title else "Chánh Văn phòng")
    signer_name = report.signer_name if report is not None and report.signer_name else _default_signer()
    return QuarterlyReport(
        period=period, as_of=as_of, header=_header(period, as_of, report), title_lines=_title(period),
        sections=(section_one, section_two, section_three, section_four, section_five),
        recipients=_recipient_lines(narrative.get("recipients")),
        signature_title=tuple(line.strip().upper() for line in signer_title.splitlines() if line.strip()),
        signer_name=signer_name, footnotes=tuple(builder.notes.texts), conclusion=result,
        indicator_lines=tuple(indicator_lines), indicator_figures=tuple(indicator_figures),
        agency_blocks=tuple(blocks), annex=annex,
        warnings=tuple(builder.warnings), errors=tuple(builder.errors),
        meeting_id=current.id if current else None, previous_meeting_id=previous.id if previous else None,
        issued_on=report.issued_on if report is not None else None,
    )


def build_for(report: PeriodReport, as_of: date | None = None) -> QuarterlyReport:
    """The report row's draft as of its cut-off (or ``as_of``), with its narrative and header fields."""
    return build_period_report(report.year, report.period_kind, report.period_index, as_of or report.as_of, report=report)


# ============================================================================================
# Editing flow: create, save, regenerate, freeze
# ============================================================================================

REPORT_FIELDS = ("as_of", "number", "issued_on", "signer_name", "signer_title", "narrative", "state")


def _require_editor(actor) -> None:
    require(actor, "report.edit", _("Chỉ Văn phòng được soạn báo cáo định kỳ."))


def check_version(obj, expected_version: int | None) -> None:
    core_check_version(obj, expected_version,
                       lambda: _("Báo cáo đã được người khác cập nhật trong lúc bạn sửa. Vui lòng tải lại trang và nhập lại."))


def list_reports() -> list[PeriodReport]:
    return list(db.session.scalars(
        sa.select(PeriodReport).options(selectinload(PeriodReport.versions))
        .order_by(PeriodReport.year.desc(), PeriodReport.as_of.desc(), PeriodReport.id.desc())
    ))


def get_report(report_id: int) -> PeriodReport:
    report = db.session.get(PeriodReport, report_id)
    if report is None:
        raise NotFound(_("Không tìm thấy báo cáo."))
    return report


def find_report(period: Period) -> PeriodReport | None:
    return db.session.scalar(sa.select(PeriodReport).where(
        PeriodReport.year == period.year, PeriodReport.period_kind == period.kind,
        PeriodReport.period_index == period.index))


def _check_as_of(period: Period, as_of: date | None) -> date:
    if as_of is None:
        raise ValidationFailed(_("Cần nhập ngày chốt số liệu."), field="as_of")
    if as_of.year != period.year:
        raise ValidationFailed(_("Ngày chốt số liệu phải thuộc năm %(y)s của kỳ báo cáo.", y=period.year), field="as_of")
    return as_of


def create_report(actor, period: Period, as_of: date) -> PeriodReport:
    """Open a draft for the period, built from the data as of ``as_of``; one report per period."""
    _require_editor(actor)
    _check_as_of(period, as_of)
    if find_report(period) is not None:
        raise Conflict(_("Đã có báo cáo %(p)s; hãy mở báo cáo đó để sửa.", p=period.label))
    current, previous = _session_meetings(period, as_of)
    report = PeriodReport(
        year=period.year, period_kind=period.kind, period_index=period.index, as_of=as_of,
        meeting_id=current.id if current else None, previous_meeting_id=previous.id if previous else None,
        narrative="{}", state=ReportState.DRAFT, created_by_id=actor.id,
    )
    db.session.add(report)
    db.session.flush()
    audit.record(actor, "create", report, summary=_("Tạo dự thảo báo cáo %(p)s", p=period.label),
                 after=audit.snapshot(report, REPORT_FIELDS))
    return report


def _clean_narrative(narrative: Mapping[str, str | None], agencies: Sequence[Organisation]) -> dict[str, str]:
    allowed_tally = {TALLY_PREFIX + o.code for o in agencies}
    values = {t.value for t in arithmetic.TallyTemplate}
    clean: dict[str, str] = {}
    for key, value in narrative.items():
        text = (value or "").replace("\r\n", "\n").strip()
        if key in NARRATIVE_FIELDS:
            if len(text) > 50000:
                raise ValidationFailed(_("Nội dung quá dài (tối đa 50.000 ký tự)."), field=key)
            if text:
                clean[key] = normalize(text)
        elif key in allowed_tally:
            if text not in values:
                raise ValidationFailed(_("Mẫu câu tổng hợp chỉ tiêu không hợp lệ."), field=key)
            clean[key] = text
        else:
            raise ValidationFailed(_("Phần báo cáo không hợp lệ: %(k)s", k=key))
    return clean


def save_report(actor, report: PeriodReport, *, narrative: Mapping[str, str | None], number: int | None,
                issued_on: date | None, signer_name: str | None, signer_title: str | None,
                expected_version: int | None) -> PeriodReport:
    """Save the human parts and the issuing details; the data parts are untouched (they are rebuilt)."""
    _require_editor(actor)
    check_version(report, expected_version)
    if number is not None and not 1 <= number <= 99999:
        raise ValidationFailed(_("Số văn bản phải từ 1 đến 99999."), field="number")
    if (number is None) != (issued_on is None):
        raise ValidationFailed(_("Khi ban hành cần nhập cả số văn bản và ngày ban hành."), field="number")
    if issued_on is not None and issued_on < report.as_of.replace(month=1, day=1):
        raise ValidationFailed(_("Ngày ban hành không được trước năm của kỳ báo cáo."), field="issued_on")
    clean = _clean_narrative(narrative, report_agencies())
    before = audit.snapshot(report, REPORT_FIELDS)
    report.narrative = json.dumps(clean, ensure_ascii=False, sort_keys=True)
    report.number, report.issued_on = number, issued_on
    report.signer_name = (signer_name or "").strip()[:120] or None
    report.signer_title = (signer_title or "").strip()[:120] or None
    old, new = audit.diff(before, audit.snapshot(report, REPORT_FIELDS))
    if not new:
        return report
    report.state = ReportState.DRAFT
    db.session.flush()
    audit.record(actor, "update", report, summary=_("Sửa báo cáo %(p)s", p=report.period.label),
                 before=old, after=new)
    return report


def regenerate_report(actor, report: PeriodReport, as_of: date, *, expected_version: int | None) -> QuarterlyReport:
    """Rebuild the data parts from the data as of ``as_of`` (a new cut-off is allowed); edits are kept."""
    _require_editor(actor)
    check_version(report, expected_version)
    period = report.period
    _check_as_of(period, as_of)
    before = audit.snapshot(report, REPORT_FIELDS)
    current, previous = _session_meetings(period, as_of)
    report.as_of = as_of
    report.meeting_id = current.id if current else None
    report.previous_meeting_id = previous.id if previous else None
    report.state = ReportState.DRAFT
    report.updated_at = now_utc()  # bumps the version even when the cut-off is unchanged
    db.session.flush()
    old, new = audit.diff(before, audit.snapshot(report, REPORT_FIELDS))
    audit.record(actor, "regenerate", report, before=old or None, after=new or None,
                 summary=_("Cập nhật số liệu báo cáo %(p)s đến ngày %(d)s", p=period.label, d=date_vn(as_of)))
    return build_for(report)


def freeze_report(actor, report: PeriodReport, *, expected_version: int | None) -> ReportVersion:
    """Chốt: store the built report (figures and text as JSON) and its Word file as a new version."""
    from app.reports.docx import render_docx

    _require_editor(actor)
    check_version(report, expected_version)
    built = build_for(report)
    if built.blocking:
        raise ValidationFailed(_("Chưa thể chốt báo cáo: %(e)s", e="; ".join(built.errors)))
    number = (db.session.scalar(sa.select(sa.func.max(ReportVersion.version_no))
                                .where(ReportVersion.report_id == report.id)) or 0) + 1
    version = ReportVersion(
        report_id=report.id, version_no=number, frozen_at=now_utc(), frozen_by_id=actor.id,
        data=json.dumps(built.to_json(), ensure_ascii=False, sort_keys=True), docx=render_docx(built),
    )
    db.session.add(version)
    report.state = ReportState.FROZEN
    db.session.flush()
    audit.record(actor, "freeze", report, after={"version_no": number, "as_of": report.as_of.isoformat()},
                 summary=_("Chốt báo cáo %(p)s, phiên bản %(n)d", p=report.period.label, n=number))
    return version


def get_version(report: PeriodReport, version_no: int) -> ReportVersion:
    version = db.session.scalar(sa.select(ReportVersion).where(
        ReportVersion.report_id == report.id, ReportVersion.version_no == version_no))
    if version is None:
        raise NotFound(_("Không tìm thấy phiên bản báo cáo."))
    return version


def version_annex(version: ReportVersion) -> list[AnnexRow]:
    """The annex rows stored with a frozen version (the figures it was built from)."""
    return [AnnexRow.from_json(row) for row in json.loads(version.data).get("annex", [])]


def version_as_of(version: ReportVersion) -> date:
    return date.fromisoformat(json.loads(version.data)["as_of"])


def can_view_drafts(user) -> bool:
    return user.role in OVERSIGHT_ROLES


# ============================================================================================
# Agency period inputs: the service lives in app.reports.agency_inputs (imported late: it imports this module)
# ============================================================================================


def get_agency_input(actor, org: Organisation, period: Period) -> AgencyPeriodInput | None:
    from app.reports.agency_inputs import get_agency_input as impl

    return impl(actor, org, period)


def save_agency_input(actor, org: Organisation, period: Period, data: Mapping, *,
                      expected_version: int | None) -> AgencyPeriodInput:
    from app.reports.agency_inputs import save_agency_input as impl

    return impl(actor, org, period, data, expected_version=expected_version)


def agency_input_preview(org: Organisation, period: Period) -> AgencyTally | None:
    from app.reports.agency_inputs import agency_input_preview as impl

    return impl(org, period)


# ============================================================================================
# Carry-over into the next session's draft conclusion (AS-09 branch B)
# ============================================================================================


@dataclass(frozen=True)
class CarryCandidate:
    """A task with content items unfinished at the cut-off; ``carried`` once it is in the next conclusion."""

    task: Task
    units: tuple[ConclusionUnit, ...]
    suggested_due: date
    carried: bool = False


def report_conclusion(report: PeriodReport) -> ConclusionResult | None:
    """Section I's figures alone (the previous session's conclusion at the report's cut-off)."""
    _current, previous = _session_meetings(report.period, report.as_of)
    if previous is None:
        return None
    issued, _drafts = _conclusions_of(previous)
    return conclusion_result(previous, issued, report.as_of) if issued else None


def carry_over_candidates(report: PeriodReport) -> list[CarryCandidate]:
    """Tasks with content items still unfinished at the cut-off, from the conclusion section I reports."""
    result = report_conclusion(report)
    if result is None:
        return []
    by_task: dict[int, list[ConclusionUnit]] = defaultdict(list)
    for unit in result.unfinished:
        if unit.completed_on is None:
            by_task[unit.task_id].append(unit)
    if not by_task:
        return []
    tasks = {t.id: t for t in db.session.scalars(
        sa.select(Task).where(Task.id.in_(list(by_task))).options(selectinload(Task.items)))}
    meeting = db.session.get(Meeting, report.meeting_id) if report.meeting_id else None
    next_ids = set(db.session.scalars(sa.select(Directive.id).where(Directive.meeting_id == meeting.id))) if meeting else set()
    base = meeting.held_on if meeting else report.as_of
    return [
        CarryCandidate(tasks[tid], tuple(units), Period.quarter_containing(base).next_quarter().end, carried=tasks[tid].directive_id in next_ids)
        for tid, units in by_task.items() if tid in tasks and tasks[tid].status is not TaskStatus.COMPLETED
    ]


def _draft_conclusion(actor, meeting: Meeting) -> Directive:
    """The meeting's draft conclusion notice, created on first use (one per meeting)."""
    existing = db.session.scalar(sa.select(Directive).where(
        Directive.meeting_id == meeting.id, Directive.doc_type == "TB", Directive.status == DirectiveStatus.DRAFT)
        .order_by(Directive.id).limit(1))
    if existing is not None:
        return existing
    participants = "; ".join(meeting.participant_list)
    title = f"Kết luận của {meeting.chair} tại buổi làm việc định kỳ {_meeting_label(meeting)}"
    if participants:
        title += f" với {participants}"
    directive = Directive(doc_type="TB", number=None, issuer_suffix="HU", issued_on=None,
                          issuing_body=meeting.chair, title=title[:1000], meeting_id=meeting.id,
                          status=DirectiveStatus.DRAFT, created_by_id=actor.id)
    db.session.add(directive)
    db.session.flush()
    audit.record(actor, "create", directive, summary=_("Tạo dự thảo kết luận: %(t)s", t=title[:200]))
    return directive


def carry_over(actor, report: PeriodReport, choices: Mapping[int, date]) -> Directive:
    """Move the chosen unfinished tasks into the next session's draft conclusion with new due dates.

    Each task keeps its id, history and original due date; a TaskCarryOver row records where it came
    from and its previous due date; its unfinished content items take the new due date too.
    """
    require(actor, "report.carry_over", _("Chỉ Văn phòng được chuyển tiếp nhiệm vụ."))
    if not choices:
        raise ValidationFailed(_("Chưa chọn nhiệm vụ nào để chuyển tiếp."))
    meeting = db.session.get(Meeting, report.meeting_id) if report.meeting_id else None
    if meeting is None:
        raise ValidationFailed(_("Chưa có buổi làm việc định kỳ %(p)s trên hệ thống; hãy tạo buổi làm việc trước.",
                                 p=report.period.label))
    candidates = {c.task.id: c for c in carry_over_candidates(report)}
    if any(tid not in candidates for tid in choices):
        raise ValidationFailed(_("Có nhiệm vụ không thuộc danh sách chưa hoàn thành của kỳ báo cáo."))
    carried = [candidates[tid].task.title[:80] for tid in choices if candidates[tid].carried]
    if carried:
        raise Conflict(_("Nhiệm vụ đã được chuyển tiếp vào kết luận của buổi làm việc này: %(t)s", t="; ".join(carried)))
    for tid, due in choices.items():
        if due is None or due <= meeting.held_on:
            raise ValidationFailed(_("Hạn mới của “%(t)s” phải sau ngày họp %(d)s.",
                                     t=candidates[tid].task.title[:80], d=date_vn(meeting.held_on)), field=f"due_{tid}")
    target = _draft_conclusion(actor, meeting)
    ordinal = db.session.scalar(sa.select(sa.func.max(Task.ordinal)).where(Task.directive_id == target.id)) or 0
    for tid, due in choices.items():
        ordinal += 1
        _carry_task(actor, candidates[tid], target, due, ordinal)
    return target


def _carry_task(actor, candidate: CarryCandidate, target: Directive, due: date, ordinal: int) -> None:
    task = candidate.task
    before = {"directive_id": task.directive_id, "due_date": task.due_date.isoformat() if task.due_date else None,
              "due_phrase": task.due_phrase}
    db.session.add(TaskCarryOver(task_id=task.id, from_directive_id=task.directive_id, to_directive_id=target.id,
                                 previous_due_date=task.due_date, new_due_date=due, carried_at=now_utc(),
                                 carried_by_id=actor.id))
    quarter = Period.quarter_containing(due)
    phrase = f"trong {quarter.label}" if due == quarter.end else None
    if task.original_due_date is None:
        task.original_due_date = task.due_date
    task.directive_id, task.due_date, task.due_phrase, task.ordinal = target.id, due, phrase, ordinal
    if task.status is TaskStatus.NOT_COMPLETED:
        task.status = TaskStatus.IN_PROGRESS  # re-assigned: work goes on under the new conclusion
    open_ids = {u.item_id for u in candidate.units}
    for item in task.items:
        if item.id in open_ids:
            item.due_date, item.due_phrase = due, phrase
            if item.status is TaskStatus.NOT_COMPLETED:
                item.status = TaskStatus.IN_PROGRESS
    db.session.flush()
    audit.record(actor, "carry_over", task, task_id=task.id, before=before,
                 after={"directive_id": target.id, "due_date": due.isoformat(), "due_phrase": phrase},
                 summary=_("Chuyển tiếp sang %(d)s, hạn mới %(due)s", d=target.title[:200], due=date_vn(due)))

