"""Directive references (trích dẫn văn bản) in free text, and the system's own symbols.

Two parsers live here:

- :func:`parse_references` / :func:`parse_reference_at` read references as they
  are written in reports ("Kế hoạch số 154- KH/HU, ngày 5/6/2024",
  "Quyết định số 10/2012/QĐ-UBND") with the DOC_REF pattern of domain.md §2.4,
  verified on all five seed files (347 references).  They are tolerant: they keep
  what was written and attach *flags* instead of rejecting; see
  :func:`validate_reference` for the Vietnamese reason behind each flag.
- :func:`parse_symbol` / :func:`format_symbol` are strict and only accept the
  canonical symbol the system issues itself ("12-TB/HU", numbers 1–9 as 01–09).

:meth:`Reference.key` links mentions of one document (AS-08): it ignores the
type word, the date, spacing and zero padding, so "154- KH/HU, ngày 5/6/2024",
"154-KH/HU, ngày 05/6/2024" and an undated "154-KH/HU" share one key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from app.core.text import normalize, search_key

__all__ = [
    "DOC_REF",
    "DOC_TYPES",
    "FLAGS",
    "PARTY_CODES",
    "Reference",
    "Symbol",
    "SymbolError",
    "format_symbol",
    "merge_references",
    "parse_reference_at",
    "parse_references",
    "parse_symbol",
    "validate_reference",
]

#: Document type codes (ký hiệu loại văn bản) and their Vietnamese names.
#: "Quy định" is coded QĐi in newer documents but often QĐ (domain.md §2.1).
DOC_TYPES: dict[str, str] = {
    "NQ": "Nghị quyết",
    "CT": "Chỉ thị",
    "KL": "Kết luận",
    "TB": "Thông báo",
    "KH": "Kế hoạch",
    "CTr": "Chương trình",
    "QĐ": "Quyết định",
    "QĐi": "Quy định",
    "HD": "Hướng dẫn",
    "ĐA": "Đề án",
    "CV": "Công văn",
    "BC": "Báo cáo",
    "QC": "Quy chế",
    "TTr": "Tờ trình",
    "NĐ": "Nghị định",
}
#: Codes a Party body may issue (Nghị định is a government decree).
PARTY_CODES = tuple(code for code in DOC_TYPES if code != "NĐ")

FLAGS = (
    "redacted-number",
    "multi-number",
    "incomplete-date",
    "invalid-date",
    "type-code-mismatch",
    "missing-issuer",
)

# Verbatim from domain.md §2.4 (verified against the corpus); keep in sync with it.
DOC_REF = re.compile(
    r"""
(?P<type>
   (?i:n)ghị\ quyết | (?i:c)hỉ\ thị | (?i:k)ết\ luận | (?i:k)ế\ luận        # "Kế luận" is a typo seen in 002
 | (?i:t)hông\ báo(?:\ kết\ luận)? | (?i:k)ế\ hoạch
 | (?i:c)hương\ trình(?:\ hành\ động)? | (?i:q)uyết\ định | (?i:q)uy\ định
 | (?i:h)ướng\ dẫn | (?i:đ)ề\ án | (?i:c)ông\ văn | (?i:b)áo\ cáo
 | (?i:q)uy\ chế | (?i:t)ờ\ trình | (?i:n)ghị\ định )
(?:\ số)?\                                     # "số" is optional
(?:
   # Party style <num>-<CODE>/<ISSUER>: 26-NQ/TW, 154- KH/HU, 20KH/HU, 1.../KL/TW, 217, 218-QĐ/TW
   (?P<p_num>(?:\d[\d.…]*|[.…]+\d[\d.…]*|[.…]+)(?:,\ \d+)*)\ ?[-/]?\ ?
   (?P<p_code>NQ|CT|KL|TB|KH|CTr|QĐi|QĐ|HD|ĐA|CV|BC|QC|TTr)
   /(?P<p_issuer>[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ]+)*)
 |
   # State style <num>[/<year>]/<CODE>[-<ISSUER>]: 1232/NQ-UBTVQH15, 10/2012/QĐ-UBND, 239/KH-MTTQ-BTT
   (?P<s_num>\d+)(?:/(?P<s_year>\d{4}))?/(?P<s_code>NQ|CT|QĐ|NĐ|KH)
   (?:-(?P<s_issuer>[A-ZĐa-z0-9]+(?:-[A-ZĐa-z0-9]+)*))?
)
(?:,?\ ?(?:ngày\ ?)?                            # " ngày ", ", ngày ", "ngày08/..", or bare ", 06/12/2024"
   (?P<day>\d{1,2}|[.…]+)/(?P<month>\d{1,2}|[.…]+)/
   (?P<year>\d{4}(?!\d)|\d{5}|\d{1,3}[.…]+|\d{3}(?!\d)|[.…]+)
)?
""",
    re.X,
)

# Type word (search key) -> codes it may carry.  Quy định is QĐi or, in older
# and provincial documents, QĐ; "Thông báo kết luận" is a Thông báo (TB).
_TYPE_CODES: dict[str, tuple[str, ...]] = {
    "nghị quyết": ("NQ",),
    "chỉ thị": ("CT",),
    "kết luận": ("KL",),
    "kế luận": ("KL",),  # typo attested in 002
    "thông báo": ("TB",),
    "thông báo kết luận": ("TB",),
    "kế hoạch": ("KH",),
    "chương trình": ("CTr",),
    "chương trình hành động": ("CTr",),
    "quyết định": ("QĐ",),
    "quy định": ("QĐi", "QĐ"),
    "hướng dẫn": ("HD",),
    "đề án": ("ĐA",),
    "công văn": ("CV",),
    "báo cáo": ("BC",),
    "quy chế": ("QC",),
    "tờ trình": ("TTr",),
    "nghị định": ("NĐ",),
}
_TYPE_SPELLING_FIXES = {"kế luận": "Kết luận"}
_REDACTION = re.compile(r"[.…]")


@dataclass(frozen=True)
class Reference:
    """One mention of a document in text, as written, plus validation flags.

    ``number`` is kept as written ("09", "1...6", "217, 218"); ``year`` is the
    year inside a state-style number ("10/2012/QĐ-UBND"); ``raw_date`` is the date
    text as written and ``date`` is set only when it is complete and real.
    ``start``/``end`` index the normalised text.
    """

    match: str
    type: str
    number: str
    code: str
    issuer: str | None
    style: str  # "party" (26-NQ/TW) or "state" (130/NĐ-CP)
    year: str | None
    date: date | None
    raw_date: str | None
    flags: tuple[str, ...]
    start: int
    end: int

    def key(self) -> tuple[str, str, str | None]:
        """(code, number, issuer) identifying the document across mentions (AS-08).

        The number loses zero padding ("09" → "9") and "…" becomes "..."; the
        type word and the date are ignored, so an undated later mention links to
        the dated first one.  The code is taken as written, so a mis-coded
        "Công văn số 444-KH/HU" keys as a KH (it is flagged for a human instead).
        Redacted numbers ("1...") can collide; callers should not auto-merge
        references flagged ``redacted-number``.
        """
        return self.code, number_key(self.number), self.issuer

    def canonical(self) -> str:
        """Render as domain.md §2.7: "Kế hoạch số 154-KH/HU ngày 05/6/2024".

        Party numbers 1–9 are padded to two digits; the date is omitted when it is
        unknown, incomplete or invalid.
        """
        text = f"{_canonical_type(self.type)} số {self._canonical_symbol()}"
        return f"{text} ngày {format_reference_date(self.date)}" if self.date else text

    def _canonical_symbol(self) -> str:
        if self.style == "party":
            return f"{_pad_numbers(self.number)}-{self.code}/{self.issuer}"
        year = f"/{self.year}" if self.year else ""
        issuer = f"-{self.issuer}" if self.issuer else ""
        return f"{self.number}{year}/{self.code}{issuer}"


def format_reference_date(day: date) -> str:
    """d/m/yyyy as written in references: day padded, month padded only for 01 and 02."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


def number_key(number: str) -> str:
    parts = [part.strip() for part in number.replace("…", "...").split(",")]
    return ", ".join(str(int(part)) if part.isdigit() else part for part in parts)


def _pad_numbers(number: str) -> str:
    parts = [part.strip() for part in number.split(",")]
    return ", ".join(f"{int(part):02d}" if part.isdigit() else part for part in parts)


def _canonical_type(written: str) -> str:
    key = search_key(written)
    return _TYPE_SPELLING_FIXES.get(key, written[:1].upper() + written[1:])


# --------------------------------------------------------------------------- parsing


def _read_date(match: re.Match[str]) -> tuple[date | None, str | None, str | None]:
    """(date, raw_date, flag) from the optional date part of a DOC_REF match."""
    if match.group("day") is None:
        return None, None, None
    raw = match.string[match.start("day") : match.end("year")]
    parts = (match.group("day"), match.group("month"), match.group("year"))
    if any(_REDACTION.search(part) for part in parts) or len(parts[2]) < 4:
        return None, raw, "incomplete-date"
    if len(parts[2]) > 4:  # "82023": a typo, not a partial year
        return None, raw, "invalid-date"
    day, month, year = (int(part) for part in parts)
    try:
        return date(year, month, day), raw, None
    except ValueError:
        return None, raw, "invalid-date"


def _flags(
    type_word: str, number: str, code: str, issuer: str | None, date_flag: str | None
) -> tuple[str, ...]:
    raised = {
        "redacted-number": bool(_REDACTION.search(number)),
        "multi-number": "," in number,
        "incomplete-date": date_flag == "incomplete-date",
        "invalid-date": date_flag == "invalid-date",
        "type-code-mismatch": code not in _TYPE_CODES.get(search_key(type_word), (code,)),
        "missing-issuer": not issuer,
    }
    return tuple(flag for flag in FLAGS if raised[flag])


def _reference(match: re.Match[str]) -> Reference:
    style = "party" if match.group("p_code") else "state"
    prefix = "p_" if style == "party" else "s_"
    number, code, issuer = (match.group(prefix + part) for part in ("num", "code", "issuer"))
    when, raw_date, date_flag = _read_date(match)
    return Reference(
        match=match.group(0),
        type=match.group("type"),
        number=number,
        code=code,
        issuer=issuer,
        style=style,
        year=match.group("s_year"),
        date=when,
        raw_date=raw_date,
        flags=_flags(match.group("type"), number, code, issuer, date_flag),
        start=match.start(),
        end=match.end(),
    )


def parse_references(text: str) -> list[Reference]:
    """Every reference in *text*, in order; offsets index ``normalize(text)``."""
    return [_reference(match) for match in DOC_REF.finditer(normalize(text))]


def parse_reference_at(text: str, pos: int = 0) -> Reference | None:
    """The reference starting exactly at *pos* of ``normalize(text)``, or None."""
    match = DOC_REF.match(normalize(text), pos)
    return _reference(match) if match else None


_FLAG_REASONS = {
    "redacted-number": "Số văn bản bị che hoặc không đầy đủ (“{number}”).",
    "multi-number": "Trích dẫn gộp nhiều số văn bản (“{number}”); cần tách thành từng văn bản.",
    "incomplete-date": "Ngày ban hành không đầy đủ (“{raw_date}”).",
    "invalid-date": "Ngày ban hành không hợp lệ (“{raw_date}”).",
    "type-code-mismatch": "Loại văn bản “{type}” không khớp với ký hiệu “{code}” (ký hiệu đúng: {expected}).",
    "missing-issuer": "Thiếu ký hiệu cơ quan ban hành sau “{number}/{code}”.",
}


def validate_reference(ref: Reference) -> list[str]:
    """One Vietnamese reason per flag of *ref*; an empty list means it is clean."""
    expected = " hoặc ".join(_TYPE_CODES.get(search_key(ref.type), ()))
    fields = {"number": ref.number, "raw_date": ref.raw_date, "type": ref.type, "code": ref.code}
    return [_FLAG_REASONS[flag].format(expected=expected, **fields) for flag in ref.flags]


def merge_references(refs: Iterable[Reference]) -> list[Reference]:
    """One reference per :meth:`Reference.key`, first mention first (AS-08).

    A mention without a date takes the date of a later dated mention of the same
    document; the first complete date wins if the mentions disagree.
    """
    merged: dict[tuple[str, str, str | None], Reference] = {}
    for ref in refs:
        first = merged.setdefault(ref.key(), ref)
        if first.date is None and ref.date is not None:
            merged[ref.key()] = replace(first, date=ref.date, raw_date=ref.raw_date)
    return list(merged.values())


# --------------------------------------------------------------------------- own symbols


class SymbolError(ValueError):
    """A symbol that is not in the canonical "<nn>-<CODE>/<ISSUER>" form; Vietnamese message."""


@dataclass(frozen=True)
class Symbol:
    """Canonical number and symbol (số, ký hiệu) of a document the system issues."""

    number: int
    code: str
    issuer: str

    def __str__(self) -> str:
        return format_symbol(self.number, self.code, self.issuer)


_CODE_ALTERNATION = "|".join(sorted(PARTY_CODES, key=len, reverse=True))
_STRICT_SYMBOL = re.compile(
    rf"(?P<num>\d{{2,}})-(?P<code>{_CODE_ALTERNATION})/(?P<issuer>[A-ZĐ][A-ZĐa-z0-9]*)"
)
_LOOSE_SYMBOL = re.compile(r"(?P<num>\d*)(?P<dash>\s*-?\s*)(?P<code>[^/\s]*)/(?P<issuer>.*)")
_ISSUER = re.compile(r"[A-ZĐ][A-ZĐa-z0-9]*")


def parse_symbol(text: str) -> Symbol:
    """Parse a canonical symbol such as "12-TB/HU"; raise :class:`SymbolError` with the reason."""
    symbol = normalize(text or "").strip()
    match = _STRICT_SYMBOL.fullmatch(symbol)
    if match is None or _number_problem(match.group("num")):
        raise SymbolError(_symbol_problem(symbol))
    return Symbol(int(match.group("num")), match.group("code"), match.group("issuer"))


def _symbol_problem(symbol: str) -> str:
    """The first thing wrong with a non-canonical symbol, in Vietnamese."""
    loose = _LOOSE_SYMBOL.fullmatch(symbol)
    if not symbol or loose is None:
        return f"Ký hiệu văn bản “{symbol}” không đúng dạng số-LOẠI/CƠ QUAN (ví dụ 12-TB/HU)."
    number, code, issuer = loose.group("num"), loose.group("code"), loose.group("issuer")
    if not number:
        return f"Ký hiệu văn bản “{symbol}” thiếu số văn bản."
    if loose.group("dash") != "-":
        return f"Ký hiệu văn bản “{symbol}” phải có một dấu gạch nối, không có khoảng trắng, giữa số và loại văn bản."
    if code not in PARTY_CODES:
        return f"Loại văn bản “{code}” không hợp lệ; dùng một trong: {', '.join(PARTY_CODES)}."
    if not _ISSUER.fullmatch(issuer):
        return f"Cơ quan ban hành “{issuer}” không hợp lệ (chữ in hoa, ví dụ HU)."
    return _number_problem(number) or f"Ký hiệu văn bản “{symbol}” không hợp lệ."


def _number_problem(number: str) -> str | None:
    value = int(number)
    if value == 0:
        return "Số văn bản phải lớn hơn 0."
    if len(number) < 2:
        return f"Số văn bản từ 1 đến 9 phải viết hai chữ số (0{value})."
    if len(number) > 2 and number.startswith("0"):
        return f"Số văn bản “{number}” thừa chữ số 0 ở đầu (viết {value:02d})."
    return None


def format_symbol(number: int, code: str, issuer: str) -> str:
    """Canonical symbol: format_symbol(5, "TB", "HU") == "05-TB/HU"."""
    if number < 1:
        raise SymbolError("Số văn bản phải lớn hơn 0.")
    if code not in PARTY_CODES:
        raise SymbolError(f"Loại văn bản “{code}” không hợp lệ; dùng một trong: {', '.join(PARTY_CODES)}.")
    if not _ISSUER.fullmatch(issuer or ""):
        raise SymbolError(f"Cơ quan ban hành “{issuer}” không hợp lệ (chữ in hoa, ví dụ HU).")
    return f"{number:02d}-{code}/{issuer}"
