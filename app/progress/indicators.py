"""Indicator arithmetic (chỉ tiêu): achievement, printed-percentage checks, agency tallies, rating footnotes.

Pure functions: no Flask app, no database.  Every percentage is computed here from stored counts
(never typed by a user) and rounded once, following the policy in :mod:`app.core.numbers`.
Sentence shapes come from the seeds (domain.md §4.2 F1/F3, §4.3, §7.1, AS-02 to AS-05); the words
that vary between indicators (phrase, unit, nouns) are data on the dataclasses below.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from app.core.numbers import (
    Number,
    PercentStyle,
    Rounding,
    count,
    decimal_vn,
    parse_percent,
    quantity,
    ratio,
    round_to,
    to_decimal,
)

__all__ = [
    "Bucket",
    "IndicatorFigure",
    "IndicatorResult",
    "PrintedCheck",
    "RatedGroup",
    "RatingCounts",
    "RatingLevel",
    "Tally",
    "TallyError",
    "TallyTemplate",
    "Verdict",
    "achievement",
    "actual_rate",
    "aggregate",
    "bucket_of",
    "check_printed",
    "disjoint_rating_footnote",
    "indicator_line",
    "nested_rating_footnote",
    "tally",
    "tally_line",
    "validate_tally",
]

DEFAULT_STYLE = PercentStyle()


# --------------------------------------------------------------------------------------------
# Figures and achievement
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorFigure:
    """One indicator's year-to-date figure against its annual target.

    Two shapes (domain.md §4.2):

    - count target (F1): ``actual``/``target`` → "112/158 đảng viên, đạt 70,89% chỉ tiêu";
    - rate target (F3): ``actual`` out of ``base`` against ``target_rate`` % → "43.140/50.652 hộ …,
      chiếm 85,17/82,41% số hộ, đạt 103,35% chỉ tiêu".  ``target`` stays None.

    ``phrase`` is the words before the figures ("Tổ chức kết nạp mới"), ``unit`` the words after
    them ("đảng viên"), ``target_word`` what is achieved ("chỉ tiêu", "kế hoạch").  ``name`` is the
    short name used when a tally lists an indicator ("hiến máu").  ``year_end`` marks an indicator
    judged only at year end (xét vào cuối năm).
    """

    actual: Decimal
    target: Decimal | None = None
    unit: str = ""
    phrase: str = ""
    target_rate: Decimal | None = None
    base: Decimal | None = None
    year_end: bool = False
    base_label: str = ""
    target_word: str = "chỉ tiêu"
    name: str = ""

    def __post_init__(self) -> None:
        # Accept ints and machine strings at construction, store Decimals only.
        for name in ("actual", "target", "target_rate", "base"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_decimal(value))
        for name in ("actual", "target", "target_rate", "base"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(_l("Số liệu chỉ tiêu không được âm."))
        if (self.base is None) != (self.target_rate is None):
            raise ValueError(_l("Chỉ tiêu tính theo tỷ lệ cần có cả số gốc và tỷ lệ chỉ tiêu."))
        if self.is_rate and self.target is not None:
            raise ValueError(_l("Chỉ tiêu chỉ có một dạng: số lượng hoặc tỷ lệ, không phải cả hai."))
        if self.is_rate and (self.base == 0 or self.target_rate == 0):
            raise ValueError(_l("Số gốc và tỷ lệ chỉ tiêu phải lớn hơn 0."))

    @property
    def is_rate(self) -> bool:
        """True for the F3 shape (target given as a percentage of a base population)."""
        return self.target_rate is not None

    @property
    def label(self) -> str:
        return self.name or self.phrase


def _exact_rate(figure: IndicatorFigure) -> Fraction | None:
    if not figure.is_rate:
        return None
    return Fraction(figure.actual) * 100 / Fraction(figure.base)


def _exact_achievement(figure: IndicatorFigure) -> Fraction | None:
    if figure.is_rate:
        # C = A / B with A = actual/base (unrounded): computing from counts, not from a printed rate.
        return _exact_rate(figure) * 100 / Fraction(figure.target_rate)
    if figure.target is None or figure.target == 0:
        return None
    return Fraction(figure.actual) * 100 / Fraction(figure.target)


def achievement(
    figure: IndicatorFigure, *, precision: int = 2, rounding: Rounding = Rounding.HALF_UP
) -> Decimal | None:
    """Mức đạt so với chỉ tiêu, in %; None when there is no (or a zero) target."""
    exact = _exact_achievement(figure)
    return None if exact is None else round_to(exact, precision, rounding)


def actual_rate(
    figure: IndicatorFigure, *, precision: int = 2, rounding: Rounding = Rounding.HALF_UP
) -> Decimal | None:
    """For a rate indicator, the share reached (85,17 for 43.140/50.652); None for a count one."""
    exact = _exact_rate(figure)
    return None if exact is None else round_to(exact, precision, rounding)


def aggregate(figures: Iterable[IndicatorFigure]) -> IndicatorFigure:
    """Combine the same indicator across units by summing numerators and denominators.

    Percentages are never averaged: 1/2 and 99/100 make 100/102, not the mean of 50% and 99%.
    For rate indicators the target rates are weighted by base (the implied target counts add up).
    Labels are taken from the first figure.
    """
    items = list(figures)
    if not items:
        raise ValueError(_l("Không có số liệu để tổng hợp."))
    first = items[0]
    if any(f.unit != first.unit or f.is_rate != first.is_rate for f in items):
        raise ValueError(_l("Chỉ cộng được các chỉ tiêu cùng đơn vị tính và cùng dạng."))
    if any(f.year_end != first.year_end for f in items):
        raise ValueError(_l("Không cộng chỉ tiêu xét cuối năm với chỉ tiêu xét theo kỳ."))
    actual = sum((f.actual for f in items), Decimal(0))
    if first.is_rate:
        base = sum((f.base for f in items), Decimal(0))
        rates = {f.target_rate for f in items}
        # One shared rate stays exact; differing rates need a division (28 significant digits).
        target_rate = rates.pop() if len(rates) == 1 else sum(f.base * f.target_rate for f in items) / base
        return replace(first, actual=actual, base=base, target_rate=target_rate)
    if any(f.target is None for f in items):
        raise ValueError(_l("Có đơn vị chưa có chỉ tiêu nên không tính được tổng."))
    target = sum((f.target for f in items), Decimal(0))
    return replace(first, actual=actual, target=target)


def _join_words(*words: str) -> str:
    return " ".join(w for w in words if w)


def indicator_line(figure: IndicatorFigure, *, style: PercentStyle = DEFAULT_STYLE) -> str:
    """The report bullet for one indicator (AS-02), e.g.
    "- Tổ chức kết nạp mới 112/158 đảng viên, đạt 70,89% chỉ tiêu."

    Without a usable target the figures are printed alone, never with a made-up percentage.
    """
    if figure.is_rate:
        return _rate_line(figure, style)
    figures = quantity(figure.actual) if figure.target is None else ratio(figure.actual, figure.target)
    head = _join_words("-", figure.phrase, figures, figure.unit)
    exact = _exact_achievement(figure)
    if exact is None:
        return head + "."
    return f"{head}, đạt {style.format_value(exact)} {figure.target_word}."


def _rate_line(figure: IndicatorFigure, style: PercentStyle) -> str:
    head = _join_words("-", figure.phrase, ratio(figure.actual, figure.base), figure.unit)
    # "85,17/82,41%": one % sign after the target rate, as in 003:L34; the target prints as entered.
    share = _join_words(
        f"chiếm {style.digits(_exact_rate(figure))}/{decimal_vn(figure.target_rate, None)}%",
        figure.base_label,
    )
    return f"{head}, {share}, đạt {style.format_value(_exact_achievement(figure))} {figure.target_word}."


# --------------------------------------------------------------------------------------------
# Checking a printed percentage
# --------------------------------------------------------------------------------------------


class Verdict(enum.StrEnum):
    """How a printed percentage relates to its numbers, at the printed precision."""

    OK = "ok"  # half-up and truncation give the same digits and the print has them
    OK_HALF_UP = "ok_half_up"  # the two differ; the print is the half-up one (our policy)
    TRUNCATED = "truncated"  # the two differ; the print is the truncated one (a warning)
    MISMATCH = "mismatch"  # the print matches neither: wrong figure or wrong denominator


@dataclass(frozen=True)
class PrintedCheck:
    """Result of :func:`check_printed`; ``computed`` is what a generator would print."""

    printed: Decimal
    precision: int
    computed: Decimal
    truncated: Decimal
    verdict: Verdict

    @property
    def message(self) -> str | None:
        """Warning for the user (Vietnamese), None when the print is correct."""
        printed = decimal_vn(self.printed, self.precision, strip=False)
        computed = decimal_vn(self.computed, self.precision, strip=False)
        if self.verdict is Verdict.TRUNCATED:
            return str(
                _l(
                    "Tỷ lệ in %(printed)s%% là số cắt bỏ; làm tròn đúng là %(computed)s%%.",
                    printed=printed,
                    computed=computed,
                )
            )
        if self.verdict is Verdict.MISMATCH:
            return str(
                _l(
                    "Tỷ lệ in %(printed)s%% không khớp với số liệu (tính được %(computed)s%%).",
                    printed=printed,
                    computed=computed,
                )
            )
        return None


def check_printed(printed: str, numerator: Number, denominator: Number) -> PrintedCheck:
    """Compare a percentage as printed ("70,87" or "70,87%") with numerator/denominator.

    The precision is the number of decimals in the print ("1,20" → 2), so both candidates are
    rounded to what the author could have written.  Numerator and denominator may be decimals
    (a ratio of rates, 85,17/82,41).  A zero denominator is refused: nothing can justify a print.
    """
    printed_value = parse_percent(printed)
    precision = max(0, -printed_value.as_tuple().exponent)
    if to_decimal(denominator) == 0:
        raise ValueError(_l("Mẫu số bằng 0 nên không có tỷ lệ để đối chiếu."))
    exact = Fraction(to_decimal(numerator)) * 100 / Fraction(to_decimal(denominator))
    half_up = round_to(exact, precision, Rounding.HALF_UP)
    truncated = round_to(exact, precision, Rounding.TRUNCATE)
    return PrintedCheck(
        printed_value, precision, half_up, truncated, _verdict(printed_value, half_up, truncated)
    )


def _verdict(printed: Decimal, half_up: Decimal, truncated: Decimal) -> Verdict:
    if printed == half_up:
        return Verdict.OK if half_up == truncated else Verdict.OK_HALF_UP
    if printed == truncated:
        return Verdict.TRUNCATED
    return Verdict.MISMATCH


# --------------------------------------------------------------------------------------------
# Agency tallies (AS-03)
# --------------------------------------------------------------------------------------------


class Bucket(enum.StrEnum):
    """Where an indicator falls in an agency's tally (domain.md §4.3; boundaries are ours)."""

    MET = "met"  # đạt và vượt: ≥ 100%
    ABOVE_75 = "above_75"  # đạt trên 75%: 75% < p < 100%
    ABOVE_50 = "above_50"  # đạt trên 50%: 50% < p ≤ 75%
    LOW = "low"  # đạt thấp: p ≤ 50%
    YEAR_END = "year_end"  # xét vào cuối năm: the flag wins over any percentage
    NOT_STARTED = "not_started"  # chưa đến thời gian thực hiện (003:L107): its start date is still ahead


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator as a tally sees it: a short name, its achievement % and the year-end flag."""

    name: str
    percent: Decimal | None = None
    year_end: bool = False
    not_started: bool = False

    def __post_init__(self) -> None:
        if self.percent is not None:
            object.__setattr__(self, "percent", to_decimal(self.percent))


def _classify(percent: Fraction | None, year_end: bool, not_started: bool = False) -> Bucket:
    if not_started:
        return Bucket.NOT_STARTED
    if year_end:
        return Bucket.YEAR_END
    if percent is None:
        raise TallyError(_l("Chỉ tiêu chưa có số liệu đạt được nên không xếp nhóm được."))
    if percent >= 100:
        return Bucket.MET
    if percent > 75:
        return Bucket.ABOVE_75
    if percent > 50:
        return Bucket.ABOVE_50
    return Bucket.LOW


def bucket_of(item: IndicatorFigure | IndicatorResult) -> Bucket:
    """Bucket of one indicator.  A figure is judged on its exact achievement, not the rounded
    print, so 99,996% is not "đạt" even though it prints as 100%."""
    if isinstance(item, IndicatorFigure):
        return _classify(_exact_achievement(item), item.year_end)
    return _classify(None if item.percent is None else Fraction(item.percent), item.year_end, item.not_started)


@dataclass(frozen=True)
class Tally:
    """An agency's indicators grouped by bucket, in input order within each bucket."""

    met: tuple[IndicatorResult, ...] = ()
    above_75: tuple[IndicatorResult, ...] = ()
    above_50: tuple[IndicatorResult, ...] = ()
    low: tuple[IndicatorResult, ...] = ()
    year_end: tuple[IndicatorResult, ...] = ()
    not_started: tuple[IndicatorResult, ...] = ()

    def items(self, bucket: Bucket) -> tuple[IndicatorResult, ...]:
        return getattr(self, bucket.value)

    def counts(self) -> dict[Bucket, int]:
        return {bucket: len(self.items(bucket)) for bucket in Bucket}

    @property
    def total(self) -> int:
        return sum(self.counts().values())

    @property
    def partial(self) -> tuple[IndicatorResult, ...]:
        """Measured but not yet met (every bucket except MET, YEAR_END and NOT_STARTED)."""
        return self.above_75 + self.above_50 + self.low


def tally(
    items: Iterable[IndicatorFigure | IndicatorResult], *, style: PercentStyle = DEFAULT_STYLE
) -> Tally:
    """Group indicators into buckets.  Figures keep their percentage at ``style`` for display."""
    groups: dict[Bucket, list[IndicatorResult]] = {bucket: [] for bucket in Bucket}
    for item in items:
        bucket = bucket_of(item)
        if isinstance(item, IndicatorFigure):
            exact = _exact_achievement(item)
            item = IndicatorResult(item.label, None if exact is None else style.round(exact), item.year_end)
        groups[bucket].append(item)
    return Tally(**{bucket.value: tuple(found) for bucket, found in groups.items()})


class TallyError(ValueError):
    """A tally that does not add up or cannot be built; ``message`` is shown to the user."""

    def __init__(self, message, *, declared: int | None = None, counted: int | None = None):
        super().__init__(message)
        self.message = message
        self.declared = declared
        self.counted = counted


def validate_tally(declared_total: int, buckets: Tally | Mapping[Bucket, int]) -> None:
    """Refuse a tally whose buckets do not add up to the agency's declared number of indicators."""
    counts = buckets.counts() if isinstance(buckets, Tally) else dict(buckets)
    if any(n < 0 for n in counts.values()):
        raise TallyError(_l("Số chỉ tiêu trong mỗi nhóm không được âm."))
    counted = sum(counts.values())
    if counted != declared_total:
        raise TallyError(
            _l(
                "Các nhóm chỉ tiêu cộng lại được %(counted)s, không khớp với tổng số %(declared)s chỉ tiêu "
                "đã khai báo.",
                counted=counted,
                declared=declared_total,
            ),
            declared=declared_total,
            counted=counted,
        )


class TallyTemplate(enum.StrEnum):
    """The three tally sentence shapes of 003 (AS-03), chosen per agency."""

    BUCKETS = "buckets"  # UB MTTQ (L91): every bucket counted
    RANGE = "range"  # Liên đoàn Lao động (L95): the not-yet-met ones as a min-max range
    NAMED_LOW = "named_low"  # Hội Chữ thập đỏ (L116): met out of total, low ones named


def _join_clauses(clauses: Sequence[tuple[str, str | None]]) -> str:
    """Join (separator, clause) pairs, skipping empty clauses; the first separator is dropped."""
    present = [(sep, text) for sep, text in clauses if text]
    return "".join(text if i == 0 else sep + text for i, (sep, text) in enumerate(present))


def _listing(names: Sequence[str]) -> str:
    """Natural list of names: a; a và b; a, b và c."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]


def _n(items: Sequence[IndicatorResult]) -> str | None:
    return count(len(items)) if items else None


def _met_clause(tally_: Tally, *, out_of_total: bool) -> str:
    if not tally_.met:
        return "Chưa có chỉ tiêu đạt và vượt"
    figure = ratio(len(tally_.met), tally_.total) if out_of_total else count(len(tally_.met))
    return f"Thực hiện đạt và vượt {figure} chỉ tiêu"


def _range_clause(items: Sequence[IndicatorResult], style: PercentStyle) -> str | None:
    if not items:
        return None
    values = [item.percent for item in items]
    if any(v is None for v in values):
        raise TallyError(_l("Có chỉ tiêu chưa có tỷ lệ đạt nên không ghi được khoảng tỷ lệ."))
    low, high = style.digits(min(values)), style.digits(max(values))
    span = f"{low}%" if low == high else f"từ {low}-{high}%"
    return f"{count(len(items))} chỉ tiêu đạt {span}"


def _not_started(t: Tally) -> str | None:
    return _n(t.not_started) and f"{_n(t.not_started)} chỉ tiêu chưa đến thời gian thực hiện"


def _buckets_line(t: Tally) -> str:
    return _join_clauses(
        [
            ("", _met_clause(t, out_of_total=False)),
            (", ", _n(t.above_75) and f"{_n(t.above_75)} chỉ tiêu đạt trên 75%"),
            ("; ", _n(t.above_50) and f"{_n(t.above_50)} chỉ tiêu đạt trên 50%"),
            ("; ", _n(t.low) and f"{_n(t.low)} chỉ tiêu đạt thấp"),
            ("; ", _n(t.year_end) and f"{_n(t.year_end)} chỉ tiêu sẽ thực hiện vào cuối năm"),
            ("; ", _not_started(t)),
        ]
    )


def _range_line(t: Tally, style: PercentStyle) -> str:
    return _join_clauses(
        [
            ("", _met_clause(t, out_of_total=False)),
            ("; ", _range_clause(t.partial, style)),
            (" và ", _n(t.year_end) and f"{_n(t.year_end)} chỉ tiêu xét vào cuối năm"),
            ("; ", _not_started(t)),
        ]
    )


def _named_low_line(t: Tally) -> str:
    low = _listing([item.name for item in t.low]) if t.low else ""
    return _join_clauses(
        [
            ("", _met_clause(t, out_of_total=True)),
            (", ", _n(t.above_75) and f"{_n(t.above_75)} chỉ tiêu đạt trên 75%"),
            (", ", _n(t.above_50) and f"{_n(t.above_50)} chỉ tiêu đạt trên 50%"),
            (", ", _n(t.low) and f"{_n(t.low)} chỉ tiêu đạt thấp là {low}"),
            (", ", _n(t.year_end) and f"còn {_n(t.year_end)} chỉ tiêu xét vào cuối năm"),
            (", ", _not_started(t)),
        ]
    )


def tally_line(
    buckets: Tally, template: TallyTemplate = TallyTemplate.BUCKETS, *, style: PercentStyle = DEFAULT_STYLE
) -> str:
    """The one-sentence summary closing an agency's block (AS-03).

    Every template mentions every non-empty bucket, so the sentence always accounts for all
    indicators; empty buckets are left out rather than printed as "00 chỉ tiêu".
    """
    if buckets.total == 0:
        raise TallyError(_l("Chưa có chỉ tiêu nào để tổng hợp."))
    if template is TallyTemplate.RANGE:
        return _range_line(buckets, style) + "."
    if template is TallyTemplate.NAMED_LOW:
        return _named_low_line(buckets) + "."
    return _buckets_line(buckets) + "."


# --------------------------------------------------------------------------------------------
# Rating footnotes (AS-04 nested, AS-05 disjoint)
# --------------------------------------------------------------------------------------------


class RatingLevel(enum.StrEnum):
    """The four rating levels (mức xếp loại), best first."""

    EXCELLENT = "htxs"  # Hoàn thành xuất sắc nhiệm vụ
    GOOD = "htt"  # Hoàn thành tốt nhiệm vụ
    COMPLETED = "ht"  # Hoàn thành nhiệm vụ
    NOT_COMPLETED = "kht"  # Không hoàn thành nhiệm vụ

    @property
    def stem(self) -> str:
        """The level without "nhiệm vụ", lower case, for running text."""
        return _LEVEL_STEMS[self]

    @property
    def title(self) -> str:
        """The level as quoted in reports: “Hoàn thành tốt nhiệm vụ”."""
        return (self.stem[0].upper() + self.stem[1:]) + " nhiệm vụ"


_LEVEL_STEMS = {
    RatingLevel.EXCELLENT: "hoàn thành xuất sắc",
    RatingLevel.GOOD: "hoàn thành tốt",
    RatingLevel.COMPLETED: "hoàn thành",
    RatingLevel.NOT_COMPLETED: "không hoàn thành",
}


@dataclass(frozen=True)
class RatingCounts:
    """Disjoint counts per level: ``good`` does *not* include the excellent ones."""

    excellent: int
    good: int
    completed: int
    not_completed: int = 0

    def __post_init__(self) -> None:
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in self.as_dict().values()):
            raise ValueError(_l("Số lượng xếp loại phải là số nguyên không âm."))

    def as_dict(self) -> dict[RatingLevel, int]:
        return {
            RatingLevel.EXCELLENT: self.excellent,
            RatingLevel.GOOD: self.good,
            RatingLevel.COMPLETED: self.completed,
            RatingLevel.NOT_COMPLETED: self.not_completed,
        }

    @property
    def total(self) -> int:
        return self.excellent + self.good + self.completed + self.not_completed

    @property
    def good_or_better(self) -> int:
        """Hoàn thành tốt nhiệm vụ trở lên: what the nested presentation calls "hoàn thành tốt"."""
        return self.excellent + self.good


@dataclass(frozen=True)
class RatedGroup:
    """A rated population and the words used for it.

    ``noun`` is the default ("chi bộ"); the seeds vary it per clause, so the nested presentation
    can override it for the good-or-better group ("đảng bộ, chi bộ cơ sở"), the excellent subgroup
    ("tổ chức cơ sở Đảng") and the other levels.  ``heading`` opens the disjoint presentation
    *including* its punctuation ("Xếp loại tổ chức đảng cơ sở:"); ``verb`` precedes the level there.
    """

    counts: RatingCounts
    noun: str
    good_noun: str | None = None
    excellent_noun: str | None = None
    completed_noun: str | None = None
    not_completed_noun: str | None = None
    heading: str = ""
    verb: str = "được xếp loại"

    def noun_for(self, level: RatingLevel) -> str:
        overrides = {
            RatingLevel.EXCELLENT: self.excellent_noun,
            RatingLevel.GOOD: self.good_noun,
            RatingLevel.COMPLETED: self.completed_noun,
            RatingLevel.NOT_COMPLETED: self.not_completed_noun,
        }
        return overrides[level] or self.noun


def _require_population(group: RatedGroup) -> int:
    if group.counts.total == 0:
        raise ValueError(_l("Chưa có số liệu xếp loại cho “%(noun)s”.", noun=group.noun))
    return group.counts.total


def _series(clauses: Sequence[str]) -> str:
    """List rating clauses the seeds' way: A; A và B; A; B và C."""
    if len(clauses) == 1:
        return clauses[0]
    return "; ".join(clauses[:-1]) + " và " + clauses[-1]


def _nested_sentence(group: RatedGroup, style: PercentStyle) -> str:
    total = _require_population(group)
    counts = group.counts
    clauses = []
    good = counts.good_or_better
    if good:
        clause = f"{count(good)} {group.noun_for(RatingLevel.GOOD)} hoàn thành tốt nhiệm vụ, chiếm {style.format(good, total)}"
        if counts.excellent:
            # Nested: the excellent share is of the good-or-better group (10/56), not of the total.
            clause += (
                f" ({count(counts.excellent)} {group.noun_for(RatingLevel.EXCELLENT)} hoàn thành xuất sắc, "
                f"chiếm {style.format(counts.excellent, good)})"
            )
        clauses.append(clause)
    for level in (RatingLevel.COMPLETED, RatingLevel.NOT_COMPLETED):
        n = counts.as_dict()[level]
        if n:
            clauses.append(
                f"{count(n)} {group.noun_for(level)} {level.stem} nhiệm vụ, chiếm {style.format(n, total)}"
            )
    return f"Có {_series(clauses)}."


def nested_rating_footnote(groups: Sequence[RatedGroup], *, style: PercentStyle = DEFAULT_STYLE) -> str:
    """Nested presentation (000, 003 fn4–5): "hoàn thành tốt" includes the excellent ones.

    One sentence per group, joined by a space; empty levels are left out.
    """
    return " ".join(_nested_sentence(group, style) for group in groups)


def _or_list(stems: Sequence[str]) -> str:
    """Alternatives: "hoàn thành hoặc không hoàn thành"."""
    return stems[0] if len(stems) == 1 else ", ".join(stems[:-1]) + " hoặc " + stems[-1]


def _disjoint_sentence(group: RatedGroup, style: PercentStyle) -> str:
    total = _require_population(group)
    clauses = []
    empty = []
    for level, n in group.counts.as_dict().items():
        if n:
            clauses.append(
                f"{ratio(n, total)} {group.noun_for(level)} {group.verb} “{level.title}”, bằng {style.format(n, total)}"
            )
        else:
            empty.append(level.stem)
    if empty:
        # Empty levels are stated in words (004 fn1), not silently dropped.
        clauses.append(f"không có {group.noun} xếp loại {_or_list(empty)} nhiệm vụ")
    return _join_words(group.heading, "; ".join(clauses) + ".")


def disjoint_rating_footnote(groups: Sequence[RatedGroup], *, style: PercentStyle = DEFAULT_STYLE) -> str:
    """Disjoint presentation (004 fn1): each level's own share of the total, empty levels in words.

    One sentence per group (prefixed by its heading), joined by a space.
    """
    return " ".join(_disjoint_sentence(group, style) for group in groups)
