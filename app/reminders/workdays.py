"""Ngày làm việc: the Vietnamese working-day calendar reminders count in.

Built from ``holidays.VN`` (Tết Nguyên đán and its bridge days, 30/4, 1/5, 2/9, Giỗ Tổ, substituted
days off and the make-up working Saturdays the government announces) plus the admin-editable
:class:`~app.models.WorkdayOverride` table on top, because public-sector schedules are decided year
by year and a district may add its own days off.

:class:`WorkingCalendar` itself is pure (no database, no clock); :func:`load_calendar` reads the
overrides, and the override CRUD functions below are the services the admin pages call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache

import holidays
import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import audit
from app.core.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import WorkdayOverride


@lru_cache(maxsize=16)
def _public_calendar(first_year: int, last_year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Public holidays and make-up working Saturdays of Vietnam for the years, with names.

    Built with a year either side (``holidays`` computes substitutions that cross a year boundary
    only when both years are asked for) and cached: the table only changes with the package.
    """
    years = list(range(first_year - 1, last_year + 2))
    vn = holidays.VN(years=years, language="vi")
    days_off = {day: name for day, name in vn.items() if first_year <= day.year <= last_year}
    make_up = frozenset(d for d in getattr(vn, "weekend_workdays", ()) if first_year <= d.year <= last_year)
    return days_off, make_up


class WorkingCalendar:
    """Which days are working days, and counting in working days, over a range of years.

    A day is a working day when an override says so; otherwise when it is a make-up working
    Saturday; otherwise when it is Monday–Friday and not a public holiday.  Days outside the built
    range are handled by rebuilding the range around them (so counting never silently goes wrong).
    """

    def __init__(self, years: Iterable[int], overrides: Mapping[date, bool] | None = None):
        years = sorted(set(years))
        if not years:
            raise ValueError("a calendar needs at least one year")
        self._overrides = dict(overrides or {})
        self._build(years[0], years[-1])

    # -- construction ------------------------------------------------------------------------
    def _build(self, first_year: int, last_year: int) -> None:
        """Precompute, for every day of the range, whether it is a working day and how many working
        days precede it, so that every query below is a couple of list look-ups."""
        self.first_year, self.last_year = first_year, last_year
        self._holidays, self._make_up = _public_calendar(first_year, last_year)
        self._start = date(first_year, 1, 1).toordinal()
        self._end = date(last_year, 12, 31).toordinal()
        flags = [self._is_working(date.fromordinal(o)) for o in range(self._start, self._end + 1)]
        #: _before[i]: working days strictly before day start+i (one extra entry at the end).
        before = [0] * (len(flags) + 1)
        for i, working in enumerate(flags):
            before[i + 1] = before[i] + working
        self._flags, self._before = flags, before
        self._working = [self._start + i for i, working in enumerate(flags) if working]

    def _is_working(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        if day in self._make_up:
            return True
        return day.weekday() < 5 and day not in self._holidays

    def _index(self, ordinal: int) -> int:
        """Position of a day in the precomputed range, widening the range when needed."""
        if not self._start <= ordinal <= self._end:
            year = date.fromordinal(ordinal).year
            self._build(min(year - 1, self.first_year), max(year + 1, self.last_year))
        return ordinal - self._start

    # -- queries -----------------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        i = self._index(day.toordinal())  # first: it may rebuild the tables
        return self._flags[i]

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's Vietnamese name, if the day is one (overrides aside)."""
        self._index(day.toordinal())
        return self._holidays.get(day)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (n > 0), before it (n < 0), or ``day`` itself (n = 0).

        ``day`` does not count, whether or not it is a working day: one working day before a
        Monday is the Friday before it, one after a Saturday is the Monday.
        """
        if n == 0:
            return day
        ordinal = day.toordinal()
        i = self._index(ordinal)
        # Working days up to and including the day (n > 0) or strictly before it (n < 0).
        position = self._before[i + 1] + n - 1 if n > 0 else self._before[i] + n
        if not 0 <= position < len(self._working):
            margin = abs(n) // 200 + 1
            self._build(self.first_year - margin, self.last_year + margin)
            return self.add_working_days(day, n)
        return date.fromordinal(self._working[position])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (negative when end is before start).

        ``working_days_between(due, today)`` is how many working days a task is late.
        """
        if end < start:
            return -self.working_days_between(end, start)
        i = self._index(start.toordinal())
        j = self._index(end.toordinal())
        i = self._index(start.toordinal())  # the range may have moved while indexing ``end``
        return self._before[j + 1] - self._before[i + 1]

    def last_working_day_on_or_before(self, day: date) -> date:
        return day if self.is_working_day(day) else self.add_working_days(day, -1)

    def first_working_day_on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.add_working_days(day, 1)

    def days_off(self, year: int) -> list[tuple[date, str]]:
        """Non-working weekdays and working weekend days of a year, with their reason (for the admin page)."""
        self._index(date(year, 1, 1).toordinal())
        self._index(date(year, 12, 31).toordinal())
        rows: list[tuple[date, str]] = []
        day = date(year, 1, 1)
        while day.year == year:
            working = self.is_working_day(day)
            if day in self._overrides:
                rows.append((day, _("Điều chỉnh: làm việc") if working else _("Điều chỉnh: nghỉ")))
            elif day.weekday() < 5 and not working:
                rows.append((day, self._holidays.get(day, _("Nghỉ"))))
            elif day.weekday() >= 5 and working:
                rows.append((day, _("Làm bù (thứ Bảy làm việc)")))
            day += timedelta(days=1)
        return rows


# -- database side ------------------------------------------------------------------------------

def override_map() -> dict[date, bool]:
    """Every admin override, day → is working day (the table is small: a few rows a year)."""
    return {day: working for day, working in db.session.execute(sa.select(WorkdayOverride.day, WorkdayOverride.is_working_day))}


def load_calendar(today: date) -> WorkingCalendar:
    """The calendar reminders use on ``today``: years today−1 … today+1 and the admin's overrides
    (built once per distinct set of overrides: the scheduler asks every few minutes)."""
    return _calendar(today.year, frozenset(override_map().items()))


@lru_cache(maxsize=8)
def _calendar(year: int, overrides: frozenset) -> WorkingCalendar:
    return WorkingCalendar([year - 1, year, year + 1], dict(overrides))


def list_overrides(year: int | None = None) -> list[WorkdayOverride]:
    stmt = sa.select(WorkdayOverride).order_by(WorkdayOverride.day)
    if year is not None:
        stmt = stmt.where(WorkdayOverride.day >= date(year, 1, 1), WorkdayOverride.day <= date(year, 12, 31))
    return list(db.session.scalars(stmt))


OVERRIDE_FIELDS = ("day", "is_working_day", "note")


def save_override(actor, *, day: date | None, is_working_day: bool, note: str, override_id: int | None = None) -> WorkdayOverride:
    """Create or change an override (one per day); audited, flushed, not committed."""
    if day is None:
        raise ValidationFailed(_("Cần chọn ngày."), field="day")
    if not 2000 <= day.year <= 2100:
        raise ValidationFailed(_("Ngày ngoài phạm vi cho phép (2000–2100)."), field="day")
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationFailed(_("Ghi chú tối đa 200 ký tự."), field="note")
    existing = db.session.scalar(sa.select(WorkdayOverride).where(WorkdayOverride.day == day))
    if override_id is not None:
        override = db.session.get(WorkdayOverride, override_id)
        if override is None:
            raise NotFound(_("Không tìm thấy ngày điều chỉnh."))
        if existing is not None and existing is not override:
            raise ValidationFailed(_("Ngày %(day)s đã có điều chỉnh.", day=day.strftime("%d/%m/%Y")), field="day")
    else:
        if existing is not None:
            raise ValidationFailed(_("Ngày %(day)s đã có điều chỉnh.", day=day.strftime("%d/%m/%Y")), field="day")
        override = WorkdayOverride()
    creating = override.id is None
    before = {} if creating else audit.snapshot(override, OVERRIDE_FIELDS)
    override.day, override.is_working_day, override.note = day, bool(is_working_day), note
    db.session.add(override)
    db.session.flush()
    old, new = audit.diff(before, audit.snapshot(override, OVERRIDE_FIELDS))
    if new:
        audit.record(actor, "create" if creating else "update", override, summary=day.isoformat(), before=old, after=new)
    return override


def find_override(override_id: int) -> WorkdayOverride | None:
    return db.session.get(WorkdayOverride, override_id)


def delete_override(actor, override_id: int) -> None:
    override = db.session.get(WorkdayOverride, override_id)
    if override is None:
        raise NotFound(_("Không tìm thấy ngày điều chỉnh."))
    audit.record(actor, "delete", override, summary=override.day.isoformat(),
                 before=audit.snapshot(override, OVERRIDE_FIELDS))
    db.session.delete(override)
    db.session.flush()
