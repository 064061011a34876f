"""Stored indicator figures as shown: the latest figure of each indicator, the check of a printed
percentage against the agency's own numbers, and district totals that sum counts, never percentages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.numbers import decimal_vn
from app.core.permissions import has_permission
from app.extensions import db
from app.models import Indicator, IndicatorValue, Organisation, ProgressReport, Task, User
from app.progress import indicators as arithmetic


def figure_of(indicator: Indicator, value: IndicatorValue | None) -> arithmetic.IndicatorFigure | None:
    """The arithmetic view of a stored value (None when nothing was reported yet)."""
    if value is None:
        return None
    if indicator.target_rate is not None:
        return arithmetic.IndicatorFigure(actual=value.actual, base=value.base, target_rate=indicator.target_rate,
                                          unit=indicator.unit, phrase=indicator.phrase,
                                          base_label=indicator.base_label or "", year_end=indicator.is_year_end)
    return arithmetic.IndicatorFigure(actual=value.actual, target=indicator.target, unit=indicator.unit,
                                      phrase=indicator.phrase, year_end=indicator.is_year_end)


@dataclass(frozen=True)
class IndicatorRow:
    """An indicator's latest figure as shown: "112/158 đảng viên, đạt 70,89% chỉ tiêu" and any warning."""

    indicator: Indicator
    value: IndicatorValue | None
    line: str | None
    percent: Decimal | None
    discrepancy: str | None
    organisation: Organisation | None = None

    @property
    def percent_text(self) -> str | None:
        return None if self.percent is None else arithmetic.DEFAULT_STYLE.format_value(self.percent)


def _printed_check(figure: arithmetic.IndicatorFigure, printed: Decimal | None) -> str | None:
    """Warning when the agency's printed percentage disagrees with its own numbers (domain.md §4.5)."""
    if printed is None:
        return None
    if figure.is_rate:
        # C = (actual/base) / target rate, compared at the printed precision.
        numerator, denominator = figure.actual * 100 / figure.base, figure.target_rate
    else:
        if not figure.target:
            return None
        numerator, denominator = figure.actual, figure.target
    # Stored as Numeric(10, 4): the trailing zeros are not the author's, so the precision checked is
    # that of the significant decimals ("70,8700" was printed "70,87").
    check = arithmetic.check_printed(decimal_vn(printed, None) + "%", numerator, denominator)
    return check.message


def indicator_row(indicator: Indicator, value: IndicatorValue | None) -> IndicatorRow:
    figure = figure_of(indicator, value)
    if figure is None:
        return IndicatorRow(indicator, None, None, None, None, indicator.organisation)
    return IndicatorRow(indicator, value, arithmetic.indicator_line(figure).removeprefix("- "),
                        arithmetic.achievement(figure), _printed_check(figure, value.printed_percent),
                        indicator.organisation)


def _latest_values(indicator_ids: Sequence[int], as_of: date | None = None) -> dict[int, IndicatorValue]:
    if not indicator_ids:
        return {}
    stmt = sa.select(IndicatorValue).where(IndicatorValue.indicator_id.in_(indicator_ids))
    if as_of is not None:
        stmt = stmt.where(IndicatorValue.as_of <= as_of)
    latest: dict[int, IndicatorValue] = {}
    for value in db.session.scalars(stmt.order_by(IndicatorValue.as_of)):
        latest[value.indicator_id] = value
    return latest


def task_indicator_rows(task: Task) -> list[IndicatorRow]:
    """The task's indicators with their latest figures (for the task page)."""
    indicators = list(db.session.scalars(
        sa.select(Indicator).where(Indicator.task_id == task.id).order_by(Indicator.display_order, Indicator.id)))
    latest = _latest_values([i.id for i in indicators])
    return [indicator_row(i, latest.get(i.id)) for i in indicators]


def report_indicator_rows(report: ProgressReport) -> list[IndicatorRow]:
    values = db.session.scalars(sa.select(IndicatorValue).where(IndicatorValue.progress_report_id == report.id)).all()
    return [indicator_row(v.indicator, v) for v in values]


@dataclass(frozen=True)
class IndicatorGroup:
    """One indicator code in one year across the agencies that carry it, with the district total."""

    code: str
    phrase: str
    rows: list[IndicatorRow]
    total: IndicatorRow | None
    total_note: str | None = None


def indicator_overview(user: User, year: int, as_of: date | None = None) -> list[IndicatorGroup]:
    """Indicators of ``year`` the user may see, grouped by code, each group with a district total.

    The total sums numerators and denominators (``indicators.aggregate``), never averages the
    agencies' percentages: 1/2 and 99/100 make 100/102 = 98,04%, not 74,5%.
    """
    stmt = sa.select(Indicator).where(Indicator.year == year)
    if not has_permission(user, "agency.any"):
        stmt = stmt.where(Indicator.organisation_id == user.organisation_id)
    indicators = list(db.session.scalars(stmt.order_by(Indicator.code, Indicator.display_order, Indicator.id)))
    latest = _latest_values([i.id for i in indicators], as_of)
    groups: dict[str, list[Indicator]] = {}
    for indicator in indicators:
        groups.setdefault(indicator.code, []).append(indicator)
    return [_group(code, members, latest) for code, members in groups.items()]


def _group(code: str, members: list[Indicator], latest: Mapping[int, IndicatorValue]) -> IndicatorGroup:
    rows = [indicator_row(i, latest.get(i.id)) for i in members]
    if len(members) < 2:
        return IndicatorGroup(code, members[0].phrase, rows, None)
    figures = [figure_of(i, latest.get(i.id)) for i in members]
    if any(f is None for f in figures):
        return IndicatorGroup(code, members[0].phrase, rows, None,
                              _("Chưa đủ số liệu của các cơ quan nên chưa cộng tổng."))
    try:
        total = arithmetic.aggregate(figures)
    except ValueError as error:
        return IndicatorGroup(code, members[0].phrase, rows, None, str(error))
    exact = arithmetic.achievement(total)
    line = arithmetic.indicator_line(total).removeprefix("- ")
    return IndicatorGroup(code, members[0].phrase, rows, IndicatorRow(members[0], None, line, exact, None))
