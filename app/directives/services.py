"""Directives and their tasks: meetings, conclusion notices, task breakdown, import and references.

Every write here is a plain function that the web pages, the CLI (``flask directives import``) and
other features call.  They flush and record an audit event; they never commit (the view, command
or job that called them commits once).  Bad input raises :class:`ValidationFailed` with a
Vietnamese message before anything is written, or inside the caller's transaction, which the
caller then rolls back, so nothing is saved.

Due dates (thời hạn) — rules
----------------------------
A task's or content item's deadline is entered as a date, as a Vietnamese phrase, or both:

- phrase only: resolved with :func:`app.core.periods.resolve_due_phrase` ("trong quý II/2024" →
  30/06/2024) using the meeting date (else the notice's date, else today) as the reference date
  for phrases without a year; the phrase is kept as written in ``due_phrase``;
- date only: used as is;
- both: the phrase must still be valid, the typed date wins (the assigner confirms a vague
  "đầu tháng 10/2024" as 10/10/2024) and the phrase is kept;
- a deadline before the meeting date (or, without a meeting, the notice's date) is refused.

Task kinds (loại nhiệm vụ): when the kind is not chosen it follows the phrase — "hàng tháng",
"hằng quý", "01 lần/quý" make a *recurring* task, "thường xuyên", "tiếp tục", "duy trì" a
*continuous* one ("hàng tuần" too: it is reported each period, the system has no weekly cycle),
anything else a *one-off* task.  A one-off task needs a date or a phrase.

- **Recurring** (định kỳ): the task itself is the first occurrence, due at the end of the cycle
  (month, quarter or year) that contains the reference date, or on the typed date.  The next
  :data:`OCCURRENCES_AHEAD` occurrences (3 months, 3 quarters or 3 years) are generated at once as
  child tasks (``parent_task_id``), each due at the end of its cycle and titled with its period
  ("… (quý III/2024)"); :func:`generate_occurrences` tops the series up later so that there are
  always three occurrences after the current cycle.  Generation is idempotent (a cycle that has
  an occurrence is skipped).
- **Continuous** (thường xuyên): no due date unless one is typed (then it is a horizon only);
  reported each period and never overdue (``Task.is_overdue``).

"All communes" (tất cả xã, thị trấn): the task keeps its lead agency (who follows the work as a
whole) and gets one content item per active commune (``Organisation.kind == commune``), led by
that commune.  Its status and progress are rolled up from the items by :func:`app.tasks.rollup.apply_rollup`.

References (trích dẫn văn bản): see :func:`sync_references`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from app.core import audit
from app.core.clock import today_local
from app.core.db import check_version
from app.core.enums import (
    OVERSIGHT_ROLES,
    DirectiveStatus,
    MeetingKind,
    OrganisationKind,
    Recurrence,
    TaskKind,
    TaskStatus,
)
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.periods import PeriodPhraseError, cycle_end, quarter_label, resolve_due_phrase
from app.core.permissions import (
    can_view_directive,
    directive_visibility_clause,
    require,
    task_visibility_clause,
)
from app.core.search import like_contains
from app.core.text import normalize
from app.directives.agency_matching import AgencyRef
from app.directives.notice_files import ImportFileError, read_import_file
from app.directives.proposal import ImportDraft, ProposedTask, propose_tasks
from app.directives.recurrence import not_before_notice
from app.directives.refs import (
    DOC_TYPES,
    Reference,
    _number_key,
    format_reference_date,
    merge_references,
    parse_references,
)
from app.directives.sessions import check_single_periodic_session
from app.extensions import db
from app.models import (
    Attachment,
    ContentItem,
    Directive,
    DocumentReference,
    Meeting,
    Organisation,
    PeriodReport,
    ProgressReport,
    Task,
    TaskCarryOver,
    task_coordinator,
)
from app.tasks.rollup import apply_rollup

#: Occurrences of a recurring task generated beyond the current cycle.
OCCURRENCES_AHEAD = 3
#: Party terms (nhiệm kỳ) last five years; district congresses were held in 2020 and 2025.
TERM_LENGTH = 5
TERM_EPOCH = 2020
#: Longest notice text accepted by the import screen (a real notice is 10–30 thousand characters).
MAX_IMPORT_CHARS = 200_000
#: Largest notice file read for import (a Word notice is well under a megabyte).
MAX_IMPORT_FILE_BYTES = 10 * 1024 * 1024

MEETING_FIELDS = ("kind", "period_label", "year", "quarter", "held_on", "chair", "participants", "organiser_id",
                  "notes")
DIRECTIVE_FIELDS = ("doc_type", "number", "issuer_suffix", "issued_on", "issuing_body", "term_start_year", "title",
                    "body", "meeting_id", "parent_directive_id", "status", "issuer_id")
TASK_FIELDS = ("ordinal", "title", "description", "lead_org_id", "kind", "recurrence", "due_phrase", "due_date",
               "is_all_communes", "is_confidential")

_NUMBER = re.compile(r"\d{1,6}")
_ISSUER = re.compile(r"[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐa-z0-9]+)*")
_ROMAN_QUARTER = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_PERIOD_QUARTER = re.compile(r"qu[ýí]\s+([ivx]+|[1-4])\s*/\s*(\d{4})", re.IGNORECASE)


# =============================================================================================
# Inputs
# =============================================================================================


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


@dataclass
class DirectiveInput:
    """What a person types for a directive (văn bản): a notice, resolution, plan …"""

    title: str
    doc_type: str = "TB"
    number: str = ""
    issuer_suffix: str = "HU"
    issued_on: date | None = None
    issuing_body: str = ""
    body: str = ""
    meeting_id: int | None = None
    parent_directive_id: int | None = None
    status: str = DirectiveStatus.ISSUED.value
    issuer_id: int | None = None


@dataclass
class ItemInput:
    """A content item (nội dung) row of the task editor or the import review screen."""

    text: str
    lead_org_id: int | None = None
    due_phrase: str = ""
    due_date: date | None = None
    id: int | None = None


@dataclass
class TaskInput:
    """A task (nhiệm vụ) as edited in the breakdown editor or confirmed on the import review screen."""

    title: str
    lead_org_id: int | None = None
    coordinator_ids: list[int] = field(default_factory=list)
    due_phrase: str = ""
    due_date: date | None = None
    #: "" = follow the due phrase; else a TaskKind value.
    kind: str = ""
    #: Recurrence value when the kind is recurring and the phrase does not say it.
    recurrence: str = ""
    all_communes: bool = False
    is_confidential: bool = False
    description: str = ""
    items: list[ItemInput] = field(default_factory=list)
    ordinal: int | None = None
    #: Importer remarks shown on the review screen (not saved).
    warnings: list[str] = field(default_factory=list)
    #: Errors found on the last confirmation attempt (not saved).
    errors: list[str] = field(default_factory=list)
    #: The importer detected "các xã, thị trấn" in the text (shown as a hint).
    communes_mentioned: bool = False


@dataclass
class ImportPlan:
    """The reviewed draft of a notice import: the tasks, and for a new directive its header."""

    tasks: list[TaskInput]
    source_text: str = ""
    directive: DirectiveInput | None = None
    #: A meeting to create for a new directive (when no existing meeting was chosen).
    meeting: MeetingInput | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DueChoice:
    """The deadline a task or item will be saved with."""

    phrase: str | None
    due_date: date | None
    kind: TaskKind
    recurrence: Recurrence | None = None
    approximate: bool = False


# =============================================================================================
# Small helpers
# =============================================================================================


def _clean(text: str | None) -> str:
    """NFC-normalised, trimmed text (both tone-mark styles are kept as typed; matching folds them)."""
    return normalize(text or "").strip()


def _require_editor(actor) -> None:
    """Editors of directives and tasks; ``None`` is the system itself (imports, seeds, the CLI)."""
    if actor is not None:
        require(actor, "directive.edit")


def _org(org_id: int | None, what: str) -> Organisation:
    organisation = db.session.get(Organisation, org_id) if org_id else None
    if organisation is None:
        raise ValidationFailed(_("%(what)s không có trong danh mục tổ chức.", what=what))
    if not organisation.is_active:
        raise ValidationFailed(_("%(what)s “%(name)s” đã ngừng hoạt động.", what=what, name=organisation.name))
    return organisation


def _vn(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def term_start_year_for(day: date) -> int:
    """First year of the 5-year Party term (nhiệm kỳ) containing *day*: 2020 for 2020–2024, 2025 for 2025–2029."""
    return TERM_EPOCH + TERM_LENGTH * ((day.year - TERM_EPOCH) // TERM_LENGTH)


# =============================================================================================
# Meetings (buổi làm việc)
# =============================================================================================


def _period_from(label: str, held_on: date) -> tuple[str, int, int | None]:
    """(label, year, quarter): "quý I/2024" from the label when it names a quarter, else from the date."""
    label = _clean(label)
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
    chair = _clean(data.chair)
    if not chair:
        raise ValidationFailed(_("Chưa nhập chủ trì buổi làm việc."), field="chair")
    try:
        kind = MeetingKind.coerce(data.kind)
    except ValueError:
        raise ValidationFailed(_("Loại buổi làm việc không hợp lệ."), field="kind") from None
    label, year, quarter = _period_from(data.period_label, data.held_on)
    if data.organiser_id:
        _org(data.organiser_id, _("Cơ quan tổ chức"))
    meeting.kind, meeting.held_on, meeting.chair = kind, data.held_on, chair[:200]
    meeting.period_label, meeting.year, meeting.quarter = label[:64], year, quarter
    meeting.participants = _clean(data.participants)
    meeting.organiser_id = data.organiser_id or None
    meeting.notes = _clean(data.notes)
    check_single_periodic_session(meeting)


def create_meeting(actor, data: MeetingInput) -> Meeting:
    """Record a meeting (buổi làm việc định kỳ, hội nghị …)."""
    _require_editor(actor)
    meeting = Meeting(created_by_id=getattr(actor, "id", None))
    _apply_meeting(meeting, data)
    db.session.add(meeting)
    audit.record(actor, "create", meeting, summary=_("Buổi làm việc %(label)s ngày %(d)s",
                                                     label=meeting.period_label, d=_vn(meeting.held_on)),
                 after=audit.snapshot(meeting, MEETING_FIELDS))
    return meeting


def update_meeting(actor, meeting: Meeting, data: MeetingInput, *, expected_version: int | None = None) -> Meeting:
    """Edit a meeting; its notices' tasks must not fall due before the new date."""
    _require_editor(actor)
    check_version(meeting, expected_version)
    before = audit.snapshot(meeting, MEETING_FIELDS)
    _apply_meeting(meeting, data)
    earliest = db.session.scalar(
        sa.select(sa.func.min(Task.due_date)).join(Directive, Task.directive_id == Directive.id)
        .where(Directive.meeting_id == meeting.id)
    ) if meeting.id else None
    if earliest is not None and earliest < meeting.held_on:
        raise ValidationFailed(_("Không thể đổi ngày họp sang %(d)s: đã có nhiệm vụ hạn %(due)s, trước ngày họp.",
                                 d=_vn(meeting.held_on), due=_vn(earliest)), field="held_on")
    old, new = audit.diff(before, audit.snapshot(meeting, MEETING_FIELDS))
    if new:
        db.session.flush()
        audit.record(actor, "update", meeting, summary=meeting.period_label, before=old, after=new)
    return meeting


def delete_meeting(actor, meeting: Meeting) -> None:
    """Delete a meeting that no notice or report refers to."""
    _require_editor(actor)
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


# =============================================================================================
# Directives (văn bản) and numbering
# =============================================================================================


def _directive_key(directive: Directive) -> tuple[str, str, str | None]:
    return directive.doc_type, _number_key(directive.number or ""), directive.issuer_suffix


def find_by_key(code: str, number: str, issuer: str | None, *, on: date | None = None) -> Directive | None:
    """The directive with this (code, number, issuer) key (numbers compare without zero padding).

    Numbers restart each Party term, so when *on* is known a record of another term does not match
    (a record without a date matches any term).  Among several, the system's own (non-reference)
    record and then the most recent one wins.
    """
    stmt = sa.select(Directive).where(Directive.doc_type == code)
    stmt = stmt.where(Directive.issuer_suffix.is_(None) if issuer is None else Directive.issuer_suffix == issuer)
    wanted = _number_key(number)
    term = term_start_year_for(on) if on else None
    matches = [d for d in db.session.scalars(stmt) if _number_key(d.number or "") == wanted
               and (term is None or d.term_start_year is None or d.term_start_year == term)]
    matches.sort(key=lambda d: (d.status is not DirectiveStatus.REFERENCE, d.issued_on or date.min, d.id),
                 reverse=True)
    return matches[0] if matches else None


def next_number(issuer_suffix: str, doc_type: str, term_start_year: int) -> int:
    """Next free number for (issuer suffix, document type, term): the highest numeric one + 1.

    Numbers restart with each Party term (domain.md §2.3), so only documents of that term count;
    documents without a term are placed by their issue date.  Redacted or non-numeric numbers are
    ignored.
    """
    rows = db.session.execute(
        sa.select(Directive.number, Directive.term_start_year, Directive.issued_on)
        .where(Directive.issuer_suffix == issuer_suffix, Directive.doc_type == doc_type,
               Directive.number.is_not(None))
    )
    highest = 0
    for number, term, issued_on in rows:
        if term is None and issued_on is not None:
            term = term_start_year_for(issued_on)
        if term == term_start_year and number and number.isdigit():
            highest = max(highest, int(number))
    return highest + 1


def propose_symbol(issuer_suffix: str, doc_type: str, on: date | None = None) -> dict:
    """The numbering helper: next number and canonical symbol for the term containing *on*."""
    on = on or today_local()
    term = term_start_year_for(on)
    number = next_number(issuer_suffix, doc_type, term)
    return {"number": f"{number:02d}", "symbol": f"{number:02d}-{doc_type}/{issuer_suffix}",
            "term": f"{term} - {term + TERM_LENGTH}", "term_start_year": term}


def _validate_directive(data: DirectiveInput) -> dict:
    title = _clean(data.title)
    if not title:
        raise ValidationFailed(_("Chưa nhập trích yếu (tiêu đề) văn bản."), field="title")
    if len(title) > 1000:
        raise ValidationFailed(_("Trích yếu quá dài (tối đa 1000 ký tự)."), field="title")
    doc_type = (data.doc_type or "").strip()
    if doc_type not in DOC_TYPES:
        raise ValidationFailed(_("Loại văn bản “%(code)s” không hợp lệ.", code=doc_type), field="doc_type")
    number = (data.number or "").strip()
    if number and not _NUMBER.fullmatch(number):
        raise ValidationFailed(_("Số văn bản “%(n)s” phải là số (ví dụ 198).", n=number), field="number")
    if number and int(number) == 0:
        raise ValidationFailed(_("Số văn bản phải lớn hơn 0."), field="number")
    issuer = (data.issuer_suffix or "").strip() or None
    if issuer and not _ISSUER.fullmatch(issuer):
        raise ValidationFailed(_("Ký hiệu cơ quan ban hành “%(s)s” không hợp lệ (chữ in hoa, ví dụ HU).", s=issuer),
                               field="issuer_suffix")
    if number and not issuer:
        raise ValidationFailed(_("Văn bản có số phải có ký hiệu cơ quan ban hành (ví dụ HU)."), field="issuer_suffix")
    try:
        status = DirectiveStatus.coerce(data.status or DirectiveStatus.ISSUED.value)
    except ValueError:
        raise ValidationFailed(_("Trạng thái văn bản không hợp lệ."), field="status") from None
    meeting = db.session.get(Meeting, data.meeting_id) if data.meeting_id else None
    if data.meeting_id and meeting is None:
        raise ValidationFailed(_("Buổi làm việc đã chọn không tồn tại."), field="meeting_id")
    if meeting is not None and data.issued_on is not None and data.issued_on < meeting.held_on:
        raise ValidationFailed(_("Ngày ban hành %(d)s trước ngày họp %(m)s.", d=_vn(data.issued_on),
                                 m=_vn(meeting.held_on)), field="issued_on")
    if data.parent_directive_id and db.session.get(Directive, data.parent_directive_id) is None:
        raise ValidationFailed(_("Văn bản cấp trên đã chọn không tồn tại."), field="parent_directive_id")
    if data.issuer_id:
        _org(data.issuer_id, _("Cơ quan ban hành"))
    return {
        "title": title, "doc_type": doc_type, "number": f"{int(number):02d}" if number else None,
        "issuer_suffix": issuer, "issued_on": data.issued_on, "issuing_body": _clean(data.issuing_body)[:200] or None,
        "body": _clean(data.body), "meeting_id": data.meeting_id or None,
        "parent_directive_id": data.parent_directive_id or None, "status": status, "issuer_id": data.issuer_id or None,
        "term_start_year": term_start_year_for(data.issued_on or (meeting.held_on if meeting else today_local())),
    }


def _check_symbol_free(values: dict, current: Directive | None) -> Directive | None:
    """Refuse a number already used in the term; return a reference record to promote, if any."""
    if not values["number"]:
        return None
    existing = [d for d in db.session.scalars(
        sa.select(Directive).where(Directive.doc_type == values["doc_type"],
                                   Directive.issuer_suffix == values["issuer_suffix"])
    ) if d is not current and _number_key(d.number or "") == _number_key(values["number"])
        and (d.term_start_year or values["term_start_year"]) == values["term_start_year"]]
    own = [d for d in existing if d.status is not DirectiveStatus.REFERENCE]
    if own:
        raise Conflict(_("Số, ký hiệu %(s)s đã được dùng cho văn bản “%(t)s” trong nhiệm kỳ này.",
                         s=f"{values['number']}-{values['doc_type']}/{values['issuer_suffix']}", t=own[0].title[:120]))
    return existing[0] if existing else None


def create_directive(actor, data: DirectiveInput, *, files: Sequence = ()) -> Directive:
    """Create a directive with its attachments (the signed PDF/DOCX), linking the references in its text.

    When the number was already known as a mere reference (mentioned in another text), that record
    is promoted to this document, so every earlier mention now links to it.
    """
    _require_editor(actor)
    values = _validate_directive(data)
    directive = _check_symbol_free(values, None)
    creating = directive is None
    if creating:
        directive = Directive(created_by_id=getattr(actor, "id", None))
        db.session.add(directive)
    for name, value in values.items():
        setattr(directive, name, value)
    db.session.flush()
    add_attachments(actor, directive, files)
    sync_directive_references(directive)
    audit.record(actor, "create" if creating else "promote", directive, summary=_directive_label(directive),
                 after=audit.snapshot(directive, DIRECTIVE_FIELDS))
    return directive


def update_directive(actor, directive: Directive, data: DirectiveInput, *, expected_version: int | None = None
                     ) -> Directive:
    """Edit a directive's header and text; its tasks must not fall due before its meeting."""
    _require_editor(actor)
    check_version(directive, expected_version)
    values = _validate_directive(data)
    if _check_symbol_free(values, directive) is not None:
        raise Conflict(_("Số, ký hiệu này đang là một văn bản được dẫn chiếu khác; hãy mở văn bản đó để cập nhật."))
    before = audit.snapshot(directive, DIRECTIVE_FIELDS)
    for name, value in values.items():
        setattr(directive, name, value)
    floor = _date_floor(directive)
    earliest = db.session.scalar(sa.select(sa.func.min(Task.due_date)).where(Task.directive_id == directive.id))
    if floor and earliest and earliest < floor:
        raise ValidationFailed(_("Đã có nhiệm vụ hạn %(due)s, trước ngày họp/ban hành %(d)s.",
                                 due=_vn(earliest), d=_vn(floor)))
    old, new = audit.diff(before, audit.snapshot(directive, DIRECTIVE_FIELDS))
    db.session.flush()
    sync_directive_references(directive)
    if new:
        audit.record(actor, "update", directive, summary=_directive_label(directive), before=old, after=new)
    return directive


def delete_directive(actor, directive: Directive) -> list[str]:
    """Delete a directive and its tasks; refused once an agency has reported or a carry-over points at it.

    Returns the stored names of its files so the caller removes them after the commit.
    """
    _require_editor(actor)
    task_ids = select_ids(sa.select(Task.id).where(Task.directive_id == directive.id))
    if task_ids and db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport)
                                      .where(ProgressReport.task_id.in_(task_ids))):
        raise Conflict(_("Văn bản đã có nhiệm vụ được báo cáo tiến độ, không thể xóa."))
    if db.session.scalar(sa.select(sa.func.count()).select_from(TaskCarryOver).where(
            sa.or_(TaskCarryOver.from_directive_id == directive.id, TaskCarryOver.to_directive_id == directive.id))):
        raise Conflict(_("Văn bản có nhiệm vụ chuyển tiếp, không thể xóa."))
    children = db.session.scalar(sa.select(sa.func.count()).select_from(Directive)
                                 .where(Directive.parent_directive_id == directive.id))
    if children:
        raise Conflict(_("Văn bản đang là văn bản cấp trên của %(n)d văn bản khác, không thể xóa.", n=children))
    stored = [a.stored_name for a in directive.attachments]
    db.session.execute(sa.delete(DocumentReference).where(
        sa.or_(sa.and_(DocumentReference.source_kind == "directive", DocumentReference.source_id == directive.id),
               sa.and_(DocumentReference.source_kind == "task", DocumentReference.source_id.in_(task_ids or [0])))))
    audit.record(actor, "delete", directive, summary=_directive_label(directive),
                 before=audit.snapshot(directive, DIRECTIVE_FIELDS))
    db.session.delete(directive)
    db.session.flush()
    return stored


def select_ids(stmt) -> list[int]:
    return list(db.session.scalars(stmt))


def _directive_label(directive: Directive) -> str:
    return f"{directive.symbol or ''} {directive.title}".strip()[:300]


def add_attachments(actor, directive: Directive, files: Iterable) -> list[Attachment]:
    """Store uploaded files (PDF or DOCX, type checked from the content) as the directive's attachments.

    A refused file raises ``UploadRefused`` (a ValidationFailed); files already stored in this call
    are removed from disk again, and the caller rolls the transaction back.
    """
    from app.core.uploads import DOCUMENT_KINDS, discard_upload, store_upload

    stored: list[dict] = []
    created: list[Attachment] = []
    try:
        for file_storage in files:
            if file_storage is None or not getattr(file_storage, "filename", ""):
                continue
            values = store_upload(file_storage, allowed_kinds=DOCUMENT_KINDS, field="attachments")
            stored.append(values)
            attachment = Attachment(**values, directive_id=directive.id, uploaded_by_id=getattr(actor, "id", None))
            db.session.add(attachment)
            created.append(attachment)
        db.session.flush()
    except BaseException:
        for values in stored:
            discard_upload(values)
        raise
    for attachment in created:
        audit.record(actor, "attach", attachment, summary=_("Đính kèm %(name)s vào %(d)s", name=attachment.filename,
                                                            d=_directive_label(directive)))
    return created


def remove_attachment(actor, attachment: Attachment) -> str:
    """Delete an attachment row; returns its stored name for removal from disk after the commit."""
    _require_editor(actor)
    audit.record(actor, "detach", attachment, summary=attachment.filename)
    stored = attachment.stored_name
    db.session.delete(attachment)
    db.session.flush()
    return stored


def get_directive_for(user, directive_id: int) -> Directive:
    """The directive if *user* may see it, else NotFound (drafts are not disclosed to agencies)."""
    directive = db.session.get(Directive, directive_id)
    if directive is None or not can_view_directive(user, directive):
        raise NotFound(_("Không tìm thấy văn bản."))
    return directive


def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(_("Không tìm thấy buổi làm việc."))
    return meeting


@dataclass(frozen=True)
class DirectiveFilters:
    year: int | None = None
    quarter: int | None = None
    issuer_suffix: str | None = None
    doc_type: str | None = None
    status: str | None = None
    agency_id: int | None = None
    meeting_id: int | None = None
    query: str | None = None


def _period_clause(year: int | None, quarter: int | None):
    if not year or not 1900 <= year <= 2999:
        return sa.true()
    if quarter in (1, 2, 3, 4):
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    else:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    in_meeting = sa.exists().where(Meeting.id == Directive.meeting_id, Meeting.held_on >= start, Meeting.held_on < end)
    return sa.or_(sa.and_(Directive.issued_on >= start, Directive.issued_on < end), in_meeting)


def _agency_clause(agency_id: int):
    as_lead = sa.exists().where(Task.directive_id == Directive.id, Task.lead_org_id == agency_id)
    as_coord = sa.exists().where(Task.directive_id == Directive.id, task_coordinator.c.task_id == Task.id,
                                 task_coordinator.c.organisation_id == agency_id)
    as_item = sa.exists().where(Task.directive_id == Directive.id, ContentItem.task_id == Task.id,
                                ContentItem.lead_org_id == agency_id)
    return sa.or_(as_lead, as_coord, as_item)


def list_directives(user, filters: DirectiveFilters, *, after_id: int | None = None, limit: int = 50
                    ) -> tuple[list[Directive], int | None]:
    """One page of directives for *user*, newest first, keyset-paginated on the id.

    Referenced documents (status “reference”) are listed only when that status is asked for.
    Agency users see issued directives that hold one of their tasks.  A query that names a document
    ("26-NQ/TW", "Nghị quyết số 26-NQ/TW") finds it and every directive whose text cites it.
    """
    stmt = sa.select(Directive).order_by(Directive.id.desc()).limit(limit + 1)
    if filters.status:
        stmt = stmt.where(Directive.status == DirectiveStatus.coerce(filters.status))
    else:
        stmt = stmt.where(Directive.status != DirectiveStatus.REFERENCE)
    stmt = stmt.where(directive_visibility_clause(user))
    if user.role not in OVERSIGHT_ROLES:
        if not filters.status or filters.status != DirectiveStatus.REFERENCE.value:
            visible = sa.exists().where(Task.directive_id == Directive.id, task_visibility_clause(user))
            stmt = stmt.where(visible)
    stmt = stmt.where(_period_clause(filters.year, filters.quarter))
    if filters.issuer_suffix:
        stmt = stmt.where(Directive.issuer_suffix == filters.issuer_suffix)
    if filters.doc_type:
        stmt = stmt.where(Directive.doc_type == filters.doc_type)
    if filters.agency_id:
        stmt = stmt.where(_agency_clause(filters.agency_id))
    if filters.meeting_id:
        stmt = stmt.where(Directive.meeting_id == filters.meeting_id)
    if filters.query:
        stmt = stmt.where(_query_clause(user, filters.query))
    if after_id:
        stmt = stmt.where(Directive.id < after_id)
    rows = list(db.session.scalars(stmt))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def _query_clause(user, query: str):
    targets = reference_targets(user, query)
    text = _clean(query)[:200]
    clauses = [like_contains(Directive.title, text), like_contains(Directive.body, text),
               like_contains(Directive.issuing_body, text)]
    if targets:
        ids = [t.id for t in targets]
        citing = sa.select(DocumentReference.source_id).where(
            DocumentReference.source_kind == "directive", DocumentReference.target_directive_id.in_(ids))
        citing_tasks = sa.select(Task.directive_id).join(
            DocumentReference, sa.and_(DocumentReference.source_kind == "task", DocumentReference.source_id == Task.id)
        ).where(DocumentReference.target_directive_id.in_(ids))
        clauses += [Directive.id.in_(ids), Directive.id.in_(citing), Directive.id.in_(citing_tasks)]
    return sa.or_(*clauses)


def filter_options() -> dict:
    """Values for the list filters: issuer suffixes, types and years in use."""
    suffixes = db.session.scalars(sa.select(Directive.issuer_suffix).where(Directive.issuer_suffix.is_not(None))
                                  .distinct().order_by(Directive.issuer_suffix)).all()
    years = sorted({d.year for d in db.session.scalars(sa.select(Directive.issued_on)
                                                        .where(Directive.issued_on.is_not(None)).distinct())} |
                   set(db.session.scalars(sa.select(Meeting.year).distinct())), reverse=True)
    return {"suffixes": suffixes, "doc_types": DOC_TYPES, "years": years}


# --------------------------------------------------------------------------- progress at a glance


@dataclass
class DirectiveProgress:
    """Counts by status and overall progress of the tasks a user can see under one directive."""

    tasks: list[Task]
    by_status: dict[TaskStatus, int]
    overdue: int
    average_percent: int
    item_count: int

    @property
    def total(self) -> int:
        return len(self.tasks)


def directive_tasks(user, directive: Directive) -> list[Task]:
    """The directive's tasks that *user* may see, in breakdown order (occurrences after their series)."""
    stmt = (sa.select(Task).where(Task.directive_id == directive.id, task_visibility_clause(user))
            .options(selectinload(Task.items), selectinload(Task.coordinators))
            .order_by(Task.ordinal, Task.parent_task_id.is_not(None), Task.due_date, Task.id))
    return list(db.session.scalars(stmt))


def directive_progress(user, directive: Directive, today: date | None = None) -> DirectiveProgress:
    today = today or today_local()
    tasks = directive_tasks(user, directive)
    by_status = {status: 0 for status in TaskStatus}
    for task in tasks:
        by_status[task.status] += 1
    average = round(sum(t.progress_percent for t in tasks) / len(tasks)) if tasks else 0
    return DirectiveProgress(tasks=tasks, by_status=by_status, overdue=sum(t.is_overdue(today) for t in tasks),
                             average_percent=average, item_count=sum(len(t.items) for t in tasks))


# =============================================================================================
# Due dates
# =============================================================================================


def reference_date_for(directive: Directive | None) -> date:
    """The date phrases without a year are read against: the meeting, else the notice, else today."""
    if directive is None:
        return today_local()
    return _date_floor(directive) or today_local()


def _date_floor(directive: Directive) -> date | None:
    """No deadline may come before this day: the meeting date, else the notice's date.

    Read through ``meeting_id`` so that a meeting changed in this transaction counts.
    """
    meeting = db.session.get(Meeting, directive.meeting_id) if directive.meeting_id else None
    if meeting is not None:
        return meeting.held_on
    return directive.issued_on


def resolve_due(phrase: str | None, typed_date: date | None, *, reference_date: date | None,
                kind: str = "", recurrence: str = "") -> DueChoice:
    """Decide the deadline, kind and recurrence from a phrase and/or a date (rules in the module doc)."""
    phrase = _clean(phrase)[:200] or None
    resolution = None
    if phrase:
        try:
            resolution = resolve_due_phrase(phrase, reference_date=reference_date)
        except PeriodPhraseError as error:
            raise ValidationFailed(_("Thời hạn không hợp lệ: %(reason)s", reason=str(error)), field="due_phrase") from None
    chosen_kind = _kind_from(kind, resolution)
    chosen_recurrence = None
    if chosen_kind is TaskKind.RECURRING:
        chosen_recurrence = _recurrence_from(recurrence, resolution)
    due = typed_date if typed_date is not None else (resolution.due_date if resolution else None)
    if chosen_kind is TaskKind.RECURRING and due is None:
        due = cycle_end(chosen_recurrence.value, reference_date or today_local())
    if chosen_kind is TaskKind.ONE_OFF and due is None and not (resolution and resolution.kind == "event"):
        raise ValidationFailed(_("Chưa nhập thời hạn: nhập ngày hoặc cụm từ như “trong quý II/2024”."), field="due_date")
    return DueChoice(phrase=phrase, due_date=due, kind=chosen_kind, recurrence=chosen_recurrence,
                     approximate=bool(resolution and resolution.approximate and typed_date is None))


def _kind_from(kind: str, resolution) -> TaskKind:
    if kind:
        try:
            return TaskKind.coerce(kind)
        except ValueError:
            raise ValidationFailed(_("Loại nhiệm vụ không hợp lệ."), field="kind") from None
    if resolution is None:
        return TaskKind.ONE_OFF
    if resolution.kind == "continuous" or resolution.recurrence == "weekly":
        return TaskKind.CONTINUOUS
    if resolution.kind == "recurring":
        return TaskKind.RECURRING
    return TaskKind.ONE_OFF


def _recurrence_from(recurrence: str, resolution) -> Recurrence:
    value = recurrence or (resolution.recurrence if resolution else None)
    if value == "weekly" or not value:
        raise ValidationFailed(_("Nhiệm vụ định kỳ cần chu kỳ: hằng tháng, hằng quý hoặc hằng năm."), field="recurrence")
    try:
        return Recurrence.coerce(value)
    except ValueError:
        raise ValidationFailed(_("Chu kỳ lặp lại không hợp lệ."), field="recurrence") from None


def _check_not_before(due: date | None, floor: date | None, what: str) -> None:
    if due is not None and floor is not None and due < floor:
        raise ValidationFailed(_("%(what)s %(due)s trước ngày họp/ban hành %(floor)s.",
                                 what=what, due=_vn(due), floor=_vn(floor)), field="due_date")


# =============================================================================================
# Task breakdown
# =============================================================================================


@dataclass
class _ItemPlan:
    text: str
    lead: Organisation | None
    due: DueChoice | None
    id: int | None = None


@dataclass
class _TaskPlan:
    """A validated TaskInput, ready to be written."""

    title: str
    description: str
    lead: Organisation
    coordinators: list[Organisation]
    due: DueChoice
    all_communes: bool
    is_confidential: bool
    items: list[_ItemPlan]


def active_communes() -> list[Organisation]:
    return list(db.session.scalars(
        sa.select(Organisation).where(Organisation.kind == OrganisationKind.COMMUNE, Organisation.is_active.is_(True))
        .order_by(Organisation.display_order, Organisation.name)))


def _plan_task(data: TaskInput, directive: Directive) -> _TaskPlan:
    """Validate one task input against the catalog and the directive's dates (no writes)."""
    title = _clean(data.title)
    if not title:
        raise ValidationFailed(_("Chưa nhập nội dung nhiệm vụ."), field="title")
    if len(title) > 1000:
        raise ValidationFailed(_("Tiêu đề nhiệm vụ quá dài (tối đa 1000 ký tự)."), field="title")
    if not data.lead_org_id:
        raise ValidationFailed(_("Chưa chọn cơ quan chủ trì."), field="lead_org_id")
    lead = _org(data.lead_org_id, _("Cơ quan chủ trì"))
    coordinators: list[Organisation] = []
    for org_id in dict.fromkeys(data.coordinator_ids or []):
        if org_id == lead.id:
            continue
        coordinators.append(_org(org_id, _("Cơ quan phối hợp")))
    reference = reference_date_for(directive)
    floor = _date_floor(directive)
    due = resolve_due(data.due_phrase, data.due_date, reference_date=reference, kind=data.kind,
                      recurrence=data.recurrence)
    due = replace(due, due_date=not_before_notice(due.kind, due.recurrence, due.due_date, directive.issued_on))
    _check_not_before(due.due_date, floor, _("Hạn hoàn thành"))
    items: list[_ItemPlan] = []
    for number, item in enumerate(data.items, start=1):
        text = _clean(item.text)
        if not text:
            if item.lead_org_id or _clean(item.due_phrase) or item.due_date:
                raise ValidationFailed(_("Nội dung %(n)d chưa có nội dung.", n=number), field="items")
            continue
        item_lead = _org(item.lead_org_id, _("Cơ quan thực hiện nội dung %(n)d", n=number)) \
            if item.lead_org_id and item.lead_org_id != lead.id else None
        item_due = _item_due(item, reference)
        if item_due is not None:
            _check_not_before(item_due.due_date, floor, _("Hạn của nội dung %(n)d", n=number))
        items.append(_ItemPlan(text=text, lead=item_lead, due=item_due, id=item.id))
    return _TaskPlan(title=title, description=_clean(data.description), lead=lead, coordinators=coordinators,
                     due=due, all_communes=bool(data.all_communes), is_confidential=bool(data.is_confidential),
                     items=items)


def _item_due(item: ItemInput, reference: date) -> DueChoice | None:
    """An item's own deadline (phrase and/or date); None when it follows the task's."""
    phrase = _clean(item.due_phrase)[:200] or None
    if phrase is None and item.due_date is None:
        return None
    due = item.due_date
    if phrase:
        try:
            resolution = resolve_due_phrase(phrase, reference_date=reference)
        except PeriodPhraseError as error:
            raise ValidationFailed(_("Thời hạn không hợp lệ: %(reason)s", reason=str(error)), field="items") from None
        due = due or resolution.due_date
    return DueChoice(phrase=phrase, due_date=due, kind=TaskKind.ONE_OFF)


def _commune_items(plan: _TaskPlan) -> list[_ItemPlan]:
    """One content item per active commune: the first item's text (or the task title), led by the commune."""
    communes = active_communes()
    if not communes:
        raise ValidationFailed(_("Danh mục chưa có đảng bộ xã, thị trấn nào đang hoạt động."), field="all_communes")
    template = plan.items[0] if plan.items else None
    text = template.text if template else plan.title
    due = template.due if template else None
    return [_ItemPlan(text=text, lead=commune, due=due) for commune in communes]


def _next_ordinal(directive: Directive) -> int:
    highest = db.session.scalar(sa.select(sa.func.max(Task.ordinal)).where(Task.directive_id == directive.id))
    return (highest or 0) + 1


def _write_task(task: Task, plan: _TaskPlan) -> None:
    task.title, task.description = plan.title, plan.description
    task.lead_org = plan.lead
    task.coordinators = list(plan.coordinators)
    task.kind, task.recurrence = plan.due.kind, plan.due.recurrence
    task.due_phrase, task.due_date = plan.due.phrase, plan.due.due_date
    if task.original_due_date is None:
        task.original_due_date = plan.due.due_date
    task.is_all_communes, task.is_confidential = plan.all_communes, plan.is_confidential


def _sync_items(task: Task, plans: list[_ItemPlan]) -> None:
    """Make the task's items match *plans*: update rows with an id, add new ones, delete the others."""
    existing = {item.id: item for item in task.items}
    carries_own_status = not existing and task.id is not None
    kept: list[ContentItem] = []
    for ordinal, plan in enumerate(plans, start=1):
        item = existing.pop(plan.id, None) if plan.id else None
        if item is None:
            item = ContentItem(text=plan.text, status=TaskStatus.NOT_STARTED, progress_percent=0)
            if carries_own_status and not kept:
                # A task entered without items was its own unit: its first item takes over its state.
                item.status, item.progress_percent = task.status, task.progress_percent
                item.completed_on = task.completed_on
            task.items.append(item)
        item.ordinal, item.text = ordinal, plan.text
        item.lead_org = plan.lead
        item.due_phrase = plan.due.phrase if plan.due else None
        item.due_date = plan.due.due_date if plan.due else None
        kept.append(item)
    for item in existing.values():
        if db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport)
                             .where(ProgressReport.content_item_id == item.id)):
            raise Conflict(_("Nội dung “%(t)s” đã có báo cáo tiến độ, không thể xóa.", t=item.text[:80]))
        task.items.remove(item)


def add_task(actor, directive: Directive, data: TaskInput, *, ordinal: int | None = None) -> Task:
    """Add a task (nhiệm vụ) with its content items to a directive; recurring tasks get their next occurrences."""
    _require_editor(actor)
    if directive.status is DirectiveStatus.REFERENCE:
        raise ValidationFailed(_("Văn bản được dẫn chiếu không có nhiệm vụ; hãy nhập văn bản trước."))
    plan = _plan_task(data, directive)
    task = Task(directive=directive, ordinal=ordinal or _next_ordinal(directive),
                created_by_id=getattr(actor, "id", None), status=TaskStatus.NOT_STARTED)
    _write_task(task, plan)
    db.session.add(task)
    _sync_items(task, _commune_items(plan) if plan.all_communes else (plan.items or [_ItemPlan(plan.title, None, None)]))
    db.session.flush()
    apply_rollup(task)
    audit.record(actor, "create", task, task_id=task.id, summary=_("Giao nhiệm vụ: %(t)s", t=task.title[:200]),
                 after=audit.snapshot(task, TASK_FIELDS))
    if task.kind is TaskKind.RECURRING:
        generate_occurrences(actor, task, today=reference_date_for(directive))
    sync_task_references(task)
    return task


def update_task_breakdown(actor, task: Task, data: TaskInput, *, expected_version: int | None = None) -> Task:
    """Edit a task's fields, agencies, deadline and content items (optimistic lock on the task)."""
    _require_editor(actor)
    check_version(task, expected_version)
    plan = _plan_task(data, task.directive)
    before = audit.snapshot(task, TASK_FIELDS) | {"coordinators": [o.code for o in task.coordinators],
                                                  "items": [i.text for i in task.items]}
    was_all_communes = task.is_all_communes
    _write_task(task, plan)
    if plan.all_communes and not (was_all_communes and plan.items):
        _sync_items(task, _commune_items(plan))
    else:
        _sync_items(task, plan.items or [_ItemPlan(plan.title, None, None)])
    db.session.flush()
    apply_rollup(task)  # items added, removed or re-dated: the task follows them
    after = audit.snapshot(task, TASK_FIELDS) | {"coordinators": [o.code for o in task.coordinators],
                                                 "items": [i.text for i in task.items]}
    old, new = audit.diff(before, after)
    if new:
        audit.record(actor, "update", task, task_id=task.id, before=old, after=new,
                     summary=_("Sửa %(fields)s", fields=", ".join(new)))
    if task.kind is TaskKind.RECURRING and task.parent_task_id is None:
        generate_occurrences(actor, task, today=reference_date_for(task.directive))
    sync_task_references(task)
    return task


def delete_task(actor, task: Task) -> None:
    """Delete a task (and its occurrences) unless an agency has already reported on it."""
    _require_editor(actor)
    ids = [task.id, *select_ids(sa.select(Task.id).where(Task.parent_task_id == task.id))]
    if db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport).where(ProgressReport.task_id.in_(ids))):
        raise Conflict(_("Nhiệm vụ đã có báo cáo tiến độ, không thể xóa."))
    if db.session.scalar(sa.select(sa.func.count()).select_from(TaskCarryOver).where(TaskCarryOver.task_id.in_(ids))):
        raise Conflict(_("Nhiệm vụ đã được chuyển tiếp sang kết luận khác, không thể xóa."))
    directive = task.directive
    db.session.execute(sa.delete(DocumentReference).where(DocumentReference.source_kind == "task",
                                                          DocumentReference.source_id.in_(ids)))
    audit.record(actor, "delete", task, summary=_("Xóa nhiệm vụ: %(t)s", t=task.title[:200]),
                 before=audit.snapshot(task, TASK_FIELDS))
    for child in db.session.scalars(sa.select(Task).where(Task.parent_task_id == task.id)):
        db.session.delete(child)
    db.session.delete(task)
    db.session.flush()
    _renumber(directive)


def _top_level(directive: Directive) -> list[Task]:
    return list(db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id,
                                                         Task.parent_task_id.is_(None))
                                   .order_by(Task.ordinal, Task.id)))


def _set_order(tasks: list[Task]) -> None:
    for ordinal, task in enumerate(tasks, start=1):
        if task.ordinal != ordinal:
            task.ordinal = ordinal
        for child in db.session.scalars(sa.select(Task).where(Task.parent_task_id == task.id)):
            if child.ordinal != ordinal:
                child.ordinal = ordinal


def _renumber(directive: Directive) -> None:
    _set_order(_top_level(directive))
    db.session.flush()


def reorder_tasks(actor, directive: Directive, ordered_ids: Sequence[int]) -> None:
    """Put the directive's tasks in the given order (every top-level task id exactly once)."""
    _require_editor(actor)
    tasks = _top_level(directive)
    by_id = {t.id: t for t in tasks}
    if sorted(ordered_ids) != sorted(by_id):
        raise ValidationFailed(_("Thứ tự nhiệm vụ không hợp lệ: cần liệt kê đủ và đúng các nhiệm vụ của văn bản."))
    _set_order([by_id[i] for i in ordered_ids])
    db.session.flush()
    audit.record(actor, "reorder", directive, summary=_("Sắp xếp lại nhiệm vụ của %(d)s", d=_directive_label(directive)))


def move_task(actor, task: Task, offset: int) -> None:
    """Move a task up (-1) or down (+1) in its directive's list."""
    _require_editor(actor)
    tasks = _top_level(task.directive)
    root = task if task.parent_task_id is None else db.session.get(Task, task.parent_task_id)
    index = tasks.index(root)
    target = min(max(index + offset, 0), len(tasks) - 1)
    if target == index:
        return
    tasks.insert(target, tasks.pop(index))
    _set_order(tasks)
    db.session.flush()
    audit.record(actor, "reorder", root, task_id=root.id, summary=_("Chuyển nhiệm vụ sang vị trí %(n)d", n=target + 1))


def move_item(actor, item: ContentItem, offset: int) -> None:
    """Move a content item up (-1) or down (+1) within its task."""
    _require_editor(actor)
    items = sorted(item.task.items, key=lambda i: (i.ordinal, i.id))
    index = items.index(item)
    target = min(max(index + offset, 0), len(items) - 1)
    if target == index:
        return
    items.insert(target, items.pop(index))
    for ordinal, each in enumerate(items, start=1):
        each.ordinal = ordinal
    db.session.flush()
    audit.record(actor, "reorder", item.task, task_id=item.task_id,
                 summary=_("Chuyển nội dung sang vị trí %(n)d", n=target + 1))


def delete_item(actor, item: ContentItem) -> None:
    """Delete one content item (refused when reported on); the task keeps at least its other items."""
    _require_editor(actor)
    if db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport)
                         .where(ProgressReport.content_item_id == item.id)):
        raise Conflict(_("Nội dung đã có báo cáo tiến độ, không thể xóa."))
    task = item.task
    audit.record(actor, "delete", item, task_id=task.id, summary=_("Xóa nội dung: %(t)s", t=item.text[:200]))
    task.items.remove(item)
    db.session.flush()
    for ordinal, each in enumerate(sorted(task.items, key=lambda i: (i.ordinal, i.id)), start=1):
        each.ordinal = ordinal
    apply_rollup(task)
    db.session.flush()


# --------------------------------------------------------------------------- recurring occurrences


def _cycle_label(recurrence: Recurrence, end: date) -> str:
    if recurrence is Recurrence.MONTHLY:
        return f"tháng {end.month}/{end.year}"
    if recurrence is Recurrence.QUARTERLY:
        return quarter_label(end.year, (end.month - 1) // 3 + 1)
    return f"năm {end.year}"


def generate_occurrences(actor, task: Task, *, today: date | None = None, ahead: int = OCCURRENCES_AHEAD) -> list[Task]:
    """Make sure a recurring task has occurrences for the *ahead* cycles after the current one.

    The series task is the first occurrence; each generated occurrence is a child task
    (``parent_task_id``) due at the end of its cycle, copying the agencies and content items.
    Cycles that already have an occurrence are skipped, so calling this again only tops up.
    """
    if task.kind is not TaskKind.RECURRING or task.recurrence is None or task.due_date is None:
        return []
    if task.parent_task_id is not None:
        return []
    recurrence = task.recurrence
    existing = set(db.session.scalars(sa.select(Task.due_date).where(Task.parent_task_id == task.id)))
    anchor = max(today or today_local(), task.due_date)
    horizon = cycle_end(recurrence.value, anchor)
    for _step in range(ahead):
        horizon = cycle_end(recurrence.value, horizon + timedelta(days=1))
    created: list[Task] = []
    end = cycle_end(recurrence.value, task.due_date + timedelta(days=1))
    while end <= horizon:
        if end not in existing:
            created.append(_occurrence(task, end))
        end = cycle_end(recurrence.value, end + timedelta(days=1))
    if created:
        db.session.flush()
        audit.record(actor, "generate", task, task_id=task.id,
                     summary=_("Tạo %(n)d kỳ tiếp theo của nhiệm vụ định kỳ", n=len(created)))
    return created


def _occurrence(series: Task, due: date) -> Task:
    label = _cycle_label(series.recurrence, due)
    suffix = f" ({label})"
    child = Task(directive_id=series.directive_id, ordinal=series.ordinal, parent_task_id=series.id,
                 title=series.title[: 1000 - len(suffix)] + suffix, description=series.description,
                 lead_org_id=series.lead_org_id, kind=TaskKind.RECURRING, recurrence=series.recurrence,
                 due_phrase=series.due_phrase, due_date=due, original_due_date=due, status=TaskStatus.NOT_STARTED,
                 is_all_communes=series.is_all_communes, is_confidential=series.is_confidential,
                 created_by_id=series.created_by_id)
    child.coordinators = list(series.coordinators)
    for item in series.items:
        child.items.append(ContentItem(ordinal=item.ordinal, text=item.text, lead_org_id=item.lead_org_id))
    db.session.add(child)
    return child


# =============================================================================================
# Import of a conclusion notice (nhập Thông báo kết luận)
# =============================================================================================


def agency_refs_from_db() -> list[AgencyRef]:
    """The importer's view of the organisation catalog: code, name, other names, kind (active only)."""
    rows = db.session.scalars(sa.select(Organisation).where(Organisation.is_active.is_(True))
                              .order_by(Organisation.display_order, Organisation.name))
    refs = []
    for org in rows:
        aliases = [a for a in (org.short_name, *org.alias_list) if a and a.strip() and a != org.name]
        refs.append(AgencyRef(code=org.code, name=org.name, aliases=tuple(dict.fromkeys(aliases)),
                                       kind=org.kind.value))
    return refs


def read_notice_file(data: bytes, filename: str) -> str:
    """Text of an uploaded notice (.docx or .txt, UTF-8); refuses anything else with a Vietnamese message."""
    if len(data) > MAX_IMPORT_FILE_BYTES:
        raise ValidationFailed(_("Tệp quá lớn: tối đa %(n)d MB.", n=MAX_IMPORT_FILE_BYTES // (1024 * 1024)),
                               field="file")
    try:
        return read_import_file(data, filename)
    except ImportFileError as error:
        raise ValidationFailed(str(error), field="file") from None


def propose_import(text: str, *, reference_date: date | None = None) -> ImportDraft:
    """The importer's proposal for a pasted or uploaded notice (nothing is saved)."""
    text = text or ""
    if not text.strip():
        raise ValidationFailed(_("Chưa dán nội dung thông báo hoặc chọn tệp."), field="text")
    if len(text) > MAX_IMPORT_CHARS:
        raise ValidationFailed(_("Văn bản quá dài (tối đa %(n)d ký tự).", n=MAX_IMPORT_CHARS), field="text")
    return propose_tasks(text, agency_refs_from_db(), reference_date=reference_date)


def plan_from_draft(draft: ImportDraft, source_text: str, *, new_directive: bool) -> ImportPlan:
    """Turn the importer's draft into editable inputs (agency codes become organisation ids)."""
    ids = dict(db.session.execute(sa.select(Organisation.code, Organisation.id)).all())
    tasks = []
    for proposed in draft.tasks:
        items = []
        for item in proposed.items:
            own_due = item.due_phrase != proposed.due_phrase
            items.append(ItemInput(
                text=item.text,
                lead_org_id=ids.get(item.lead_code) if item.lead_code != proposed.lead_code else None,
                due_phrase=(item.due_phrase or "") if own_due else "",
                due_date=item.due_date if own_due and item.approximate else None))
        communes_lead = proposed.all_communes and proposed.lead_code is None
        tasks.append(TaskInput(
            title=proposed.title, lead_org_id=ids.get(proposed.lead_code),
            coordinator_ids=[ids[c] for c in proposed.coordinator_codes if c in ids],
            due_phrase=proposed.due_phrase or "",
            due_date=proposed.due_date if proposed.approximate else None,
            all_communes=communes_lead, description=_extra_description(proposed),
            items=items, ordinal=proposed.ordinal, warnings=list(proposed.warnings),
            communes_mentioned=proposed.all_communes,
        ))
    header = draft.directive
    directive = meeting = None
    if new_directive:
        directive = DirectiveInput(
            title=(header.title if header and header.title else ""),
            doc_type=(header.doc_type if header and header.doc_type in DOC_TYPES else "TB"),
            number=(header.number or "") if header else "",
            issuer_suffix=(header.issuer_suffix or "HU") if header else "HU",
            issued_on=header.issued_on if header else None, body=source_text)
        if header and header.meeting_on:
            existing = db.session.scalar(sa.select(Meeting).where(Meeting.held_on == header.meeting_on).limit(1))
            if existing is not None:
                directive.meeting_id = existing.id
            else:
                meeting = MeetingInput(held_on=header.meeting_on, period_label=header.period_label or "")
    return ImportPlan(tasks=tasks, source_text=source_text, directive=directive, meeting=meeting,
                      warnings=[w for w in draft.warnings if not w.startswith("Nhiệm vụ ")])


def _extra_description(proposed: ProposedTask) -> str:
    """The task's paragraph when it says more than its title (the items are kept as items, not here)."""
    header = proposed.text.split("\n- ", 1)[0].strip()
    return "" if header.rstrip(" .:;") == proposed.title else header


def confirm_import(actor, plan: ImportPlan, directive: Directive | None = None) -> Directive:
    """Save a reviewed import in the caller's one transaction: the directive (and meeting) when new, then every task.

    Every task is validated first; if any is wrong, ValidationFailed lists them all ("Nhiệm vụ 3:
    …") with ``details["tasks"]`` = {index: [messages]} and nothing is written to the tasks (the
    caller rolls back the directive created here as well).
    """
    _require_editor(actor)
    tasks = sorted(enumerate(plan.tasks), key=lambda pair: (pair[1].ordinal or 10_000, pair[0]))
    if not tasks:
        raise ValidationFailed(_("Không có nhiệm vụ nào để lưu."))
    if directive is None:
        if plan.directive is None:
            raise ValidationFailed(_("Chưa có thông tin văn bản."))
        if plan.meeting is not None and not plan.directive.meeting_id:
            plan.directive.meeting_id = create_meeting(actor, plan.meeting).id
        directive = create_directive(actor, plan.directive)
    errors: dict[int, list[str]] = {}
    plans: list[tuple[int, TaskInput]] = []
    for index, data in tasks:
        try:
            _plan_task(data, directive)
        except ValidationFailed as error:
            errors.setdefault(index, []).append(error.message)
            continue
        plans.append((index, data))
    if errors:
        lines = [_("Nhiệm vụ %(n)d: %(m)s", n=plan.tasks[i].ordinal or i + 1, m=" ".join(msgs))
                 for i, msgs in sorted(errors.items())]
        raise ValidationFailed(_("Chưa lưu được: %(errors)s", errors=" ".join(lines)), details={"tasks": errors})
    start = _next_ordinal(directive)
    for offset, (_index, data) in enumerate(plans):
        add_task(actor, directive, data, ordinal=start + offset)
    audit.record(actor, "import", directive, summary=_("Nhập %(n)d nhiệm vụ, %(m)d nội dung từ văn bản",
                                                       n=len(plans), m=sum(len(t.items) for t in directive_tasks_all(directive))))
    return directive


def directive_tasks_all(directive: Directive) -> list[Task]:
    return list(db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id,
                                                         Task.parent_task_id.is_(None)).order_by(Task.ordinal)))


# =============================================================================================
# References (trích dẫn văn bản)
# =============================================================================================

_ORGAN_AFTER = re.compile(r"\s*,?\s*của\s+(?P<organ>[^,;.:“”\"()\n]{3,120}?)(?=\s+(?:về|khóa|khoá|nhiệm\s+kỳ)\b|[,;.:“”\"()\n]|$)")


def _expand(ref: Reference) -> list[Reference]:
    """One reference per number: "217, 218-QĐ/TW" names two documents."""
    if "multi-number" not in ref.flags:
        return [ref]
    from dataclasses import replace

    parts = [p.strip() for p in ref.number.split(",") if p.strip().isdigit()]
    flags = tuple(f for f in ref.flags if f != "multi-number")
    return [replace(ref, number=p, flags=flags) for p in parts]


def _issuing_body(text: str, ref: Reference) -> str | None:
    match = _ORGAN_AFTER.match(text, ref.end)
    return match.group("organ").strip() if match else None


def _target_for(ref: Reference, text: str, own: Directive | None) -> Directive | None:
    """The canonical directive for a reference, created with status “reference” when unknown."""
    if "redacted-number" in ref.flags:
        return None  # "1...6-CV/UBKTHU": cannot be told apart from other redacted numbers
    target = find_by_key(ref.code, ref.number, ref.issuer, on=ref.date)
    if own is not None and target is own:
        return None  # the notice naming itself
    if target is None:
        number = f"{int(ref.number):02d}" if ref.style == "party" and ref.number.isdigit() else ref.number
        target = Directive(doc_type=ref.code, number=number[:32], issuer_suffix=ref.issuer, issued_on=ref.date,
                           term_start_year=term_start_year_for(ref.date) if ref.date else None,
                           issuing_body=(_issuing_body(text, ref) or None), title=ref.canonical()[:1000],
                           status=DirectiveStatus.REFERENCE)
        db.session.add(target)
        db.session.flush()
    elif target.status is DirectiveStatus.REFERENCE:
        # a later, fuller mention completes the record (an undated mention inherits the date, AS-08)
        if target.issued_on is None and ref.date is not None:
            target.issued_on = ref.date
            target.term_start_year = term_start_year_for(ref.date)
            target.title = ref.canonical()[:1000]
        if not target.issuing_body:
            target.issuing_body = _issuing_body(text, ref)
    return target


def sync_references(source_kind: str, source_id: int, text: str, *, own: Directive | None = None
                    ) -> list[DocumentReference]:
    """Parse every reference in *text* and link it to one canonical directive (AS-08).

    Existing links of the source are replaced.  Mentions of one document (same
    :meth:`Reference.key`) share one record; an undated mention takes the date of a dated one
    (:func:`refs.merge_references`).  Unknown documents are created with status “reference”;
    redacted numbers are not linked; "217, 218-QĐ/TW" links two documents.  Flags (invalid-date,
    type-code-mismatch …) are kept on the link for a person to check.
    """
    db.session.execute(sa.delete(DocumentReference).where(DocumentReference.source_kind == source_kind,
                                                          DocumentReference.source_id == source_id))
    norm = normalize(text or "")
    mentions = [part for ref in parse_references(norm) for part in _expand(ref)]
    merged = {ref.key(): ref for ref in merge_references(mentions)}
    links: list[DocumentReference] = []
    seen: set[tuple[int, str]] = set()
    for mention in mentions:
        canonical = merged[mention.key()]
        target = _target_for(canonical if mention.date is None else mention, norm, own)
        if target is None or (target.id, mention.match) in seen:
            continue
        seen.add((target.id, mention.match))
        link = DocumentReference(source_kind=source_kind, source_id=source_id, target_directive_id=target.id,
                                 matched_text=mention.match[:500], flags=" ".join(mention.flags)[:200])
        db.session.add(link)
        links.append(link)
    db.session.flush()
    return links


def sync_directive_references(directive: Directive) -> list[DocumentReference]:
    return sync_references("directive", directive.id, f"{directive.title}\n{directive.body}", own=directive)


def sync_task_references(task: Task) -> list[DocumentReference]:
    text = "\n".join([task.title, task.description or "", *(i.text for i in task.items)])
    return sync_references("task", task.id, text, own=task.directive)


def outgoing_references(source_kind: str, source_id: int) -> list[DocumentReference]:
    return list(db.session.scalars(
        sa.select(DocumentReference).where(DocumentReference.source_kind == source_kind,
                                           DocumentReference.source_id == source_id)
        .options(selectinload(DocumentReference.target)).order_by(DocumentReference.id)))


@dataclass
class Citation:
    """Where a directive is cited: a directive or a task (with the text as written)."""

    kind: str
    directive: Directive
    task: Task | None
    matched_text: str
    flags: str


def citations_of(user, target: Directive) -> list[Citation]:
    """Every directive and task (that *user* may see) citing *target*."""
    rows = db.session.scalars(sa.select(DocumentReference).where(DocumentReference.target_directive_id == target.id)
                              .order_by(DocumentReference.id)).all()
    result: list[Citation] = []
    task_ids = [r.source_id for r in rows if r.source_kind == "task"]
    tasks = {t.id: t for t in db.session.scalars(sa.select(Task).where(Task.id.in_(task_ids or [0]),
                                                                        task_visibility_clause(user)))}
    for row in rows:
        if row.source_kind == "directive":
            source = db.session.get(Directive, row.source_id)
            if source is not None and can_view_directive(user, source):
                result.append(Citation("directive", source, None, row.matched_text, row.flags))
        elif row.source_kind == "task" and row.source_id in tasks:
            task = tasks[row.source_id]
            result.append(Citation("task", task.directive, task, row.matched_text, row.flags))
    return result


_BARE_SYMBOL = re.compile(
    r"(?P<num>\d{1,5})\s*[-‐–]\s*(?P<code>CTr|QĐi|NQ|CT|KL|TB|KH|QĐ|HD|ĐA|CV|BC|QC|TTr|NĐ)\s*/\s*(?P<issuer>[A-ZĐ][A-ZĐa-z0-9]*)"
    r"|(?P<snum>\d{1,5})(?:/\d{4})?/(?P<scode>NQ|CT|QĐ|NĐ|KH)-(?P<sissuer>[A-ZĐa-z0-9]+(?:-[A-ZĐa-z0-9]+)*)")


def reference_targets(user, query: str) -> list[Directive]:
    """Directives *user* may see named by a search such as "26-NQ/TW" or "Nghị quyết số 26-NQ/TW ngày 19/5/2018"."""
    text = normalize(query or "")[:300]
    keys: list[tuple[str, str, str | None]] = [ref.key() for ref in parse_references(text)]
    for match in _BARE_SYMBOL.finditer(text):
        if match.group("num"):
            keys.append((match.group("code"), _number_key(match.group("num")), match.group("issuer")))
        else:
            keys.append((match.group("scode"), _number_key(match.group("snum")), match.group("sissuer")))
    found: dict[int, Directive] = {}
    for code, number, issuer in dict.fromkeys(keys):
        stmt = sa.select(Directive).where(Directive.doc_type == code, Directive.issuer_suffix == issuer,
                                          directive_visibility_clause(user))
        for directive in db.session.scalars(stmt):
            if _number_key(directive.number or "") == number:
                found[directive.id] = directive
    return list(found.values())


def link_references(text: str, url_for_directive) -> Markup:
    """*text* (escaped, NFC) with each reference to a known directive turned into a link."""
    norm = normalize(text or "")
    pieces: list[str] = []
    position = 0
    for ref in parse_references(norm):
        target = None if "redacted-number" in ref.flags else find_by_key(ref.code, ref.number.split(",")[0],
                                                                          ref.issuer, on=ref.date)
        if target is None:
            continue
        pieces.append(str(escape(norm[position:ref.start])))
        title = escape(target.title)
        pieces.append(f'<a href="{escape(url_for_directive(target.id))}" class="doc-ref" title="{title}">'
                      f"{escape(ref.match)}</a>")
        position = ref.end
    pieces.append(str(escape(norm[position:])))
    return Markup("".join(pieces))  # noqa: S704  (every piece above is escaped)


def reference_report(text: str) -> list[dict]:
    """Every reference in *text* with its flags, Vietnamese reasons and canonical form (``flask refs parse``)."""
    from app.directives.refs import validate_reference

    rows = []
    for ref in parse_references(text or ""):
        rows.append({
            "match": ref.match, "type": ref.type, "number": ref.number, "code": ref.code, "issuer": ref.issuer,
            "style": ref.style, "year": ref.year, "date": ref.date.isoformat() if ref.date else None,
            "raw_date": ref.raw_date, "flags": list(ref.flags), "reasons": validate_reference(ref),
            "valid": not ref.flags, "canonical": ref.canonical(), "start": ref.start, "end": ref.end,
            "rendered_date": format_reference_date(ref.date) if ref.date else None,
        })
    return rows
