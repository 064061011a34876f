"""What section II reports from the data: district key indicators (II.1) and the agencies' sources (II.3).

II.3 lists the active agencies with a report heading; an agency's text is its period input or, failing
that, its latest lead progress reports of the year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.numbers import date_vn
from app.core.periods import Period
from app.extensions import db
from app.models import AgencyPeriodInput, Indicator, Organisation, ProgressReport
from app.progress import indicators as arithmetic
from app.reports.paragraphs import clean_line
from app.reports.tallies import indicator_figure, latest_values


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def district_indicator_lines(year: int, as_of: date, warnings: list[str]) -> tuple[list[str], list[dict]]:
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


def inputs_for(period: Period) -> dict[int, AgencyPeriodInput]:
    rows = db.session.scalars(sa.select(AgencyPeriodInput).where(
        AgencyPeriodInput.year == period.year, AgencyPeriodInput.period_kind == period.kind,
        AgencyPeriodInput.period_index == period.index))
    return {row.organisation_id: row for row in rows}


def progress_narratives(agency_ids: Sequence[int], year: int, as_of: date) -> dict[int, list[str]]:
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
        texts[org_id].append(clean_line(report.result_text))
    return texts
