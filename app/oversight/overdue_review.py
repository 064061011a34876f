"""The overdue review's snapshot (rà soát nhiệm vụ quá hạn): every content unit overdue on a day, its filters
and the per-agency ageing summary.

**The unit of lateness is the content unit** (nội dung), and what a unit is (owner, due date in force and
original, open/closed, overdue as of a day, days late, bucket) is defined once, in :mod:`app.tasks.units`;
this module only asks it.  This is how section I of the quarterly report counts ("09 nhiệm vụ, với 11 nội dung").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from operator import itemgetter
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.clock import today_local
from app.core.enums import TaskKind
from app.core.errors import ValidationFailed
from app.core.periods import Period
from app.extensions import db
from app.models import ContentItem, Directive, Organisation, Task
from app.tasks import page_reuse
from app.tasks.units import BUCKETS, bucket_of_days, item_may_be_open, unit_due, unit_overdue, unit_owner


def bucket_label(code: str) -> str:
    return {"1-7": _("1–7 ngày"), "8-30": _("8–30 ngày"), "30+": _("trên 30 ngày")}[code]


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
    reused while :func:`app.tasks.page_reuse.data_fingerprint` is unchanged (see :func:`overdue_snapshot`).
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
    """Overdue units: two index-friendly halves, united.

    The first half is the units late by their task's due date; the second, items whose own, earlier
    due date has passed while their task's has not.  When ``as_of`` is today or later a unit can only
    be open if its task and its item are, so the first half reads ``ix_task_status_due`` alone and the
    second starts from the open items (``ix_content_item_status_task``), never from every open task.
    """
    due, org = unit_due(), unit_owner()
    common = [unit_overdue(as_of)]
    # The kind as its stored text: the snapshot keeps strings, and converting thousands of rows to the
    # enum and back cost a quarter of a rebuild.
    # In the order of Unit's fields: rows become units without a call per row.
    columns = (due.label("due"), Task.id.label("task_id"), sa.func.coalesce(ContentItem.id, 0).label("item_id"),
               org.label("org_id"), Task.directive_id.label("directive_id"),
               sa.type_coerce(Task.kind, sa.String).label("kind"))
    by_task = (
        sa.select(*columns).select_from(Task).outerjoin(ContentItem, ContentItem.task_id == Task.id)
        .where(Task.due_date < as_of, *common)
    )
    own_due_passed = [sa.or_(Task.due_date >= as_of, Task.due_date.is_(None)), ContentItem.due_date < as_of, *common]
    if as_of >= today_local():
        own_due_passed.append(item_may_be_open())
    by_item = sa.select(*columns).select_from(ContentItem).join(Task, ContentItem.task_id == Task.id).where(*own_due_passed)
    return sa.union_all(by_task, by_item)


def _labels(organisation_ids: set[int], directive_ids: set[int]) -> tuple[dict, dict]:
    """The agencies' names and report order, and the directives' short labels, of the units listed.

    One read of both short tables (directives, then agencies with the same columns), with a statement
    compiled once, instead of a join repeated on every unit: a page rebuilt from the database keeps to
    five statements."""
    directive_rows = sa.select(sa.literal("d"), Directive.id, Directive.title, sa.literal(None, sa.Integer),
                               Directive.number, Directive.doc_type, Directive.issuer_suffix, Directive.issued_on)
    organisation_rows = sa.select(sa.literal("o"), Organisation.id, Organisation.name, Organisation.display_order,
                                  sa.null(), sa.null(), sa.null(), sa.null())
    organisations, directives = {}, {}
    for table, row_id, name, order, number, doc_type, suffix, issued_on in db.session.connection().execute(
            sa.union_all(directive_rows, organisation_rows)):
        if table == "o":
            if row_id in organisation_ids:
                organisations[row_id] = (name, order)
        elif row_id in directive_ids:
            symbol = directive_symbol(number, doc_type, suffix)
            label = f"{symbol} — {name}" if symbol else name
            directives[row_id] = (label if len(label) <= 70 else label[:69] + "…", issued_on)
    return organisations, directives


def build_overdue_snapshot(as_of: date) -> OverdueSnapshot:
    # Positional rows fetched at once: a rebuild reads thousands of them, and named access or a fetch
    # per row costs more than the query.
    units = list(map(Unit._make, db.session.connection().execute(_units_query(as_of)).fetchall()))
    units.sort()
    # By position (Unit's fields): thousands of attribute reads cost more than the two small queries.
    organisations, directives = _labels(set(map(itemgetter(3), units)), set(map(itemgetter(4), units)))
    return OverdueSnapshot(as_of, units, organisations, directives)


def overdue_snapshot(as_of: date) -> OverdueSnapshot:
    """The overdue units on ``as_of``.  Today's are reused by this process while the data fingerprint
    holds (app.tasks.page_reuse), so a busy review page costs one small query instead of a scan; other
    days, and tests (unless OVERSIGHT_CACHE is set), build anew."""
    if as_of != today_local():
        return build_overdue_snapshot(as_of)
    return page_reuse.reuse("oversight.snapshot", (), as_of, lambda: build_overdue_snapshot(as_of))


def clear_overdue_cache() -> None:
    page_reuse.clear()


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


def summarize(snapshot: OverdueSnapshot, units: Sequence[Unit]) -> OverdueSummary:
    """Per-agency ageing counts of ``units`` in report order (domain.md §1.3)."""
    as_of = snapshot.as_of
    by_org: dict[int, AgencyAgeing] = {}
    # Units share few due dates: count them per (agency, due date), then age each pair once.
    for (org_id, due), count in Counter(map(itemgetter(3, 0), units)).items():
        line = by_org.get(org_id)
        if line is None:
            name = snapshot.organisations[org_id][0]
            line = by_org[org_id] = AgencyAgeing(org_id, name, {code: 0 for code, _f, _l in BUCKETS}, due)
        line.buckets[bucket_of_days((as_of - due).days)] += count
        if due < line.oldest_due:
            line.oldest_due = due
    used_directives = set(map(itemgetter(4), units))
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


def directive_symbol(number: str | None, doc_type: str, suffix: str | None) -> str | None:
    if not number:
        return None
    return f"{number}-{doc_type}/{suffix}" if suffix else number
