"""Reporting periods (kỳ báo cáo): the one :class:`Period` (quarter, half, nine months, year) with its
code, bounds, label and quarter arithmetic, and the calendar cycles of recurring tasks.

Quarters: :func:`quarter_bounds`, :func:`quarter_of`, :func:`parse_quarter_code`
("2024-Q2"), :func:`format_quarter_code`, :func:`quarter_label` ("quý II/2024")
and :func:`report_period_heading` (the section II heading of the quarterly
report, domain.md §5.2: Q1 "QUÝ I NĂM 2024", Q2 "6 THÁNG ĐẦU NĂM 2024",
Q3 "9 THÁNG ĐẦU NĂM 2024", Q4 "NĂM 2024"; only Q2 is attested).

Due phrases ("trong quý II/2024") are read in :mod:`app.core.due_phrases`, on top of this module.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from app.core.errors import ValidationFailed

_ROMAN_LABEL = {1: "I", 2: "II", 3: "III", 4: "IV"}
_QUARTER_HEADINGS = {
    1: "QUÝ I NĂM {year}",
    2: "6 THÁNG ĐẦU NĂM {year}",
    3: "9 THÁNG ĐẦU NĂM {year}",
    4: "NĂM {year}",
}


class PeriodPhraseError(ValueError):
    """A due phrase or period code that cannot be resolved; the message is Vietnamese."""

    def __init__(self, message: str, phrase: str | None = None) -> None:
        super().__init__(message)
        self.phrase = phrase


# --------------------------------------------------------------------------- quarters


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _check_quarter(quarter: int) -> None:
    if quarter not in _ROMAN_LABEL:
        raise PeriodPhraseError(f"Quý “{quarter}” không hợp lệ: chỉ có quý I đến quý IV.")


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of the quarter (quý)."""
    _check_quarter(quarter)
    first_month = 3 * quarter - 2
    return date(year, first_month, 1), month_end(year, first_month + 2)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


_QUARTER_CODE = re.compile(r"(\d{4})-Q([1-4])", re.IGNORECASE)


def parse_quarter_code(code: str) -> tuple[int, int]:
    """Parse the URL/API form "2024-Q2" into (2024, 2)."""
    match = _QUARTER_CODE.fullmatch(code.strip()) if isinstance(code, str) else None
    if match is None:
        raise PeriodPhraseError(f"Mã quý “{code}” không đúng dạng NĂM-Qn (ví dụ 2024-Q2).", str(code))
    return int(match.group(1)), int(match.group(2))


def format_quarter_code(year: int, quarter: int) -> str:
    _check_quarter(quarter)
    return f"{year}-Q{quarter}"


def quarter_label(year: int, quarter: int) -> str:
    """Running-text label, Roman numeral then year: "quý II/2024"."""
    _check_quarter(quarter)
    return f"quý {_ROMAN_LABEL[quarter]}/{year}"


def report_period_heading(year: int, quarter: int) -> str:
    """Upper-case year-to-date heading of section II for the session of *quarter*."""
    _check_quarter(quarter)
    return _QUARTER_HEADINGS[quarter].format(year=year)


def cycle_end(recurrence: str, on: date) -> date:
    """Last day of the weekly/monthly/quarterly/yearly cycle containing *on*."""
    if recurrence == "weekly":
        return on + timedelta(days=6 - on.weekday())  # Sunday ends the Vietnamese work week
    if recurrence == "monthly":
        return month_end(on.year, on.month)
    if recurrence == "quarterly":
        return quarter_bounds(*quarter_of(on))[1]
    if recurrence == "yearly":
        return date(on.year, 12, 31)
    raise PeriodPhraseError(f"Chu kỳ lặp lại “{recurrence}” không hợp lệ.")


# --------------------------------------------------------------------------- periods (kỳ)

#: kind → allowed indexes; the quarter a period ends with (a half-year report is the Q2 session's).
PERIOD_INDEXES = {"quarter": range(1, 5), "half": range(1, 3), "nine_months": range(1, 2), "year": range(1, 2)}
_END_QUARTER = {"quarter": lambda i: i, "half": lambda i: 2 * i, "nine_months": lambda i: 3, "year": lambda i: 4}
_FIRST_QUARTER = {"quarter": lambda i: i, "half": lambda i: 2 * i - 1, "nine_months": lambda i: 1, "year": lambda i: 1}
_PERIOD_CODE = re.compile(r"(\d{4})(?:-(Q[1-4]|H[12]|9M|Y))?", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Period:
    """Kỳ: a quarter, a half-year, the first nine months or a year.

    The one definition of a period for filters, scorecards and reports: ``Period(2024, "quarter",
    2)`` is quý II/2024 (1/4–30/6), whose working session the quarterly report serves.  Its code,
    as in URLs, the CLI and the API, is "2024-Q2", "2024-H1", "2024-9M" or "2024" (a year; "2024-Y"
    is read too).
    """

    year: int
    kind: str = "year"
    index: int = 1

    def __post_init__(self) -> None:
        if self.kind not in PERIOD_INDEXES:
            raise ValidationFailed(_("Loại kỳ báo cáo không hợp lệ."), field="period_kind")
        if self.index not in PERIOD_INDEXES[self.kind]:
            raise ValidationFailed(_("Kỳ báo cáo không hợp lệ."), field="period_index")
        if not 2000 <= self.year <= 2100:
            raise ValidationFailed(_("Năm báo cáo phải từ 2000 đến 2100."), field="year")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        return cls(year, "quarter", quarter)

    @classmethod
    def quarter_containing(cls, day: date) -> Period:
        return cls.quarter(*quarter_of(day))

    @property
    def end_quarter(self) -> int:
        """The quarter the period ends with: the session a report for it is prepared for."""
        return _END_QUARTER[self.kind](self.index)

    @property
    def start(self) -> date:
        return quarter_bounds(self.year, _FIRST_QUARTER[self.kind](self.index))[0]

    @property
    def end(self) -> date:
        return quarter_bounds(self.year, self.end_quarter)[1]

    @property
    def code(self) -> str:
        suffix = {"quarter": f"-Q{self.index}", "half": f"-H{self.index}", "nine_months": "-9M", "year": ""}[self.kind]
        return f"{self.year}{suffix}"

    @property
    def label(self) -> str:
        """As in running text: "quý II/2024", "6 tháng đầu năm 2024", "năm 2024"."""
        if self.kind == "quarter":
            return quarter_label(self.year, self.index)
        if self.kind == "half":
            return f"6 tháng {'đầu' if self.index == 1 else 'cuối'} năm {self.year}"
        if self.kind == "nine_months":
            return f"9 tháng đầu năm {self.year}"
        return f"năm {self.year}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous_quarter(self) -> Period:
        """The quarter before the one this period ends with."""
        year, quarter = (self.year, self.end_quarter - 1) if self.end_quarter > 1 else (self.year - 1, 4)
        return Period.quarter(year, quarter)

    def next_quarter(self) -> Period:
        """The quarter after the one this period ends with."""
        year, quarter = (self.year, self.end_quarter + 1) if self.end_quarter < 4 else (self.year + 1, 1)
        return Period.quarter(year, quarter)


def parse_period(code: str | None, *, field: str = "period") -> Period:
    """"2024-Q2", "2024-H1", "2024-9M", "2024" or "2024-Y" → :class:`Period`; a clear message otherwise."""
    match = _PERIOD_CODE.fullmatch((code or "").strip()) if isinstance(code, str | None) else None
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        raise ValidationFailed(
            _("Kỳ “%(code)s” không hợp lệ (ví dụ: 2024, 2024-H1, 2024-9M, 2024-Q2).", code=str(code or "")), field=field)
    year, token = int(match.group(1)), (match.group(2) or "Y").upper()
    if token[0] in "QH":
        return Period(year, "quarter" if token[0] == "Q" else "half", int(token[1]))
    return Period(year, "nine_months" if token == "9M" else "year")


def last_quarters(day: date, n: int = 4) -> list[Period]:
    """The quarter containing ``day`` and the n − 1 before it, oldest first."""
    quarters = [Period.quarter_containing(day)]
    while len(quarters) < n:
        quarters.append(quarters[-1].previous_quarter())
    return list(reversed(quarters))


def period_choices(today: date, years: int = 3) -> list[tuple[str, str]]:
    """Codes and labels for the period pickers: recent years, halves and quarters begun by ``today``, newest first."""
    out: list[tuple[str, str]] = []
    for year in range(today.year, today.year - years, -1):
        candidates = [Period(year), Period(year, "half", 2), Period(year, "half", 1),
                      *(Period.quarter(year, q) for q in (4, 3, 2, 1))]
        out.extend((p.code, p.label[0].upper() + p.label[1:]) for p in candidates if p.start <= today)
    return out
