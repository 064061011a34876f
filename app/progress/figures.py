"""Indicator figures entered with a progress report: parsed, checked against the task's indicators, stored.

Indicator figures store counts only (numerator, and the base for rate indicators); percentages
are computed by :mod:`app.progress.indicators` and never typed. A percentage printed in the
agency's own document may be kept beside them, to show a discrepancy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.clock import now_utc
from app.core.errors import ValidationFailed
from app.core.numbers import NumberFormatError, parse_decimal, parse_percent
from app.extensions import db
from app.models import Indicator, IndicatorValue, ProgressReport, Task, User


@dataclass(frozen=True)
class FigureInput:
    """One indicator figure as entered: counts only (Vietnamese format accepted), never a percentage."""

    indicator_id: int
    actual: Decimal
    base: Decimal | None = None
    printed_percent: Decimal | None = None



def _parse_number(value, field_name: str, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float):
        # A JSON number from the API: its shortest repr is what the client meant (43140.5).
        number = Decimal(repr(value))
    else:
        try:
            number = parse_decimal(str(value))
        except (NumberFormatError, InvalidOperation, ValueError) as error:
            message = getattr(error, "message", None) or _("%(label)s không phải là số.", label=label)
            raise ValidationFailed(str(message), field=field_name) from None
    if number < 0:
        raise ValidationFailed(_("%(label)s không được âm.", label=label), field=field_name)
    return number


def _parse_printed(value) -> Decimal | None:
    """A percentage as the agency's document prints it ("70,87%"), or a JSON number from the API."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(repr(value))
        return parse_percent(str(value))
    except (NumberFormatError, InvalidOperation, ValueError):
        raise ValidationFailed(_("Tỷ lệ ghi trong văn bản không hợp lệ."), field="figures") from None


def parse_figures(rows: Iterable[Mapping]) -> list[FigureInput]:
    """Figures from form or API rows (indicator_id, actual, base, printed_percent); blank rows are skipped."""
    figures = []
    for row in rows:
        actual_text = row.get("actual")
        if actual_text in (None, "") and row.get("base") in (None, "") and row.get("printed_percent") in (None, ""):
            continue
        try:
            indicator_id = int(row.get("indicator_id"))
        except (TypeError, ValueError):
            raise ValidationFailed(_("Chỉ tiêu không hợp lệ."), field="figures") from None
        actual = _parse_number(actual_text, "figures", _("Số thực hiện"))
        if actual is None:
            raise ValidationFailed(_("Vui lòng nhập số thực hiện của chỉ tiêu."), field="figures")
        figures.append(FigureInput(indicator_id, actual, _parse_number(row.get("base"), "figures", _("Số gốc")),
                                   _parse_printed(row.get("printed_percent"))))
    return figures


def reportable_indicators(task: Task, organisation_id: int) -> list[Indicator]:
    """Indicators a report on ``task`` may give figures for: the task's own indicators (the
    district's or the reporting agency's)."""
    return list(db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.task_id == task.id,
               sa.or_(Indicator.organisation_id.is_(None), Indicator.organisation_id == organisation_id))
        .order_by(Indicator.display_order, Indicator.code, Indicator.id)
    ))


def check_figure_targets(task: Task, organisation_id: int, figures: Sequence[FigureInput]) -> dict[int, Indicator]:
    allowed = {indicator.id: indicator for indicator in reportable_indicators(task, organisation_id)}
    seen = set()
    for figure in figures:
        indicator = allowed.get(figure.indicator_id)
        if indicator is None:
            raise ValidationFailed(_("Chỉ tiêu này không thuộc nhiệm vụ hoặc cơ quan báo cáo."), field="figures")
        if figure.indicator_id in seen:
            raise ValidationFailed(_("Mỗi chỉ tiêu chỉ nhập một số liệu trong một báo cáo."), field="figures")
        seen.add(figure.indicator_id)
        if indicator.target_rate is not None:
            if figure.base is None or figure.base == 0:
                raise ValidationFailed(
                    _("Chỉ tiêu “%(name)s” tính theo tỷ lệ: vui lòng nhập số gốc (lớn hơn 0).", name=indicator.phrase),
                    field="figures")
            if figure.actual > figure.base:
                raise ValidationFailed(
                    _("Chỉ tiêu “%(name)s”: số thực hiện không được lớn hơn số gốc.", name=indicator.phrase),
                    field="figures")
        elif figure.base is not None:
            raise ValidationFailed(
                _("Chỉ tiêu “%(name)s” tính theo số lượng nên không có số gốc.", name=indicator.phrase), field="figures")
    return allowed


def record_figures(actor: User, report: ProgressReport, figures: Sequence[FigureInput],
                   indicators_by_id: Mapping[int, Indicator]) -> list[IndicatorValue]:
    """One IndicatorValue per figure as of the report date (a second report the same day replaces it)."""
    values = []
    for figure in figures:
        value = db.session.scalar(sa.select(IndicatorValue).where(
            IndicatorValue.indicator_id == figure.indicator_id, IndicatorValue.as_of == report.reported_on))
        if value is None:
            value = IndicatorValue(indicator_id=figure.indicator_id, as_of=report.reported_on)
            db.session.add(value)
        value.actual = figure.actual
        value.base = figure.base
        value.printed_percent = figure.printed_percent
        value.progress_report_id = report.id
        value.entered_by_id = actor.id
        value.created_at = now_utc()
        value.indicator = indicators_by_id[figure.indicator_id]
        values.append(value)
    return values
