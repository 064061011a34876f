"""Vietnamese due phrases (thời hạn): a deadline in words becomes a date and a kind.

Conclusion notices state deadlines in words ("trong quý II/2024", "trong tháng
6/2024", "xét vào cuối năm").  :func:`resolve_due_phrase` turns one such phrase
into a :class:`DueResolution`; :func:`find_due_phrases` finds them inside a task
sentence.  Both are pure: the only notion of "now" is the optional
``reference_date`` (normally the date the task was created), used to supply a
missing year.

Resolution rules (domain.md §3.4, §6; all matching ignores case, accent
placement "quý"/"quí" and "hàng"/"hằng")
------------------------------------------------------------------------------

=========================================  ======================  ===========
Phrase                                     Due date                kind
=========================================  ======================  ===========
"trong quý II/2024", "quý 2/2024",         last day of the         one_off
"quí II năm 2024", "đến hết quý II/2024"   quarter: 30/6/2024
"trong tháng 6/2024", "tháng 02/2024"      last day of the month   one_off
                                           (29/02 in leap years)
"6 tháng đầu năm 2024" (N tháng đầu năm)   end of month N          one_off
"6 tháng cuối năm 2024" (N tháng cuối …)   31/12                   one_off
"trong năm 2024", "năm 2024"               31/12/2024              one_off
"cuối năm 2024", "cuối quý II/2024",       end of the period       one_off
"cuối tháng 6/2024"
"đầu tháng 10/2024" / "giữa tháng …"       day 10 / day 20         one_off, approximate
"đầu quý III/2024" / "giữa quý …"          end of the quarter's    one_off, approximate
                                           1st / 2nd month
"đầu năm 2024" / "giữa năm 2024"           31/3 / 30/6             one_off, approximate
"xét vào cuối năm 2024", "vào cuối năm"    31/12 (year from the    year_end
                                           reference date if
                                           omitted)
"15/7/2024", "ngày 15/7/2024",             that day                one_off
"đến ngày 15/7/2024", "hạn 15/7/2024",
"ngày 15 tháng 7 năm 2024"
"trước ngày 15/7/2024"                     14/7/2024 (see below)   one_off
"(20/10)", "dịp 27/7", "(đợt 02/9)"        that day in the         one_off
                                           reference date's year
"(28/7/1929 - 28/7/2024)"                  the second date         one_off
"thường xuyên", "Tiếp tục …", "Duy trì …"  none                    continuous
"hàng tuần"                                none                    recurring, weekly
"hàng tháng", "hằng tháng", "01 lần/tháng" none                    recurring, monthly
"hàng quý", "01 lần/quý", "mỗi quý"        none                    recurring, quarterly
"hằng năm", "hàng năm"                     none                    recurring, yearly
"ngay sau khi kết thúc đại hội",           none                    event
"sau khi …", "trước khi …"
=========================================  ======================  ===========

Decisions:

- **"trước" (before) is exclusive.**  "trước ngày 15/7/2024" means the work must
  be done *before* 15 July begins, so the stored due date is 14/7/2024.  The
  same holds for periods: "trước quý III/2024" is due 30/6/2024, "trước tháng
  10/2024" is due 30/9/2024.  "đến", "đến hết", "trong", "hạn", "chậm nhất" are
  inclusive (due on the named day or the last day of the named period).
- **Vague edges** ("đầu", "giữa") resolve to the end of the first / second third
  of a month (thượng tuần ends on the 10th, trung tuần on the 20th), and to the
  end of the first / second month of a quarter; for a year "đầu năm" is the end
  of Q1 and "giữa năm" the end of the first half.  They are flagged
  ``approximate=True`` so the assigner can confirm a real date.  "cuối" (end) is
  the last day of the period and is not approximate.
- **"xét vào cuối năm" vs "cuối năm".**  Only "vào cuối năm" / "xét (vào) cuối
  năm" are ``year_end`` (evaluated at year end, kept out of quarterly overdue
  lists); "cuối năm 2024" and "đến cuối năm 2024" are ordinary one-off deadlines.
- **Missing year** is taken from ``reference_date``; without one the phrase is
  rejected.  Dated anniversaries without a year ("(20/10)") always need it.
- **Recurring and continuous** phrases have no single due date
  (``due_date=None``); :func:`cycle_end` gives the end of the current cycle.
- A phrase holding several expressions resolves to the most specific one: a
  dated expression beats a recurrence, which beats an event, which beats
  "continuous"; among equals the leftmost, then the longest, wins.
- Dates that belong to a document reference ("Kế hoạch số 175-KH/HU ngày
  29/3/2024") and expressions right after "từ", "kể từ" or "sau" (a start, not a
  deadline) are never taken as due phrases.

Free text (:func:`find_due_phrases`) is stricter than a due-date field: a date,
quarter, month, N-month or year expression counts only when a deadline word
precedes it ("trong", "đến", "đến hết", "hết", "trước", "hạn", "chậm nhất",
"vào", "xong trong").  Otherwise "làm việc định kỳ quý II/2024" or "Chương trình
công tác năm 2024" would be read as deadlines.  Edges ("đầu tháng", "cuối năm";
but not "đầu năm", usually "từ đầu năm"), anniversaries, recurrences, events and
continuous markers stand on their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from app.core.periods import PeriodPhraseError, month_end, quarter_bounds
from app.core.text import fold_tone_marks, normalize

ONE_OFF, RECURRING, CONTINUOUS, YEAR_END, EVENT = "one_off", "recurring", "continuous", "year_end", "event"
KINDS = (ONE_OFF, RECURRING, CONTINUOUS, YEAR_END, EVENT)
RECURRENCES = ("weekly", "monthly", "quarterly", "yearly")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


@dataclass(frozen=True)
class DueResolution:
    """What a due phrase means.

    ``kind`` is one of :data:`KINDS`: ``year_end`` items (xét vào cuối năm) are
    judged at year end and must never appear in quarterly overdue lists;
    ``event`` items have no date until the event is scheduled.
    """

    phrase: str
    due_date: date | None
    kind: str
    approximate: bool = False
    recurrence: str | None = None


@dataclass(frozen=True)
class DueMatch:
    """A due phrase found in free text; offsets index the normalised text."""

    start: int
    end: int
    phrase: str
    resolution: DueResolution


# --------------------------------------------------------------------------- matching

# Deadline words allowed in front of a period or a date.  "vào cuối năm" also
# matches here, but the year-end rule comes first in _RULES and wins the tie.
_CUE = (
    r"(?:\b(?P<cue>trong|đến\s+hết|đến|hết|trước|xong\s+trong|chậm\s+nhất(?:\s+là)?(?:\s+(?:trong|vào))?"
    r"|hạn(?:\s+chót)?\s*:?|vào)\s+)?"
)
_YEAR_SUFFIX = r"(?:\s*/\s*(?P<y1>\d{4})|\s+năm\s+(?P<y2>\d{4}))?(?![\w/])"
_NUM = r"(?<![\d/.,])"  # a number that is not the tail of a ratio, decimal or date
_QUY = r"qu[ýí]"

_REFERENCE_TAIL = re.compile(
    # "…175-KH/HU ", "…154- KH/HU, ", "…10/2012/QĐ-UBND " right before a date
    r"(?:\d[\d.…]*\s?-?\s?[a-zđ]+/[a-zđ0-9]+(?:-[a-zđ0-9]+)*|\d+(?:/\d{4})?/[a-zđ]+(?:-[a-zđ0-9]+)*)\s*,?\s*$"
)
_START_MARKER = re.compile(r"(?:\btừ|\bsau)\s+$")


@dataclass(frozen=True)
class _Due:
    due_date: date | None
    kind: str
    approximate: bool = False
    recurrence: str | None = None


_Builder = Callable[[re.Match[str], "date | None", str], _Due]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    build: _Builder
    rank: int  # lower wins when one phrase holds several expressions
    stands_alone: bool  # accepted in free text without a deadline word
    alone_edges: frozenset[str] = frozenset()  # edges that make the expression a deadline by themselves


def _match_key(text: str) -> str:
    """Lower-cased, tone-folded copy of normalised *text* with identical offsets."""
    folded = fold_tone_marks(text)
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in folded)


def _year(match: re.Match[str], reference_date: date | None, phrase: str, *names: str) -> int:
    for name in names or ("y1", "y2"):
        if match.group(name):
            return int(match.group(name))
    if reference_date is None:
        raise PeriodPhraseError(
            f"Thời hạn “{phrase}” thiếu năm và không có ngày tham chiếu để suy ra năm.", phrase
        )
    return reference_date.year


def _make_date(year: int, month: int, day: int, phrase: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise PeriodPhraseError(f"Ngày {day:02d}/{month:02d}/{year} không tồn tại.", phrase) from None


def _check_month(month: int, phrase: str) -> None:
    if not 1 <= month <= 12:
        raise PeriodPhraseError(f"Tháng {month} không hợp lệ: tháng phải từ 1 đến 12.", phrase)


def _before(match: re.Match[str]) -> bool:
    return (match.groupdict().get("cue") or "").startswith("trước")


def _apply_cue(match: re.Match[str], start: date, due: date, approximate: bool) -> _Due:
    """ "trước X" is due the day before X (its start, or its edge day when one is named)."""
    if _before(match):
        anchor = due if match.groupdict().get("edge") else start
        return _Due(anchor - timedelta(days=1), ONE_OFF, approximate)
    return _Due(due, ONE_OFF, approximate)


def _edge_due(edge: str | None, start: date, end: date, unit: str) -> tuple[date, bool]:
    """Due date for "đầu/giữa/cuối" of a month, quarter or year (see module docstring)."""
    if edge in (None, "cuối"):
        return end, False
    second = edge == "giữa"
    if unit == "month":
        return start.replace(day=20 if second else 10), True
    if unit == "quarter":
        return month_end(start.year, start.month + (1 if second else 0)), True
    return date(start.year, 6 if second else 3, 30 if second else 31), True


def _build_quarter(match: re.Match[str], ref: date | None, phrase: str) -> _Due:
    token = match.group("q")
    quarter = int(token) if token.isdigit() else _ROMAN.get(token, 0)
    if quarter not in _ROMAN.values():
        raise PeriodPhraseError(f"Quý “{token.upper()}” không hợp lệ: chỉ có quý I đến quý IV.", phrase)
    start, end = quarter_bounds(_year(match, ref, phrase), quarter)
    due, approximate = _edge_due(match.group("edge"), start, end, "quarter")
    return _apply_cue(match, start, due, approximate)


def _build_month(match: re.Match[str], ref: date | None, phrase: str) -> _Due:
    month = int(match.group("m"))
    _check_month(month, phrase)
    year = _year(match, ref, phrase)
    start, end = date(year, month, 1), month_end(year, month)
    due, approximate = _edge_due(match.group("edge"), start, end, "month")
    return _apply_cue(match, start, due, approximate)


def _build_months_of_year(match: re.Match[str], ref: date | None, phrase: str) -> _Due:
    count = int(match.group("n"))
    if not 1 <= count <= 12:
        raise PeriodPhraseError(f"Số tháng {count} không hợp lệ: phải từ 1 đến 12.", phrase)
    year = _year(match, ref, phrase, "y")
    if match.group("side") == "đầu":
        return _apply_cue(match, date(year, 1, 1), month_end(year, count), False)
    return _apply_cue(match, date(year, 13 - count, 1), date(year, 12, 31), False)


def _build_year(match: re.Match[str], ref: date | None, phrase: str) -> _Due:
    year = _year(match, ref, phrase)
    start, end = date(year, 1, 1), date(year, 12, 31)
    due, approximate = _edge_due(match.group("edge"), start, end, "year")
    return _apply_cue(match, start, due, approximate)


def _build_year_end(match: re.Match[str], ref: date | None, phrase: str) -> _Due:
    return _Due(date(_year(match, ref, phrase, "y"), 12, 31), YEAR_END)


def _build_full_date(match: re.Match[str], ref: date | None, phrase: str) -> _Due:
    groups = match.groupdict()
    day, month, year = (int(groups.get(g) or groups[g + "2"]) for g in ("d", "m", "y"))
    _check_month(month, phrase)
    due = _make_date(year, month, day, phrase)
    return _Due(due - timedelta(days=1) if _before(match) else due, ONE_OFF)


def _build_day_month(match: re.Match[str], ref: date | None, phrase: str) -> _Due:
    day, month = int(match.group("d")), int(match.group("m"))
    _check_month(month, phrase)
    if not match.group("y") and ref is None:
        raise PeriodPhraseError(
            f"Thời hạn “{phrase}” không ghi năm; cần ngày tham chiếu để xác định năm.", phrase
        )
    due = _make_date(_year(match, ref, phrase, "y"), month, day, phrase)
    return _Due(due - timedelta(days=1) if _before(match) else due, ONE_OFF)


_RECURRENCE_UNITS = {
    "tuần": "weekly",
    "tháng": "monthly",
    "quý": "quarterly",
    "quí": "quarterly",
    "năm": "yearly",
}


def _build_recurring(match: re.Match[str], ref: date | None, phrase: str) -> _Due:
    unit = next(g for g in match.groups() if g in _RECURRENCE_UNITS)
    return _Due(None, RECURRING, recurrence=_RECURRENCE_UNITS[unit])


def _build_continuous(match: re.Match[str], ref: date | None, phrase: str) -> _Due:
    return _Due(None, CONTINUOUS)


def _build_event(match: re.Match[str], ref: date | None, phrase: str) -> _Due:
    return _Due(None, EVENT)


def _rule(pattern: str, build: _Builder, rank: int, stands_alone: bool, alone_edges: str = "") -> _Rule:
    return _Rule(re.compile(pattern), build, rank, stands_alone, frozenset(alone_edges.split()))


_EDGES = "đầu giữa cuối"


_UNIT = rf"(tuần|tháng|{_QUY}|năm)"
_DMY = rf"{_NUM}(?P<d>\d{{1,2}})\s*/\s*(?P<m>\d{{1,2}})\s*/\s*(?P<y>\d{{4}})(?!\d)"
_LONG_DMY = r"ngày\s+(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})\s+năm\s+(?P<y2>\d{4})(?!\d)"
_DM = rf"{_NUM}(?P<d>\d{{1,2}})\s*/\s*(?P<m>\d{{1,2}})(?:\s*/\s*(?P<y>\d{{4}}))?(?!\s*/?\s*\d)"

_RULES: tuple[_Rule, ...] = (
    _rule(r"\b(?:xét\s+(?:vào\s+)?|vào\s+)cuối\s+năm(?:\s+(?P<y>\d{4}))?(?![\w/])", _build_year_end, 0, True),
    _rule(
        rf"{_CUE}\b(?:(?P<edge>đầu|giữa|cuối)\s+)?{_QUY}\s+(?P<q>[ivxl]+|\d+){_YEAR_SUFFIX}",
        _build_quarter,
        0,
        False,
        _EDGES,
    ),
    _rule(
        rf"{_CUE}\b(?:(?P<edge>đầu|giữa|cuối)\s+)?tháng\s+{_NUM}(?P<m>\d{{1,2}}){_YEAR_SUFFIX}",
        _build_month,
        0,
        False,
        _EDGES,
    ),
    _rule(
        rf"{_CUE}{_NUM}\b(?P<n>\d{{1,2}})\s+tháng\s+(?P<side>đầu|cuối)\s+năm(?:\s+(?P<y>\d{{4}}))?(?![\w/])",
        _build_months_of_year,
        0,
        False,
    ),
    _rule(
        rf"{_CUE}\b(?:(?P<edge>đầu|giữa|cuối)\s+năm(?:\s+(?P<y1>\d{{4}}))?|năm\s+(?P<y2>\d{{4}}))(?![\w/])",
        _build_year,
        0,
        False,
        "cuối",  # "đầu năm" in running text is nearly always "từ đầu năm" (since January)
    ),
    _rule(
        rf"\(?\s*{_NUM}\d{{1,2}}\s*/\s*\d{{1,2}}\s*/\s*\d{{4}}\s*[-–]\s*{_DMY}\s*\)?",
        _build_full_date,
        0,
        True,
    ),
    _rule(rf"{_CUE}(?:(?:ngày\s*)?{_DMY}|{_LONG_DMY})", _build_full_date, 0, False),
    _rule(rf"\(\s*(?:(?:đợt|dịp|ngày)\s+)?{_DM}\s*\)", _build_day_month, 0, True),
    _rule(rf"\b(?:nhân\s+)?(?:dịp|đợt)\s+(?:kỷ\s+niệm\s+)?(?:ngày\s+)?{_DM}", _build_day_month, 0, True),
    _rule(rf"{_CUE}(?:ngày\s*)?{_DM}", _build_day_month, 0, False),
    _rule(
        rf"\b(?:định\s+kỳ\s+)?(?:h[àằ]ng|mỗi)\s+{_UNIT}\b(?:\s+(?:một|0?1)\s+lần)?", _build_recurring, 1, True
    ),
    _rule(rf"(?<!\d)(?:0?1|một)\s+lần\s*/\s*{_UNIT}\b", _build_recurring, 1, True),
    _rule(
        r"\b(?:ngay\s+)?(?:(?:sau|trước)\s+khi|sau\s+(?:đại\s+hội|hội\s+nghị|kỳ\s+họp))\b[^,.;:()\n]*",
        _build_event,
        2,
        True,
    ),
    _rule(r"\b(?:thường\s+xuyên|tiếp\s+tục|duy\s+trì|liên\s+tục)\b", _build_continuous, 3, True),
)


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    order: int  # rule position: the final tie-break, so results never depend on sort stability
    rule: _Rule
    match: re.Match[str]

    @property
    def cued(self) -> bool:
        groups = self.match.groupdict()
        return (
            self.rule.stands_alone or bool(groups.get("cue")) or groups.get("edge") in self.rule.alone_edges
        )

    def sort_key(self, *, rank_first: bool) -> tuple[int, ...]:
        position = (self.start, self.start - self.end)
        return (
            (self.rule.rank, *position, self.order) if rank_first else (*position, self.rule.rank, self.order)
        )


def _candidates(key: str) -> list[_Candidate]:
    found = []
    for order, rule in enumerate(_RULES):
        for match in rule.pattern.finditer(key):
            start, end = match.start(), len(key[: match.end()].rstrip())
            if end > start and not _is_excluded(key, start):
                found.append(_Candidate(start, end, order, rule, match))
    return found


def _is_excluded(key: str, start: int) -> bool:
    """A date that belongs to a document reference, or a start ("từ …") rather than a deadline."""
    before = key[max(0, start - 60) : start]
    return bool(_REFERENCE_TAIL.search(before) or _START_MARKER.search(before))


def _resolve(candidate: _Candidate, phrase: str, reference_date: date | None) -> DueResolution:
    due = candidate.rule.build(candidate.match, reference_date, phrase)
    return DueResolution(phrase, due.due_date, due.kind, due.approximate, due.recurrence)


def resolve_due_phrase(phrase: str, *, reference_date: date | None = None) -> DueResolution:
    """Resolve one due phrase as typed into a deadline field or imported from a notice.

    Raises :class:`PeriodPhraseError` (Vietnamese message) when the phrase is
    empty, unrecognised, or names an impossible period or date.
    """
    text = normalize(phrase or "").strip()
    if not text:
        raise PeriodPhraseError("Chưa nhập thời hạn.", text)
    candidates = _candidates(_match_key(text))
    if not candidates:
        raise PeriodPhraseError(f"Không nhận dạng được thời hạn “{text}”.", text)
    best = min(candidates, key=lambda c: c.sort_key(rank_first=True))
    return _resolve(best, text, reference_date)


def _leftmost_longest(candidates: list[_Candidate]) -> list[_Candidate]:
    chosen: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: c.sort_key(rank_first=False)):
        if not chosen or candidate.start >= chosen[-1].end:
            chosen.append(candidate)
    return chosen


def find_due_phrases(text: str, *, reference_date: date | None = None) -> list[DueMatch]:
    """Due phrases in a free-text task sentence, in order of appearance.

    Overlaps are settled leftmost-longest *before* the deadline-word filter, so a
    period label such as "6 tháng cuối năm 2024" is not half-read as "cuối năm
    2024".  Expressions that fail to resolve (e.g. "(20/10)" with no reference
    date) are skipped.
    """
    normalised = normalize(text or "")
    found: list[DueMatch] = []
    for candidate in _leftmost_longest(_candidates(_match_key(normalised))):
        if not candidate.cued:
            continue
        phrase = normalised[candidate.start : candidate.end]
        try:
            resolution = _resolve(candidate, phrase, reference_date)
        except PeriodPhraseError:
            continue
        found.append(DueMatch(candidate.start, candidate.end, phrase, resolution))
    return found
