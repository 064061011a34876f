"""Oversight (giám sát, đôn đốc): the office chief's overdue review, agency scorecards, dashboard data,
search, the calendar feed and the actions taken on late work.

Rules, in one place (the web pages, the API and the CLI all call these functions):

- **The unit of lateness is the content unit** (nội dung), and what a unit is (owner, due date in
  force and original, open/closed, overdue as of a day, days late, bucket) is defined once, in
  :mod:`app.tasks.units`; this module only asks it.  This is how section I of the quarterly report
  counts ("09 nhiệm vụ, với 11 nội dung").
- **Scorecards as of a cut-off C** (chốt số liệu): a unit belongs to the period its *first* due
  date falls in (``Task.original_due_date``; extensions never rewrite history, as the progress
  rules say), and is judged only on facts dated on or before C: completed on or before its original due date
  (đúng hạn), completed later (trễ hạn), not completed and past its original due date (chưa hoàn
  thành: without an extension, exactly the units the overdue review lists on C), not completed and
  not yet due (đang thực hiện).  Tasks from directives issued after C are not counted, so a
  scorecard for a past cut-off is reproducible.  A completion with no recorded date is taken as on
  its due date.  Continuous tasks are counted apart and never enter the rates.
- Percentages come from :mod:`app.core.numbers` (exact, half-up, one rounding).
- Writes (reminders, explanations) are audited in the same transaction; services flush, never commit.
"""

from __future__ import annotations

import bisect
import functools
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from app.core import audit, page_cache
from app.core.clock import now_utc, today_local
from app.core.enums import (
    AGENCY_ROLES,
    OVERSIGHT_ROLES,
    ExtensionState,
    ReminderKind,
    ReminderState,
    ReviewState,
    TaskKind,
    TaskStatus,
)
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.numbers import percent_value
from app.core.periods import Period, last_quarters
from app.core.permissions import (
    agency_role_in_task,
    can_view_task,
    directive_visibility_clause,
    is_issued_task,
    issued_task_clause,
    require,
    task_visibility_clause,
)
from app.core.search import folded_match, query_words, text_matches
from app.core.security import new_token, token_hash
from app.core.text import strip_diacritics, xml_safe
from app.extensions import db
from app.models import (
    ContentItem,
    Directive,
    ExplanationRequest,
    ExtensionRequest,
    Indicator,
    IndicatorValue,
    Notification,
    Organisation,
    ProgressReport,
    ReminderLog,
    Task,
    User,
    task_coordinator,
)
from app.oversight import manual_reminders
from app.tasks.services import get_task_record_for
from app.tasks.units import (
    BUCKETS,
    bucket_of_days,
    task_may_be_open,
    unit_due,
    unit_of,
    unit_open_on,
    unit_original_due,
    unit_overdue,
    unit_owner,
)

PAGE_SIZE = 50
#: Rows an export or a print view may hold (a bigger list is cut, and says so).
EXPORT_LIMIT = 20000
PRINT_LIMIT = 2000
MAX_MESSAGE_CHARS = 2000
#: Escalation level reached by the reminders already sent (0 = none yet).
ESCALATION_LEVELS = {
    ReminderKind.ESCALATION_HEAD: 1,
    ReminderKind.ESCALATION_CHIEF: 2,
    ReminderKind.ESCALATION_COMMITTEE: 3,
}


def escalation_label(level: int) -> str:
    return {
        0: _("Chưa báo lên lãnh đạo"),
        1: _("Đã báo lãnh đạo cơ quan"),
        2: _("Đã báo Chánh Văn phòng"),
        3: _("Đã báo Thường trực"),
    }.get(level, "")


def bucket_label(code: str) -> str:
    return {"1-7": _("1–7 ngày"), "8-30": _("8–30 ngày"), "30+": _("trên 30 ngày")}[code]


# ============================================================================================
# Content units (nội dung): the rows every count here is made of
# ============================================================================================


# ============================================================================================
# Overdue review (rà soát nhiệm vụ quá hạn)
# ============================================================================================


@dataclass(frozen=True)
class OverdueFilters:
    """What the office chief narrows the review to. ``as_of`` is the day lateness is counted on."""

    as_of: date
    period: Period | None = None
    directive_id: int | None = None
    agency_id: int | None = None
    kind: TaskKind | None = None
    bucket: str | None = None
    #: "late": most days late first (the default); "recent": least late first.
    sort: str = "late"

    def without_agency(self) -> OverdueFilters:
        return replace(self, agency_id=None, bucket=None)


class Unit(NamedTuple):
    """One overdue content unit, ordered by (due, task, item): the keyset of the list."""

    due: date
    task_id: int
    #: 0 when the unit is a task without content items.
    item_id: int
    org_id: int
    directive_id: int
    kind: str


@dataclass
class OverdueSnapshot:
    """Every unit overdue on ``as_of``, most late first, with the names the page needs.

    Built with one query; everything the review shows (filters, the per-agency summary, keyset
    pages, the dashboard counts) is computed from it in memory.  For today it is kept per process and
    reused while :func:`app.core.page_cache.data_fingerprint` is unchanged (see :func:`overdue_snapshot`).
    """

    as_of: date
    units: list[Unit]
    organisations: dict[int, tuple[str, int]]
    directives: dict[int, tuple[str, date | None]]
    #: Summaries already computed from this snapshot, by filter (the snapshot never changes).
    summaries: dict = field(default_factory=dict)


def _bucket_bounds(as_of: date, code: str) -> tuple[date | None, date]:
    """Due dates (inclusive low, exclusive high) of the units ``code`` days late on ``as_of``."""
    for bucket, first, last in BUCKETS:
        if bucket == code:
            high = as_of - timedelta(days=first - 1)
            low = as_of - timedelta(days=last) if last is not None else None
            return low, high
    raise ValidationFailed(_("Nhóm quá hạn không hợp lệ."), field="bucket")


def _units_query(as_of: date) -> sa.Select:
    """Overdue units with their agency and directive labels: two index-friendly halves, united.

    The first half is the units late by their task's due date; the second, items whose own, earlier
    due date has passed while their task's has not.  When ``as_of`` is today or later a unit can only
    be open if its task is, so both halves start from ``ix_task_status_due``.
    """
    due, org = unit_due(), unit_owner()
    common = [unit_overdue(as_of)]
    # The kind as its stored text: the snapshot keeps strings, and converting thousands of rows to the
    # enum and back cost a quarter of a rebuild.
    columns = (Task.id.label("task_id"), sa.func.coalesce(ContentItem.id, 0).label("item_id"), org.label("org_id"),
               due.label("due"), Task.directive_id.label("directive_id"),
               sa.type_coerce(Task.kind, sa.String).label("kind"))
    by_task = (
        sa.select(*columns).select_from(Task).outerjoin(ContentItem, ContentItem.task_id == Task.id)
        .where(Task.due_date < as_of, *common)
    )
    by_item = (
        sa.select(*columns).select_from(Task).join(ContentItem, ContentItem.task_id == Task.id)
        .where(sa.or_(Task.due_date >= as_of, Task.due_date.is_(None)), ContentItem.due_date < as_of, *common)
    )
    units = sa.union_all(by_task, by_item).subquery("units")
    return (
        sa.select(units, Organisation.name, Organisation.display_order, Directive.number, Directive.doc_type,
                  Directive.issuer_suffix, Directive.title, Directive.issued_on)
        .join(Organisation, Organisation.id == units.c.org_id)
        .join(Directive, Directive.id == units.c.directive_id)
    )


def build_overdue_snapshot(as_of: date) -> OverdueSnapshot:
    units, organisations, directives = [], {}, {}
    # Positional unpacking: a rebuild reads thousands of rows, and named access costs more than the rest.
    for task_id, item_id, org_id, due, directive_id, kind, name, order, number, doc_type, suffix, title, issued_on \
            in db.session.connection().execute(_units_query(as_of)):
        units.append(Unit(due, task_id, item_id, org_id, directive_id, kind))
        if org_id not in organisations:
            organisations[org_id] = (name, order)
        if directive_id not in directives:
            symbol = _symbol(number, doc_type, suffix)
            label = f"{symbol} — {title}" if symbol else title
            directives[directive_id] = (label if len(label) <= 70 else label[:69] + "…", issued_on)
    units.sort()
    return OverdueSnapshot(as_of, units, organisations, directives)


def overdue_snapshot(as_of: date) -> OverdueSnapshot:
    """The overdue units on ``as_of``.  Today's are reused by this process while the data fingerprint
    holds (app.core.page_cache), so a busy review page costs one small query instead of a scan; other
    days, and tests (unless OVERSIGHT_CACHE is set), build anew."""
    if as_of != today_local():
        return build_overdue_snapshot(as_of)
    return page_cache.reuse("oversight.snapshot", (), as_of, lambda: build_overdue_snapshot(as_of))


def clear_overdue_cache() -> None:
    page_cache.clear()


def filter_units(snapshot: OverdueSnapshot, filters: OverdueFilters) -> list[Unit]:
    """The snapshot's units that pass the filters, in (due, task, item) order."""
    units = snapshot.units
    if filters.period:
        start, end = filters.period.start, filters.period.end
        units = [u for u in units if start <= u.due <= end]
    if filters.directive_id:
        units = [u for u in units if u.directive_id == filters.directive_id]
    if filters.kind:
        kind = filters.kind.value
        units = [u for u in units if u.kind == kind]
    if filters.agency_id:
        units = [u for u in units if u.org_id == filters.agency_id]
    if filters.bucket:
        low, high = _bucket_bounds(snapshot.as_of, filters.bucket)
        units = [u for u in units if u.due < high and (low is None or u.due >= low)]
    return units


@dataclass
class AgencyAgeing:
    """One agency's line in the review's summary: overdue units per ageing bucket."""

    organisation_id: int
    name: str
    buckets: dict[str, int]
    oldest_due: date | None

    @property
    def total(self) -> int:
        return sum(self.buckets.values())


@dataclass
class OverdueSummary:
    as_of: date
    agencies: list[AgencyAgeing]
    #: Directives with overdue units (id, label), newest first: the review's directive filter.
    directives: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(a.total for a in self.agencies)

    def bucket_total(self, code: str) -> int:
        return sum(a.buckets[code] for a in self.agencies)

    def agency(self, organisation_id: int) -> AgencyAgeing | None:
        return next((a for a in self.agencies if a.organisation_id == organisation_id), None)


def summarize(snapshot: OverdueSnapshot, units: Iterable[Unit]) -> OverdueSummary:
    """Per-agency ageing counts of ``units`` in report order (domain.md §1.3)."""
    as_of = snapshot.as_of
    by_org: dict[int, AgencyAgeing] = {}
    used_directives: set[int] = set()
    for unit in units:
        line = by_org.get(unit.org_id)
        if line is None:
            name = snapshot.organisations[unit.org_id][0]
            line = by_org[unit.org_id] = AgencyAgeing(unit.org_id, name, {code: 0 for code, _f, _l in BUCKETS}, unit.due)
        line.buckets[bucket_of_days((as_of - unit.due).days)] += 1
        if unit.due < line.oldest_due:
            line.oldest_due = unit.due
        used_directives.add(unit.directive_id)
    agencies = sorted(by_org.values(), key=lambda a: (snapshot.organisations[a.organisation_id][1], a.name))
    directives = sorted(((d, snapshot.directives[d]) for d in used_directives),
                        key=lambda kv: (kv[1][1] or date.min, kv[0]), reverse=True)
    return OverdueSummary(as_of, agencies, [(d, label) for d, (label, _issued) in directives])


def overdue_summary(filters: OverdueFilters, snapshot: OverdueSnapshot | None = None) -> OverdueSummary:
    """Overdue units per agency and ageing bucket.  The agency and bucket filters are not applied here,
    so the summary always shows where the lateness is; the list below it is what they narrow."""
    snapshot = snapshot or overdue_snapshot(filters.as_of)
    broad = filters.without_agency()
    key = (broad.period.code if broad.period else None, broad.directive_id, broad.kind)
    summary = snapshot.summaries.get(key)
    if summary is None:
        summary = snapshot.summaries[key] = summarize(snapshot, filter_units(snapshot, broad))
    return replace(summary, agencies=list(summary.agencies))


@dataclass(frozen=True)
class OverdueRow:
    """One overdue unit with what the office needs to act on it."""

    task_id: int
    item_id: int | None
    organisation_id: int
    agency: str
    title: str
    task_title: str
    item_ordinal: int | None
    directive_id: int
    directive_symbol: str | None
    directive_title: str
    due: date
    original_due: date | None
    days_late: int
    status: TaskStatus
    progress_percent: int
    is_confidential: bool
    last_report_on: date | None
    last_report_text: str | None
    last_report_percent: int | None
    reminders_sent: int
    last_reminder_at: datetime | None
    escalation_level: int
    explanation_id: int | None
    explanation_requested_at: datetime | None
    explanation_answered_at: datetime | None
    explanation_answer: str | None
    pending_extension_id: int | None
    pending_review_id: int | None

    @property
    def bucket(self) -> str:
        return bucket_of_days(self.days_late)

    @property
    def cursor(self) -> str:
        return f"{self.due.isoformat()}.{self.task_id}.{self.item_id or 0}"

    @property
    def escalation(self) -> str:
        return escalation_label(self.escalation_level)

    @property
    def explanation_state(self) -> str | None:
        if self.explanation_id is None:
            return None
        return _("Đã giải trình") if self.explanation_answered_at else _("Chờ giải trình")


@dataclass
class OverduePage:
    rows: list[OverdueRow]
    next_cursor: str | None


def parse_cursor(cursor: str | None) -> tuple[date, int, int] | None:
    """The keyset position "2024-06-30.17.0" (due, task id, item id); None when absent or malformed."""
    if not cursor or len(cursor) > 60:
        return None
    parts = cursor.split(".")
    if len(parts) != 3:
        return None
    try:
        return date.fromisoformat(parts[0]), int(parts[1]), int(parts[2])
    except ValueError:
        return None


def _symbol(number: str | None, doc_type: str, suffix: str | None) -> str | None:
    if not number:
        return None
    return f"{number}-{doc_type}/{suffix}" if suffix else number


def _unit_key(unit: Unit) -> tuple[date, int, int]:
    return unit.due, unit.task_id, unit.item_id


def page_units(units: list[Unit], *, sort: str, after: tuple[date, int, int] | None, limit: int) -> tuple[list[Unit], bool]:
    """A keyset page of ``units`` (sorted ascending): the next ``limit`` after the cursor, and whether more follow."""
    if sort == "recent":
        end = len(units) if after is None else bisect.bisect_left(units, after, key=_unit_key)
        chosen = units[max(0, end - limit):end][::-1]
        return chosen, end - limit > 0
    start = 0 if after is None else bisect.bisect_right(units, after, key=_unit_key)
    return units[start:start + limit], start + limit < len(units)


@functools.cache
def _details_stmt():
    """What is shown for each unit of a page, for any number of units (bound: ``task_ids``,
    ``item_ids``).  Built once: constructing it costs more than running it."""
    last_report_id = (
        sa.select(ProgressReport.id)
        .where(ProgressReport.task_id == Task.id,
               sa.or_(ProgressReport.content_item_id.is_(None), ProgressReport.content_item_id == ContentItem.id))
        .order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc()).limit(1)
        .correlate(Task, ContentItem).scalar_subquery()
    )
    explanation_id = (
        sa.select(ExplanationRequest.id).where(ExplanationRequest.task_id == Task.id)
        .order_by(ExplanationRequest.requested_at.desc(), ExplanationRequest.id.desc()).limit(1)
        .correlate(Task).scalar_subquery()
    )
    sent = ReminderLog.state == ReminderState.SENT
    level = sa.case(*((sa.and_(sent, ReminderLog.kind == kind), value) for kind, value in ESCALATION_LEVELS.items()),
                    else_=0)
    task_ids = sa.bindparam("task_ids", expanding=True)
    # Filtered aggregates (not WHERE state = …) so the planner reads ix_reminder_log_task_id, not the state index.
    reminders = (
        sa.select(ReminderLog.task_id, sa.func.count().filter(sent).label("sent"),
                  sa.func.max(sa.case((sent, ReminderLog.sent_at))).label("last_at"), sa.func.max(level).label("level"))
        .where(ReminderLog.task_id.in_(task_ids))
        .group_by(ReminderLog.task_id).subquery("reminders")
    )
    pending_extension = (
        sa.select(sa.func.min(ExtensionRequest.id))
        .where(ExtensionRequest.task_id == Task.id, ExtensionRequest.state == ExtensionState.PENDING)
        .correlate(Task).scalar_subquery()
    )
    pending_review = (
        sa.select(sa.func.min(ProgressReport.id))
        .where(ProgressReport.task_id == Task.id, ProgressReport.review_state == ReviewState.PENDING)
        .correlate(Task).scalar_subquery()
    )
    report, explanation = aliased(ProgressReport), aliased(ExplanationRequest)
    return (
        sa.select(
            Task.id.label("task_id"), ContentItem.id.label("item_id"), Task.title.label("task_title"),
            ContentItem.text.label("item_text"), ContentItem.ordinal.label("item_ordinal"),
            ContentItem.due_date.label("item_due"), Task.directive_id,
            Directive.number, Directive.doc_type, Directive.issuer_suffix, Directive.title.label("directive_title"),
            Task.original_due_date, sa.func.coalesce(ContentItem.status, Task.status).label("status"),
            sa.func.coalesce(ContentItem.progress_percent, Task.progress_percent).label("percent"),
            Task.is_confidential, report.reported_on.label("report_on"), report.result_text.label("report_text"),
            report.progress_percent.label("report_percent"), reminders.c.sent, reminders.c.last_at, reminders.c.level,
            explanation.id.label("explanation_id"), explanation.requested_at.label("explanation_at"),
            explanation.answered_at.label("answered_at"), explanation.answer.label("answer"),
            pending_extension.label("pending_extension_id"), pending_review.label("pending_review_id"),
        )
        .select_from(Task)
        .join(Directive, Directive.id == Task.directive_id)
        .outerjoin(ContentItem, sa.and_(ContentItem.task_id == Task.id,
                                        ContentItem.id.in_(sa.bindparam("item_ids", expanding=True))))
        .outerjoin(report, report.id == last_report_id)
        .outerjoin(explanation, explanation.id == explanation_id)
        .outerjoin(reminders, reminders.c.task_id == Task.id)
        .where(Task.id.in_(task_ids))
    )


def unit_rows(snapshot: OverdueSnapshot, units: Sequence[Unit], *, chunk: int = 400) -> list[OverdueRow]:
    """The page rows of ``units`` (one query per ``chunk`` units), in the order given."""
    as_of = snapshot.as_of
    rows: list[OverdueRow] = []
    for start in range(0, len(units), chunk):
        part = units[start:start + chunk]
        task_ids = sorted({u.task_id for u in part})
        item_ids = sorted({u.item_id for u in part if u.item_id})
        params = {"task_ids": task_ids, "item_ids": item_ids or [0]}
        found = {(r.task_id, r.item_id or 0): r for r in db.session.connection().execute(_details_stmt(), params)}
        for unit in part:
            r = found.get((unit.task_id, unit.item_id))
            if r is None:  # deleted since the snapshot was built
                continue
            rows.append(OverdueRow(
                task_id=unit.task_id, item_id=unit.item_id or None, organisation_id=unit.org_id,
                agency=snapshot.organisations[unit.org_id][0],
                title=r.item_text if unit.item_id else r.task_title, task_title=r.task_title,
                item_ordinal=r.item_ordinal, directive_id=r.directive_id,
                directive_symbol=_symbol(r.number, r.doc_type, r.issuer_suffix), directive_title=r.directive_title,
                # An item with a due date of its own has no "first due date" recorded apart from it.
                due=unit.due, original_due=None if r.item_due else r.original_due_date, days_late=(as_of - unit.due).days,
                status=TaskStatus.coerce(r.status), progress_percent=r.percent or 0, is_confidential=r.is_confidential,
                last_report_on=r.report_on, last_report_text=r.report_text, last_report_percent=r.report_percent,
                reminders_sent=r.sent or 0, last_reminder_at=r.last_at, escalation_level=r.level or 0,
                explanation_id=r.explanation_id, explanation_requested_at=r.explanation_at,
                explanation_answered_at=r.answered_at, explanation_answer=r.answer,
                pending_extension_id=r.pending_extension_id, pending_review_id=r.pending_review_id,
            ))
    return rows


def overdue_page(filters: OverdueFilters, *, cursor: str | None = None, limit: int = PAGE_SIZE,
                 snapshot: OverdueSnapshot | None = None) -> OverduePage:
    """One page of the overdue list, most late first (keyset pagination on due, task, item)."""
    snapshot = snapshot or overdue_snapshot(filters.as_of)
    units, more = page_units(filter_units(snapshot, filters), sort=filters.sort, after=parse_cursor(cursor), limit=limit)
    rows = unit_rows(snapshot, units)
    return OverduePage(rows, rows[-1].cursor if more and rows else None)


def overdue_rows(filters: OverdueFilters, *, limit: int = EXPORT_LIMIT,
                 snapshot: OverdueSnapshot | None = None) -> tuple[list[OverdueRow], bool]:
    """Every overdue unit that passes the filters (for the export and the print view), and whether the list was cut."""
    snapshot = snapshot or overdue_snapshot(filters.as_of)
    units = filter_units(snapshot, filters)
    if filters.sort == "recent":
        units = units[::-1]
    return unit_rows(snapshot, units[:limit]), len(units) > limit


def overdue_count(filters: OverdueFilters, snapshot: OverdueSnapshot | None = None) -> int:
    """How many units pass the filters (the API's total)."""
    return len(filter_units(snapshot or overdue_snapshot(filters.as_of), filters))


@dataclass
class UnitDetail:
    """Everything the action page shows about one late unit."""

    task: Task
    item: ContentItem | None
    organisation: Organisation
    due: date | None
    days_late: int
    reports: list[ProgressReport]
    reminders: list[ReminderLog]
    escalation_level: int
    explanations: list[ExplanationRequest]
    extensions: list[ExtensionRequest]
    pending_reviews: list[ProgressReport]

    @property
    def open_explanation(self) -> ExplanationRequest | None:
        return next((e for e in self.explanations if e.answered_at is None), None)

    @property
    def pending_extension(self) -> ExtensionRequest | None:
        return next((e for e in self.extensions if e.state is ExtensionState.PENDING), None)

    @property
    def escalation(self) -> str:
        return escalation_label(self.escalation_level)


def unit_detail(task: Task, item_id: int | None, today: date) -> UnitDetail:
    """The action page's history of one unit: reports, reminders, explanations, extensions, pending reviews."""
    org_id, item = _target_org(task, item_id)
    unit = unit_of(task, item)
    reports = list(db.session.scalars(
        sa.select(ProgressReport).where(ProgressReport.task_id == task.id)
        .order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc()).limit(10)))
    reminders = list(db.session.scalars(
        sa.select(ReminderLog).where(ReminderLog.task_id == task.id)
        .order_by(ReminderLog.claimed_at.desc(), ReminderLog.id.desc()).limit(30)))
    level = max((ESCALATION_LEVELS.get(ReminderKind.coerce(r.kind), 0) for r in reminders
                 if r.state is ReminderState.SENT), default=0)
    explanations = list(db.session.scalars(
        sa.select(ExplanationRequest).where(ExplanationRequest.task_id == task.id)
        .order_by(ExplanationRequest.requested_at.desc(), ExplanationRequest.id.desc())))
    extensions = list(db.session.scalars(
        sa.select(ExtensionRequest).where(ExtensionRequest.task_id == task.id)
        .order_by(ExtensionRequest.created_at.desc(), ExtensionRequest.id.desc())))
    pending = [r for r in reports if r.review_state is ReviewState.PENDING]
    return UnitDetail(task, item, db.session.get(Organisation, org_id), unit.due, unit.days_late(today), reports, reminders, level,
                      explanations, extensions, pending)


# ============================================================================================
# XLSX export (xuất Excel)
# ============================================================================================

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str | None) -> str:
    """Text that a spreadsheet will never read as a formula (CSV/formula injection): a leading
    = + - @ (or tab/CR) is neutralised with an apostrophe."""
    text = xml_safe("" if value is None else str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def overdue_xlsx(filters: OverdueFilters, *, district: str = "") -> bytes:
    """The filtered overdue list as an Excel workbook: a summary sheet per agency and bucket, then every unit."""
    import xlsxwriter

    snapshot = overdue_snapshot(filters.as_of)
    summary = overdue_summary(filters, snapshot)
    rows, truncated = overdue_rows(filters, snapshot=snapshot)
    if filters.agency_id:
        summary.agencies = [a for a in summary.agencies if a.organisation_id == filters.agency_id]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1, "bg_color": "#F2F2F2"})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    number = book.add_format({"valign": "top", "border": 1})
    day = book.add_format({"num_format": "dd/mm/yyyy", "valign": "top", "border": 1})
    title = book.add_format({"bold": True, "font_size": 13})

    sheet = book.add_worksheet(_("Tổng hợp"))
    heading = _("Nhiệm vụ, nội dung quá hạn tính đến ngày %(d)s", d=filters.as_of.strftime("%d/%m/%Y"))
    sheet.write_string(0, 0, safe_cell(f"{heading}{' — ' + district if district else ''}"), title)
    headers = [_("Cơ quan"), *(bucket_label(code) for code, _f, _l in BUCKETS), _("Tổng"), _("Hạn sớm nhất")]
    for col, text in enumerate(headers):
        sheet.write_string(2, col, text, bold)
    for r, agency in enumerate(summary.agencies, start=3):
        sheet.write_string(r, 0, safe_cell(agency.name), wrap)
        for c, (code, _f, _l) in enumerate(BUCKETS, start=1):
            sheet.write_number(r, c, agency.buckets[code], number)
        sheet.write_number(r, len(BUCKETS) + 1, agency.total, number)
        if agency.oldest_due:
            sheet.write_datetime(r, len(BUCKETS) + 2, datetime.combine(agency.oldest_due, datetime.min.time()), day)
    sheet.set_column(0, 0, 45)
    sheet.set_column(1, len(headers), 14)

    detail = book.add_worksheet(_("Danh sách"))
    columns = [
        (_("STT"), 6), (_("Cơ quan"), 30), (_("Văn bản"), 14), (_("Nhiệm vụ, nội dung"), 60), (_("Hạn"), 12),
        (_("Hạn ban đầu"), 12), (_("Số ngày quá hạn"), 10), (_("Nhóm"), 12), (_("Trạng thái"), 16),
        (_("Báo cáo gần nhất"), 50), (_("Ngày báo cáo"), 12), (_("Số lần nhắc"), 10), (_("Mức báo cáo"), 22),
        (_("Giải trình"), 40),
    ]
    for col, (text, width) in enumerate(columns):
        detail.write_string(0, col, text, bold)
        detail.set_column(col, col, width)
    for r, row in enumerate(rows, start=1):
        values = [
            (r, None), (row.agency, "s"), (row.directive_symbol or "", "s"),
            (row.title if not row.is_confidential else f"{row.title} ({_('mật')})", "s"), (row.due, "d"),
            (row.original_due if row.original_due and row.original_due != row.due else None, "d"),
            (row.days_late, None), (bucket_label(row.bucket), "s"), (row.status.label, "s"),
            ("" if row.is_confidential else (row.last_report_text or ""), "s"), (row.last_report_on, "d"),
            (row.reminders_sent, None), (row.escalation, "s"),
            (" — ".join(x for x in (row.explanation_state, row.explanation_answer) if x), "s"),
        ]
        for col, (value, kind) in enumerate(values):
            if kind == "s":
                detail.write_string(r, col, safe_cell(value), wrap)
            elif kind == "d":
                if value:
                    detail.write_datetime(r, col, datetime.combine(value, datetime.min.time()), day)
                else:
                    detail.write_blank(r, col, None, wrap)
            else:
                detail.write_number(r, col, value, number)
    detail.freeze_panes(1, 0)
    if rows:
        detail.autofilter(0, 0, len(rows), len(columns) - 1)
    if truncated:
        detail.write_string(len(rows) + 2, 0, _("Danh sách bị cắt ở %(n)d dòng; hãy lọc hẹp hơn.", n=len(rows)))
    book.close()
    return buffer.getvalue()


# ============================================================================================
# Actions on a late unit: remind now, ask for an explanation
# ============================================================================================


def _clean_text(value: str | None, field_name: str, *, required: bool, label: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("Vui lòng nhập %(label)s.", label=label), field=field_name)
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationFailed(_("%(label)s quá dài (tối đa %(n)d ký tự).", label=label.capitalize(),
                                 n=MAX_MESSAGE_CHARS), field=field_name)
    return text


def _require_issued(task: Task) -> None:
    """Agencies do not know a draft's tasks yet: nothing is sent to them about one."""
    if not is_issued_task(task):
        raise ValidationFailed(_("Văn bản của nhiệm vụ này còn là dự thảo: cơ quan chưa nhận nhiệm vụ."))


def _agency_users(organisation_id: int) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == organisation_id, User.role.in_(list(AGENCY_ROLES)),
                              User.is_active_account.is_(True)).order_by(User.id)))


def _notify(users: Iterable[User], task: Task, kind: str, message: str) -> None:
    now = now_utc()
    for user in {u.id: u for u in users if u is not None and can_view_task(u, task)}.values():
        db.session.add(Notification(user_id=user.id, task_id=task.id, kind=kind[:32], message=message[:1000],
                                    created_at=now))


def _target_org(task: Task, item_id: int | None) -> tuple[int, ContentItem | None]:
    if item_id is None:
        return task.lead_org_id, None
    item = next((i for i in task.items if i.id == item_id), None)
    if item is None:
        raise NotFound(_("Không tìm thấy nội dung của nhiệm vụ."))
    return unit_of(task, item).owner_id, item


@dataclass
class ReminderResult:
    sent: int = 0
    failed: int = 0
    recipients: list[str] = field(default_factory=list)


def _task_link(task_id: int) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/tasks/{task_id}"


def _reminder_body(task: Task, item: ContentItem | None, due: date | None, as_of: date, message: str,
                   sender: User) -> str:
    """Plain-text reminder; a confidential task shows its title only (never its content)."""
    lines = [_("Kính gửi: %(org)s,", org=(item.lead_org.name if item and item.lead_org else task.lead_org.name)), ""]
    lines.append(_("Văn phòng Huyện ủy nhắc việc đối với nhiệm vụ: %(t)s", t=task.title))
    if item is not None and not task.is_confidential:
        lines.append(_("Nội dung: %(t)s", t=item.text))
    if due is not None:
        late = (as_of - due).days
        lines.append(_("Hạn: %(d)s", d=due.strftime("%d/%m/%Y")) +
                     (" — " + _("quá hạn %(n)d ngày", n=late) if late > 0 else ""))
    if message:
        lines += ["", message]
    if task.is_confidential:
        lines += ["", _("Nhiệm vụ có nội dung mật: xem chi tiết trên hệ thống.")]
    lines += ["", _("Xem và báo cáo tiến độ: %(url)s", url=_task_link(task.id)), "", f"{sender.name}"
              + (f" — {sender.title}" if sender.title else "")]
    return "\n".join(lines)


def _deliver(recipient: str, subject: str, body: str, log_id: int) -> None:
    """Send one message with the SMTP timeout of the reminders feature (raises on failure)."""
    from flask import current_app

    # The reminders' message class: it folds long Vietnamese subjects without losing spaces
    # (the standard library's generator drops them, python/cpython#92081).
    from app.reminders.emails import ReminderMessage

    message = ReminderMessage(subject=subject, recipients=[recipient], body=body,
                              sender=current_app.config["MAIL_DEFAULT_SENDER"],
                              extra_headers={"X-Reminder-Ids": str(log_id), "X-Reminder-Sender": "oversight"})
    try:
        from app.reminders.emails import open_connection
    except ImportError:  # pragma: no cover - the reminders feature ships open_connection
        from app.extensions import mail

        mail.send(message)
        return
    with open_connection() as connection:
        connection.send(message)


def send_manual_reminder(actor: User, task: Task, *, item_id: int | None = None, message: str = "",
                         as_of: date | None = None) -> ReminderResult:
    """Nhắc việc trực tiếp: e-mail the agency's people now, log each send (ReminderLog, kind MANUAL),
    notify them in the app and audit it.  A failed send is logged as failed, not raised."""
    require(actor, "overdue.remind", _("Bạn không có quyền nhắc việc."))
    _require_issued(task)
    message = _clean_text(message, "message", required=False, label=_("lời nhắc"))
    if task.status is TaskStatus.COMPLETED:
        raise ValidationFailed(_("Nhiệm vụ đã hoàn thành, không cần nhắc."))
    org_id, item = _target_org(task, item_id)
    as_of = as_of or today_local()
    manual_reminders.refuse_second_reminder(task.id, org_id, today_local())
    users = _agency_users(org_id)
    organisation = db.session.get(Organisation, org_id)
    recipients: dict[str, User | None] = {u.email.lower(): u for u in users}
    for email in organisation.email_list if organisation else []:
        recipients.setdefault(email.lower(), None)
    if not recipients:
        raise ValidationFailed(_("Cơ quan chưa có tài khoản hoặc địa chỉ e-mail để nhận nhắc việc."))
    due = (item.due_date if item is not None and item.due_date else None) or task.due_date
    subject = _("[Nhắc việc] %(t)s", t=task.title[:120])
    body = _reminder_body(task, item, due, as_of, message, actor)
    now = now_utc()
    logs = []
    for email, user in recipients.items():
        log = ReminderLog(
            dedupe_key=f"manual:{task.id}:{email}:{now.isoformat()}", kind=ReminderKind.MANUAL, task_id=task.id,
            organisation_id=org_id, recipient_user_id=user.id if user else None, recipient_email=email,
            due_date=due, subject=subject[:500], state=ReminderState.CLAIMED, attempts=0, claimed_at=now,
        )
        db.session.add(log)
        logs.append(log)
    db.session.flush()
    result = ReminderResult(recipients=sorted(recipients))
    for log in logs:
        log.attempts = 1
        try:
            _deliver(log.recipient_email, subject, body, log.id)
        except Exception as error:  # noqa: BLE001 - any SMTP/socket failure is recorded, never a 500
            log.state, log.last_error = ReminderState.FAILED, str(error)[:1000]
            result.failed += 1
        else:
            log.state, log.sent_at = ReminderState.SENT, now_utc()
            result.sent += 1
    _notify(users, task, "manual_reminder", _("Nhắc việc: %(t)s", t=task.title[:200]) + (f" — {message}" if message else ""))
    audit.record(actor, "remind", task, task_id=task.id,
                 summary=_("Nhắc việc trực tiếp tới %(n)d người nhận (%(ok)d đã gửi, %(bad)d lỗi)",
                           n=len(logs), ok=result.sent, bad=result.failed),
                 after={"recipients": result.recipients, "message": message or None, "item_id": item_id})
    return result


def request_explanation(actor: User, task: Task, message: str) -> ExplanationRequest:
    """Yêu cầu giải trình: ask the lead agency why the task is late; one open request at a time."""
    require(actor, "explanation.request", _("Bạn không có quyền yêu cầu giải trình."))
    _require_issued(task)
    message = _clean_text(message, "message", required=True, label=_("nội dung yêu cầu"))
    if task.status is TaskStatus.COMPLETED:
        raise ValidationFailed(_("Nhiệm vụ đã hoàn thành, không cần giải trình."))
    open_request = db.session.scalar(sa.select(ExplanationRequest.id).where(
        ExplanationRequest.task_id == task.id, ExplanationRequest.answered_at.is_(None)).limit(1))
    if open_request is not None:
        raise Conflict(_("Nhiệm vụ đã có yêu cầu giải trình chưa được trả lời."))
    request = ExplanationRequest(task_id=task.id, requested_by_id=actor.id, message=message, requested_at=now_utc())
    db.session.add(request)
    summary = _("Yêu cầu giải trình: %(m)s", m=message)
    audit.record(actor, "explanation_request", request, task_id=task.id, summary=summary, after={"message": message})
    _notify(_agency_users(task.lead_org_id), task, "explanation_request", f"{task.title[:200]}: {summary}")
    return request


def can_answer_explanation(user: User, request: ExplanationRequest) -> bool:
    """The lead agency (or the agency of one of its items) answers; oversight roles only read."""
    return user.role in AGENCY_ROLES and agency_role_in_task(user, request.task) in ("lead", "item_lead")


def answer_explanation(actor: User, request: ExplanationRequest, answer: str) -> ExplanationRequest:
    require(actor, "explanation.answer", _("Chỉ cơ quan thực hiện nhiệm vụ trả lời giải trình."))
    if not can_answer_explanation(actor, request):
        raise NotFound(_("Không tìm thấy yêu cầu giải trình."))
    answer = _clean_text(answer, "answer", required=True, label=_("nội dung giải trình"))
    if request.answered_at is not None:
        raise Conflict(_("Yêu cầu này đã được trả lời."))
    request.answer, request.answered_by_id, request.answered_at = answer, actor.id, now_utc()
    task = request.task
    summary = _("Giải trình: %(a)s", a=answer)
    audit.record(actor, "explanation_answer", request, task_id=task.id, summary=summary, after={"answer": answer})
    requester = db.session.get(User, request.requested_by_id)
    _notify([requester], task, "explanation_answer", f"{task.title[:200]}: {summary}")
    return request


def get_explanation_for(user: User, request_id: int) -> ExplanationRequest:
    return get_task_record_for(user, ExplanationRequest, request_id, _("Không tìm thấy yêu cầu giải trình."))


@dataclass(frozen=True)
class ExplanationEntry:
    id: int
    task_id: int
    task_title: str
    agency: str
    message: str
    requested_at: datetime
    requested_by: str
    answer: str | None
    answered_at: datetime | None
    answered_by: str | None
    can_answer: bool


def explanation_list(user: User, *, state: str = "open", after_id: int | None = None,
                     limit: int = PAGE_SIZE) -> tuple[list[ExplanationEntry], int | None]:
    """Explanation requests the user may see (an agency: its own tasks), newest first, keyset on id."""
    requester, answerer = aliased(User), aliased(User)
    stmt = (
        sa.select(ExplanationRequest, Task.title, Task.lead_org_id, Organisation.name, requester.name, answerer.name)
        .join(Task, Task.id == ExplanationRequest.task_id)
        .join(Organisation, Organisation.id == Task.lead_org_id)
        .join(requester, requester.id == ExplanationRequest.requested_by_id)
        .outerjoin(answerer, answerer.id == ExplanationRequest.answered_by_id)
        .where(task_visibility_clause(user))
        .order_by(ExplanationRequest.id.desc()).limit(limit + 1)
    )
    if state == "open":
        stmt = stmt.where(ExplanationRequest.answered_at.is_(None))
    elif state == "answered":
        stmt = stmt.where(ExplanationRequest.answered_at.is_not(None))
    if after_id:
        stmt = stmt.where(ExplanationRequest.id < after_id)
    rows = db.session.execute(stmt).all()
    entries = []
    for req, title, lead_id, agency, asked_by, answered_by in rows[:limit]:
        answerable = (user.role in AGENCY_ROLES and req.answered_at is None
                      and (lead_id == user.organisation_id or can_answer_explanation(user, req)))
        entries.append(ExplanationEntry(req.id, req.task_id, title, agency, req.message, req.requested_at, asked_by,
                                        req.answer, req.answered_at, answered_by, answerable))
    return entries, (rows[limit - 1][0].id if len(rows) > limit else None)


def open_explanations_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(ExplanationRequest).join(Task, Task.id == ExplanationRequest.task_id)
        .where(ExplanationRequest.answered_at.is_(None), task_visibility_clause(user))) or 0


# ============================================================================================
# Agency scorecards (bảng điểm cơ quan) as of a cut-off date
# ============================================================================================

CATEGORIES = ("on_time", "late", "not_completed", "in_progress")


def category_label(name: str) -> str:
    return {
        "on_time": _("Hoàn thành đúng hạn"),
        "late": _("Hoàn thành trễ hạn"),
        "not_completed": _("Chưa hoàn thành (quá hạn)"),
        "in_progress": _("Đang thực hiện (chưa đến hạn)"),
        "continuous": _("Thường xuyên"),
    }[name]


@dataclass
class IndicatorTally:
    met: int = 0
    above_75: int = 0
    above_50: int = 0
    low: int = 0
    year_end: int = 0
    no_data: int = 0

    @property
    def total(self) -> int:
        return self.met + self.above_75 + self.above_50 + self.low + self.year_end + self.no_data

    @property
    def measured(self) -> int:
        return self.met + self.above_75 + self.above_50 + self.low

    @property
    def met_rate(self) -> Decimal | None:
        return percent_value(self.met, self.measured) if self.measured else None


@dataclass
class Scorecard:
    """One agency's record for a period as of a cut-off (see the module docstring for the rules)."""

    organisation_id: int
    name: str
    code: str
    period: Period
    cutoff: date
    on_time: int = 0
    late: int = 0
    not_completed: int = 0
    in_progress: int = 0
    continuous: int = 0
    indicators: IndicatorTally = field(default_factory=IndicatorTally)

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.not_completed + self.in_progress

    @property
    def completed(self) -> int:
        return self.on_time + self.late

    def rate(self, name: str) -> Decimal | None:
        """Share of the period's units in a category, in %; None when there is nothing to measure:
        no unit at all, or (for the judged categories) none come due yet — "—", not an alarming 0 %."""
        judged = name != "in_progress" and not (self.completed + self.not_completed)
        return None if judged or not self.total else percent_value(getattr(self, name), self.total)

    @property
    def on_time_rate(self) -> Decimal | None:
        return self.rate("on_time")

    @property
    def completion_rate(self) -> Decimal | None:
        """None, like :meth:`rate`, while nothing is completed or come due: nothing to measure yet."""
        return percent_value(self.completed, self.total) if self.completed + self.not_completed else None

    def as_dict(self) -> dict:
        return {
            "organisation_id": self.organisation_id, "code": self.code, "name": self.name,
            "period": self.period.code, "cutoff": self.cutoff.isoformat(),
            **{name: getattr(self, name) for name in (*CATEGORIES, "continuous", "total")},
            "on_time_rate": _dec(self.on_time_rate), "completion_rate": _dec(self.completion_rate),
        }


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def default_cutoff(period: Period, today: date | None = None) -> date:
    today = today or today_local()
    return min(period.end, today)


def _scorecard_counts(periods: Sequence[Period], cutoff: date,
                      organisation_ids: Sequence[int] | None) -> dict[tuple[int, int], sa.Row]:
    """(agency, index of the period) → units of that period (by first due date) in the four categories
    as of ``cutoff``.  Several periods are counted in one pass over the tasks (the four-quarter trend)."""
    judged_due = unit_original_due()
    item_done = sa.and_(ContentItem.id.is_not(None), ContentItem.status == TaskStatus.COMPLETED)
    done_on = sa.case(
        (item_done, sa.func.coalesce(ContentItem.completed_on, judged_due)),
        (Task.status == TaskStatus.COMPLETED, sa.func.coalesce(Task.completed_on, judged_due)),
        else_=sa.null(),
    )
    done_by_cutoff = sa.and_(done_on.is_not(None), done_on <= cutoff)
    which = sa.case(*((sa.and_(judged_due >= p.start, judged_due <= p.end), i) for i, p in enumerate(periods)),
                    else_=-1)
    org = unit_owner()
    units = (
        sa.select(org.label("org_id"), which.label("period"), judged_due.label("due"), done_on.label("done_on"),
                  sa.case((done_by_cutoff, 1), else_=0).label("done"))
        .select_from(Task).outerjoin(ContentItem, ContentItem.task_id == Task.id)
        .join(Directive, Directive.id == Task.directive_id)
        .where(Task.kind != TaskKind.CONTINUOUS, issued_task_clause(), judged_due >= min(p.start for p in periods),
               judged_due <= max(p.end for p in periods),
               sa.or_(Directive.issued_on.is_(None), Directive.issued_on <= cutoff))
    )
    if organisation_ids is not None:
        ids = list(organisation_ids)
        # Only the named agencies' tasks (as lead or content-item lead), found by index, instead of
        # judging every task of the district (an agency's home page shows its own scorecard).
        theirs = sa.union(sa.select(Task.id).where(Task.lead_org_id.in_(ids)),
                          sa.select(ContentItem.task_id).where(ContentItem.lead_org_id.in_(ids)))
        units = units.where(Task.id.in_(theirs), org.in_(ids))
    u = units.subquery("u")
    stmt = (
        sa.select(
            u.c.org_id, u.c.period,
            sa.func.count().filter(u.c.done == 1, u.c.done_on <= u.c.due).label("on_time"),
            sa.func.count().filter(u.c.done == 1, u.c.done_on > u.c.due).label("late"),
            sa.func.count().filter(u.c.done == 0, u.c.due < cutoff).label("not_completed"),
            sa.func.count().filter(u.c.done == 0, u.c.due >= cutoff).label("in_progress"),
        ).where(u.c.period >= 0).group_by(u.c.org_id, u.c.period)
    )
    return {(row.org_id, row.period): row for row in db.session.execute(stmt)}


def _continuous_counts(period: Period, cutoff: date, organisation_ids: Sequence[int] | None):
    """Continuous tasks (thường xuyên) running during the period, by lead agency."""
    stmt = (
        sa.select(Task.lead_org_id, sa.func.count())
        .join(Directive, Directive.id == Task.directive_id)
        .where(Task.kind == TaskKind.CONTINUOUS, issued_task_clause(),
               sa.or_(Directive.issued_on.is_(None), Directive.issued_on <= min(cutoff, period.end)),
               sa.not_(sa.and_(Task.status == TaskStatus.COMPLETED, Task.completed_on < period.start)))
        .group_by(Task.lead_org_id)
    )
    if organisation_ids is not None:
        stmt = stmt.where(Task.lead_org_id.in_(list(organisation_ids)))
    return dict(db.session.execute(stmt).all())


def indicator_tallies(year: int, cutoff: date, organisation_ids: Sequence[int] | None) -> dict[int, IndicatorTally]:
    """Each agency's indicators for ``year`` bucketed by achievement on their latest figure dated on
    or before the cut-off (domain.md §4.3 buckets; year-end indicators apart)."""
    from app.progress import indicators as arithmetic

    stmt = sa.select(Indicator).where(Indicator.year == year, Indicator.organisation_id.is_not(None))
    if organisation_ids is not None:
        stmt = stmt.where(Indicator.organisation_id.in_(list(organisation_ids)))
    indicators = list(db.session.scalars(stmt))
    latest: dict[int, IndicatorValue] = {}
    if indicators:
        ranked = (
            sa.select(IndicatorValue, sa.func.row_number().over(
                partition_by=IndicatorValue.indicator_id,
                order_by=(IndicatorValue.as_of.desc(), IndicatorValue.id.desc())).label("rank"))
            .where(IndicatorValue.indicator_id.in_([i.id for i in indicators]), IndicatorValue.as_of <= cutoff)
            .subquery()
        )
        value_alias = aliased(IndicatorValue, ranked)
        for value in db.session.scalars(sa.select(value_alias).where(ranked.c.rank == 1)):
            latest[value.indicator_id] = value
    tallies: dict[int, IndicatorTally] = {}
    for indicator in indicators:
        tally = tallies.setdefault(indicator.organisation_id, IndicatorTally())
        if indicator.is_year_end:
            tally.year_end += 1
            continue
        value = latest.get(indicator.id)
        try:
            if value is None:
                raise ValueError("no figure")
            figure = arithmetic.IndicatorFigure(
                actual=value.actual, target=None if indicator.target_rate is not None else indicator.target,
                target_rate=indicator.target_rate, base=value.base if indicator.target_rate is not None else None)
            bucket = arithmetic.bucket_of(figure)
        except (ValueError, TypeError, arithmetic.TallyError):
            tally.no_data += 1
            continue
        name = bucket.value
        setattr(tally, name, getattr(tally, name) + 1)
    return tallies


def _agencies(organisation_ids: Sequence[int] | None) -> list[Organisation]:
    stmt = sa.select(Organisation).order_by(Organisation.display_order, Organisation.name)
    if organisation_ids is not None:
        stmt = stmt.where(Organisation.id.in_(list(organisation_ids)))
    return list(db.session.scalars(stmt))


def scorecards(period: Period, cutoff: date, *, organisation_ids: Sequence[int] | None = None,
               include_empty: bool = False, with_indicators: bool = True) -> list[Scorecard]:
    """Scorecards of every agency with work in the period (or the agencies named), report order."""
    if cutoff < period.start:
        raise ValidationFailed(_("Ngày chốt số liệu phải từ ngày đầu kỳ (%(d)s) trở đi.",
                                 d=period.start.strftime("%d/%m/%Y")), field="cutoff")
    counts = {org_id: row for (org_id, _i), row in _scorecard_counts([period], cutoff, organisation_ids).items()}
    continuous = _continuous_counts(period, cutoff, organisation_ids)
    tallies = indicator_tallies(period.year, cutoff, organisation_ids) if with_indicators else {}
    cards = []
    for org in _agencies(organisation_ids):
        row = counts.get(org.id)
        if row is None and org.id not in continuous and org.id not in tallies and not (
                include_empty or organisation_ids is not None):
            continue
        card = Scorecard(org.id, org.name, org.code, period, cutoff, continuous=continuous.get(org.id, 0),
                         indicators=tallies.get(org.id, IndicatorTally()))
        if row is not None:
            card.on_time, card.late, card.not_completed, card.in_progress = (
                row.on_time, row.late, row.not_completed, row.in_progress)
        cards.append(card)
    return cards


def scorecard_for(organisation: Organisation, period: Period, cutoff: date) -> Scorecard:
    return scorecards(period, cutoff, organisation_ids=[organisation.id])[0]


def scorecard_trend(organisation_ids: Sequence[int] | None, cutoff: date, n: int = 4) -> list[tuple[Period, dict[int, Scorecard]]]:
    """The last ``n`` quarters up to the cut-off's, each counted as of the same cut-off (reproducible).
    Continuous tasks and indicators are not part of the trend."""
    quarters = last_quarters(cutoff, n)
    counts = _scorecard_counts(quarters, cutoff, organisation_ids)
    names = {org.id: org for org in _agencies(organisation_ids)}
    out = []
    for index, quarter in enumerate(quarters):
        cards: dict[int, Scorecard] = {}
        for org_id, org in names.items():
            row = counts.get((org_id, index))
            if row is None and organisation_ids is None:
                continue
            card = cards[org_id] = Scorecard(org_id, org.name, org.code, quarter, cutoff)
            if row is not None:
                card.on_time, card.late, card.not_completed, card.in_progress = (
                    row.on_time, row.late, row.not_completed, row.in_progress)
        out.append((quarter, cards))
    return out


def scorecard_visible_orgs(user: User) -> list[int] | None:
    """None (every agency) for oversight roles; an agency sees its own scorecard only."""
    return None if user.role in OVERSIGHT_ROLES else [user.organisation_id]


def scorecards_xlsx(cards: list[Scorecard], trend: list[tuple[Period, dict[int, Scorecard]]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "text_wrap": True, "border": 1, "bg_color": "#F2F2F2"})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet(_("Bảng điểm"))
    if cards:
        sheet.write_string(0, 0, safe_cell(_("Kết quả thực hiện nhiệm vụ %(p)s, số liệu chốt đến ngày %(d)s",
                                             p=cards[0].period.label, d=cards[0].cutoff.strftime("%d/%m/%Y"))))
    headers = [_("Cơ quan"), *(category_label(c) for c in CATEGORIES), _("Tổng"), _("Tỷ lệ đúng hạn (%)"),
               _("Tỷ lệ hoàn thành (%)"), category_label("continuous"), _("Chỉ tiêu đạt và vượt"),
               _("Chỉ tiêu đạt trên 75%"), _("Chỉ tiêu đạt trên 50%"), _("Chỉ tiêu đạt thấp"), _("Chỉ tiêu xét cuối năm"),
               _("Chỉ tiêu chưa có số liệu"),
               *(_("Đúng hạn %(q)s (%%)", q=q.label) for q, _c in trend)]
    for col, text in enumerate(headers):
        sheet.write_string(2, col, text, bold)
    for r, card in enumerate(cards, start=3):
        values = [card.name, *(getattr(card, c) for c in CATEGORIES), card.total, card.on_time_rate,
                  card.completion_rate, card.continuous, card.indicators.met, card.indicators.above_75,
                  card.indicators.above_50, card.indicators.low, card.indicators.year_end, card.indicators.no_data,
                  *((t.get(card.organisation_id).on_time_rate if t.get(card.organisation_id) else None)
                    for _q, t in trend)]
        for col, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(r, col, safe_cell(value), cell)
            elif value is None:
                sheet.write_blank(r, col, None, cell)
            else:
                sheet.write_number(r, col, float(value), cell)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, len(headers), 13)
    book.close()
    return buffer.getvalue()


# ============================================================================================
# Dashboards (chart data)
# ============================================================================================


def completion_chart(user: User, period: Period, cutoff: date) -> dict:
    """Completion by agency (stacked counts) for the period: Chart.js-ready labels and datasets."""
    cards = scorecards(period, cutoff, organisation_ids=scorecard_visible_orgs(user), with_indicators=False)
    cards = [c for c in cards if c.total]
    return {
        "title": _("Kết quả thực hiện theo cơ quan — %(p)s (đến %(d)s)", p=period.label, d=cutoff.strftime("%d/%m/%Y")),
        "type": "bar", "stacked": True, "horizontal": True,
        "labels": [c.name for c in cards],
        "datasets": [{"key": name, "label": category_label(name), "data": [getattr(c, name) for c in cards]}
                     for name in CATEGORIES],
    }


def trend_chart(user: User, cutoff: date, organisation_id: int | None = None) -> dict:
    """On-time and completion rates over the last four quarters (one agency, or the whole district)."""
    allowed = scorecard_visible_orgs(user)
    if allowed is not None:
        organisation_id = allowed[0]
    trend = scorecard_trend([organisation_id] if organisation_id else None, cutoff)
    on_time, completion = [], []
    for _quarter, cards in trend:
        total = Scorecard(0, "", "", _quarter, cutoff)
        for card in cards.values():
            for name in (*CATEGORIES, "continuous"):
                setattr(total, name, getattr(total, name) + getattr(card, name))
        on_time.append(_float(total.on_time_rate))
        completion.append(_float(total.completion_rate))
    name = db.session.get(Organisation, organisation_id).name if organisation_id else _("Toàn huyện")
    return {
        "title": _("Xu hướng 4 quý gần nhất — %(n)s", n=name), "type": "line", "percent": True,
        "labels": [q.label for q, _c in trend],
        "datasets": [{"key": "on_time_rate", "label": _("Tỷ lệ hoàn thành đúng hạn (%)"), "data": on_time},
                     {"key": "completion_rate", "label": _("Tỷ lệ hoàn thành (%)"), "data": completion}],
    }


def ageing_chart(as_of: date) -> dict:
    summary = overdue_summary(OverdueFilters(as_of=as_of))
    worst = sorted(summary.agencies, key=lambda a: (-a.total, a.name))[:10]
    return {
        "title": _("Nhiệm vụ, nội dung quá hạn theo cơ quan (đến %(d)s)", d=as_of.strftime("%d/%m/%Y")),
        "type": "bar", "stacked": True, "horizontal": True,
        "labels": [a.name for a in worst],
        "datasets": [{"key": code, "label": bucket_label(code), "data": [a.buckets[code] for a in worst]}
                     for code, _f, _l in BUCKETS],
    }


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass
class OfficeDashboard:
    """The office chief's glance: overdue counts, items awaiting confirmation, extension requests."""

    as_of: date
    overdue_total: int
    buckets: dict[str, int]
    awaiting_confirmation: int
    pending_extensions: int
    open_explanations: int


def office_dashboard(user: User, as_of: date | None = None) -> OfficeDashboard:
    as_of = as_of or today_local()
    summary = overdue_summary(OverdueFilters(as_of=as_of))
    counts = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(ProgressReport)
        .where(ProgressReport.review_state == ReviewState.PENDING).scalar_subquery(),
        sa.select(sa.func.count()).select_from(ExtensionRequest)
        .where(ExtensionRequest.state == ExtensionState.PENDING).scalar_subquery(),
        sa.select(sa.func.count()).select_from(ExplanationRequest)
        .where(ExplanationRequest.answered_at.is_(None)).scalar_subquery(),
    )).one()
    return OfficeDashboard(as_of, summary.total, {code: summary.bucket_total(code) for code, _f, _l in BUCKETS},
                           counts[0] or 0, counts[1] or 0, counts[2] or 0)


# ============================================================================================
# Search (tìm kiếm), diacritics-insensitive: "tan binh" finds "Tân Bình"
# ============================================================================================



@dataclass(frozen=True)
class SearchHit:
    kind: str
    id: int
    title: str
    snippet: str
    task_id: int | None
    date: date | None
    extra: str = ""


SEARCH_KINDS = ("directive", "task", "report")


def _snippet(text: str, words: Sequence[str], width: int = 160) -> str:
    text = " ".join((text or "").split())
    key = strip_diacritics(text)
    positions = [key.find(w) for w in words if key.find(w) >= 0]
    if not positions or len(key) != len(text):
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, min(positions) - 40)
    chunk = text[start:start + width]
    return ("…" if start else "") + chunk + ("…" if start + width < len(text) else "")


def search(user: User, query: str, *, kind: str | None = None, after_id: int | None = None,
           limit: int = 20) -> dict[str, tuple[list[SearchHit], int | None]]:
    """Directives, tasks (with their content items) and progress reports matching every word of the
    query, diacritics-insensitively; tasks and reports only where the user may see the task.
    Each kind is a keyset page (newest id first); ``kind`` narrows to one kind."""
    words = query_words(query)
    if not words:
        return {}
    kinds = [kind] if kind in SEARCH_KINDS else list(SEARCH_KINDS)
    results: dict[str, tuple[list[SearchHit], int | None]] = {}
    for name in kinds:
        finder = {"directive": _search_directives, "task": _search_tasks, "report": _search_reports}[name]
        hits = finder(user, words, after_id, limit + 1)
        results[name] = (hits[:limit], hits[limit - 1].id if len(hits) > limit else None)
    return results


def _search_directives(user: User, words, after_id, limit) -> list[SearchHit]:
    symbol_text = (sa.func.coalesce(Directive.number, "") + "-" + Directive.doc_type + "/"
                   + sa.func.coalesce(Directive.issuer_suffix, ""))
    haystack = Directive.title + " " + symbol_text + " " + sa.func.coalesce(Directive.issuing_body, "")
    stmt = sa.select(Directive).where(directive_visibility_clause(user),
                                      sa.or_(folded_match(haystack, words), folded_match(Directive.body, words)))
    if after_id:
        stmt = stmt.where(Directive.id < after_id)
    hits = []
    for d in db.session.scalars(stmt.order_by(Directive.id.desc()).limit(limit)):
        text = d.title if text_matches(d.title, words) else d.body
        hits.append(SearchHit("directive", d.id, f"{d.symbol + ' — ' if d.symbol else ''}{d.title}",
                              _snippet(text, words), None, d.issued_on))
    return hits


def _search_tasks(user: User, words, after_id, limit) -> list[SearchHit]:
    item_match = sa.exists().where(ContentItem.task_id == Task.id, folded_match(ContentItem.text, words))
    stmt = (
        sa.select(Task.id, Task.title, Task.description, Task.due_date, Task.is_confidential, Organisation.name)
        .join(Organisation, Organisation.id == Task.lead_org_id)
        .where(task_visibility_clause(user),
               sa.or_(folded_match(Task.title, words), folded_match(Task.description, words), item_match))
    )
    if after_id:
        stmt = stmt.where(Task.id < after_id)
    hits = []
    for row in db.session.execute(stmt.order_by(Task.id.desc()).limit(limit)):
        text = row.title if text_matches(row.title, words) or row.is_confidential else row.description
        hits.append(SearchHit("task", row.id, row.title, _snippet(text, words), row.id, row.due_date, row.name))
    return hits


def _search_reports(user: User, words, after_id, limit) -> list[SearchHit]:
    stmt = (
        sa.select(ProgressReport.id, ProgressReport.task_id, ProgressReport.result_text, ProgressReport.reported_on,
                  Task.title, Organisation.name)
        .join(Task, Task.id == ProgressReport.task_id)
        .join(Organisation, Organisation.id == ProgressReport.organisation_id)
        .where(task_visibility_clause(user), folded_match(ProgressReport.result_text, words))
    )
    if after_id:
        stmt = stmt.where(ProgressReport.id < after_id)
    return [
        SearchHit("report", row.id, row.title, _snippet(row.result_text, words), row.task_id, row.reported_on, row.name)
        for row in db.session.execute(stmt.order_by(ProgressReport.id.desc()).limit(limit))
    ]


# ============================================================================================
# Calendar feed (lịch ICS) with a revocable token
# ============================================================================================

CALENDAR_PAST_DAYS = 60
CALENDAR_FUTURE_DAYS = 400
CALENDAR_MAX_EVENTS = 2000


def issue_calendar_token(user: User) -> str:
    """A new feed token (shown once); the previous feed URL stops working. Only its hash is stored."""
    token = new_token()
    had = user.calendar_token_hash is not None
    user.calendar_token_hash = token_hash(token)
    audit.record(user, "calendar_token", user, summary=_("Cấp lại địa chỉ lịch") if had else _("Cấp địa chỉ lịch"))
    return token


def revoke_calendar_token(user: User) -> bool:
    if user.calendar_token_hash is None:
        return False
    user.calendar_token_hash = None
    audit.record(user, "calendar_revoke", user, summary=_("Thu hồi địa chỉ lịch"))
    return True


def user_for_calendar_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    user = db.session.scalar(sa.select(User).where(User.calendar_token_hash == token_hash(token)))
    return user if user is not None and user.is_active else None


def calendar_units(user: User, today: date) -> list[dict]:
    """Due dates of the open units the user follows (an agency: its own), from 60 days ago on."""
    due, org = unit_due(), unit_owner()
    stmt = (
        sa.select(Task.id, ContentItem.id, Task.title, ContentItem.text, ContentItem.ordinal, due, Task.is_confidential,
                  Organisation.name, sa.func.coalesce(ContentItem.status, Task.status))
        .select_from(Task).outerjoin(ContentItem, ContentItem.task_id == Task.id)
        .join(Organisation, Organisation.id == org)
        .where(task_may_be_open(), Task.kind != TaskKind.CONTINUOUS, unit_open_on(today),
               due >= today - timedelta(days=CALENDAR_PAST_DAYS), due <= today + timedelta(days=CALENDAR_FUTURE_DAYS))
        .order_by(due, Task.id).limit(CALENDAR_MAX_EVENTS)
    )
    if user.role not in OVERSIGHT_ROLES:
        org_id = user.organisation_id
        coordinates = sa.exists().where(task_coordinator.c.task_id == Task.id, task_coordinator.c.organisation_id == org_id)
        # The one visibility rule (drafts hidden), then only the agency's own units of those tasks.
        stmt = stmt.where(task_visibility_clause(user),
                          sa.or_(Task.lead_org_id == org_id, ContentItem.lead_org_id == org_id, coordinates))
    return [
        {"task_id": t, "item_id": i, "title": title, "item": text, "ordinal": ordinal, "due": d,
         "confidential": confidential, "agency": agency, "status": TaskStatus.coerce(status)}
        for t, i, title, text, ordinal, d, confidential, agency, status in db.session.execute(stmt)
    ]


def calendar_ics(user: User, today: date | None = None) -> bytes:
    """The user's due dates as an iCalendar feed (all-day events; content of confidential tasks omitted)."""
    import icalendar

    today = today or today_local()
    base = current_app.config["BASE_URL"].rstrip("/")
    host = re.sub(r"^https?://", "", base).split("/")[0] or "localhost"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Theo doi thuc hien ket luan//oversight//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Hạn nhiệm vụ — %(n)s", n=user.organisation.name if user.is_agency_user else user.name))
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    stamp = now_utc()
    for unit in calendar_units(user, today):
        event = icalendar.Event()
        uid_item = f"-{unit['item_id']}" if unit["item_id"] else ""
        event.add("uid", f"task-{unit['task_id']}{uid_item}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", unit["due"])
        event.add("dtend", unit["due"] + timedelta(days=1))
        title = unit["title"]
        if unit["item_id"] and not unit["confidential"] and unit["item"]:
            title = f"{title} — {unit['ordinal']}. {unit['item']}"
        late = (today - unit["due"]).days
        prefix = _("[Quá hạn] ") if late > 0 else _("[Hạn] ")
        event.add("summary", (prefix + title)[:250])
        event.add("description", "\n".join([_("Cơ quan: %(a)s", a=unit["agency"]),
                                            _("Trạng thái: %(s)s", s=unit["status"].label),
                                            f"{base}/tasks/{unit['task_id']}"]))
        event.add("url", f"{base}/tasks/{unit['task_id']}")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


# ============================================================================================
# Small helpers the routes share
# ============================================================================================


def get_task_or_404(user: User, task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not can_view_task(user, task):
        raise NotFound(_("Không tìm thấy nhiệm vụ."))
    return task


def pct_text(value: Decimal | None) -> str:
    from app.core.numbers import pct_of_value

    return "—" if value is None else pct_of_value(value)

