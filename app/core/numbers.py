"""Vietnamese number, money, date and period formatting and parsing (định dạng số kiểu Việt Nam).

Conventions (domain.md §4.6, AS-10): the decimal separator is a comma and the thousands separator a
dot ("43.140", "70,89%"); counts below 10 are zero-padded ("09"); dates are d/m/yyyy with the day
padded and only the months 01 and 02 padded ("14/3/2024", "05/01/2024").

Rounding policy (one policy, used by every function here and by ``app.progress.indicators``):

1. A percentage is computed *exactly* from the stored numbers: inputs become ``Fraction`` values
   (``Fraction(Decimal("85.17"))`` is exact), so there is no float and no intermediate rounding.
2. It is rounded once, at display time, to ``precision`` decimals (default 2), **half-up**
   (ties away from zero: 98,245 → 98,25).  ``Rounding.TRUNCATE`` (98,245 → 98,24) exists only so a
   template can reproduce documents that truncate (domain.md §4.5: the seeds disagree).
3. Trailing zeros are stripped by default ("14,20" → "14,2", "150,00" → "150").
4. A zero denominator gives no percentage at all (``None``), never "0%" or an error.

String inputs to the arithmetic functions are *machine* literals ("85.17", as stored in the database
and the JSON fixtures).  Text typed by people in Vietnamese format ("43.140", "70,87%") must go
through the ``parse_*`` functions, which reject anything ambiguous with :class:`NumberFormatError`.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from app.core.periods import PERIOD_INDEXES, Period

__all__ = [
    "Number",
    "NumberFormatError",
    "PercentStyle",
    "Rounding",
    "count",
    "date_vn",
    "decimal_vn",
    "integer",
    "money",
    "parse_decimal",
    "parse_integer",
    "parse_money",
    "parse_percent",
    "pct",
    "pct_of_value",
    "percent_value",
    "period_label",
    "place_date_line",
    "quantity",
    "ratio",
    "roman",
    "round_to",
    "term_label",
    "to_decimal",
]

Number = int | Decimal | str


class Rounding(enum.Enum):
    """How a value is cut to its display precision."""

    HALF_UP = "half_up"  # làm tròn: 0,005 → 0,01 (ties away from zero)
    TRUNCATE = "truncate"  # cắt bỏ: 0,009 → 0,00 (towards zero)


class NumberFormatError(ValueError):
    """Text that is not a well-formed Vietnamese number; ``message`` is shown to the user as is."""

    def __init__(self, message, *, text: str):
        super().__init__(message)
        self.message = message
        self.text = text


# --------------------------------------------------------------------------------------------
# Exact arithmetic
# --------------------------------------------------------------------------------------------

_MACHINE_DECIMAL = re.compile(r"[+-]?\d+(?:\.\d+)?")


def to_decimal(value: Number) -> Decimal:
    """Coerce an int, a finite Decimal or a machine literal such as "85.17" to Decimal.

    Floats are refused: they cannot hold 70,87 exactly and would break the rounding policy.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"expected int, Decimal or str, got {type(value).__name__}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(_l("Giá trị số không hợp lệ: %(value)s.", value=str(value)))
        return value
    if isinstance(value, str):
        if not _MACHINE_DECIMAL.fullmatch(value.strip()):
            # A Vietnamese "43.140" would silently read as 43,14 here: make the caller parse it.
            raise ValueError(_l("Giá trị số không hợp lệ: %(value)s.", value=value))
        return Decimal(value.strip())
    raise TypeError(f"expected int, Decimal or str, got {type(value).__name__}")


def _fraction(value: Number | Fraction) -> Fraction:
    if isinstance(value, Fraction):
        return value
    return Fraction(to_decimal(value))


def _percent_fraction(numerator: Number, denominator: Number) -> Fraction | None:
    denominator_f = _fraction(denominator)
    if denominator_f == 0:
        return None
    return _fraction(numerator) * 100 / denominator_f


def round_to(value: Number | Fraction, precision: int, rounding: Rounding = Rounding.HALF_UP) -> Decimal:
    """Round exactly to ``precision`` decimals; the result has exactly that many decimals."""
    if precision < 0:
        raise ValueError("precision must be >= 0")
    scaled = _fraction(value) * 10**precision
    whole, remainder = divmod(abs(scaled.numerator), scaled.denominator)
    if rounding is Rounding.HALF_UP and 2 * remainder >= scaled.denominator:
        whole += 1
    sign = "-" if scaled < 0 and whole else ""
    # Built from a string so no decimal context can round the coefficient again.
    return Decimal(f"{sign}{whole}E-{precision}")


def percent_value(
    numerator: Number,
    denominator: Number,
    *,
    precision: int = 2,
    rounding: Rounding = Rounding.HALF_UP,
) -> Decimal | None:
    """numerator/denominator × 100 rounded once (tỷ lệ %); None when the denominator is zero."""
    exact = _percent_fraction(numerator, denominator)
    if exact is None:
        return None
    return round_to(exact, precision, rounding)


# --------------------------------------------------------------------------------------------
# Formatting numbers
# --------------------------------------------------------------------------------------------


def _group_thousands(digits: str) -> str:
    """'293600000' → '293.600.000'."""
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return ".".join(groups)


def _render(value: Decimal, strip: bool) -> str:
    sign, digits, exponent = value.as_tuple()
    text = f"{abs(value):f}"
    whole, _, fraction = text.partition(".")
    if strip:
        fraction = fraction.rstrip("0")
    body = _group_thousands(whole) + ("," + fraction if fraction else "")
    # "-0" must not survive rounding of a tiny negative value.
    negative = sign == 1 and any(d != 0 for d in digits)
    return ("-" if negative else "") + body


def decimal_vn(
    value: Number | Fraction,
    precision: int | None = 2,
    strip: bool = True,
    *,
    rounding: Rounding = Rounding.HALF_UP,
) -> str:
    """Decimal comma and thousands dots: "14,2", "150", "70,89", "43.140,5".

    ``precision=None`` prints the value exactly as stored (no rounding), e.g. a target rate 82,41.
    """
    if precision is None:
        if isinstance(value, Fraction):
            raise ValueError("precision=None needs a Decimal, not a Fraction")
        return _render(to_decimal(value), strip)
    return _render(round_to(value, precision, rounding), strip)


def _require_whole(value: Number) -> int:
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise ValueError(_l("%(value)s không phải là số nguyên.", value=str(value)))
    return int(number)


def integer(n: Number) -> str:
    """Whole number with thousands dots: 43140 → "43.140"."""
    whole = _require_whole(n)
    return ("-" if whole < 0 else "") + _group_thousands(str(abs(whole)))


def count(n: Number) -> str:
    """A count as printed in reports (số lượng): zero-padded below 10 ("09"), dotted above 999."""
    whole = _require_whole(n)
    if whole < 0:
        raise ValueError(_l("Số lượng không được âm: %(value)s.", value=str(n)))
    # The seeds pad 93 counts out of 95 ("09 nhiệm vụ", "04 chỉ tiêu"): generate padded.
    return f"{whole:02d}" if whole < 10 else integer(whole)


def quantity(value: Number, *, pad: bool = True) -> str:
    """A figure in running text: a padded count when whole, else the exact decimal ("7,5")."""
    number = to_decimal(value)
    if number == number.to_integral_value():
        return count(number) if pad and number >= 0 else integer(number)
    return decimal_vn(number, precision=None)


def ratio(a: Number, b: Number, *, pad: bool = True) -> str:
    """X/Y as printed: 260/251, 43.140/50.652, 02/436 (only the numerator is padded, as in the seeds)."""
    return f"{quantity(a, pad=pad)}/{quantity(b, pad=False)}"


@dataclass(frozen=True)
class PercentStyle:
    """How a template prints percentages (quy ước in tỷ lệ).

    ``small`` is the precision used instead when the value is below 1 (004 prints 1 decimal, but
    "0,46%" rather than "0,5%").  The comparison uses the exact value, before rounding.
    """

    precision: int = 2
    small: int | None = None
    rounding: Rounding = Rounding.HALF_UP
    strip: bool = True

    def precision_for(self, exact: Fraction) -> int:
        if self.small is not None and abs(exact) < 1:
            return self.small
        return self.precision

    def round(self, exact: Number | Fraction) -> Decimal:
        """The already-computed percentage ``exact`` at this style's precision."""
        exact_f = _fraction(exact)
        return round_to(exact_f, self.precision_for(exact_f), self.rounding)

    def digits(self, exact: Number | Fraction) -> str:
        """The percentage without the sign: "70,89"."""
        exact_f = _fraction(exact)
        return decimal_vn(exact_f, self.precision_for(exact_f), self.strip, rounding=self.rounding)

    def format_value(self, exact: Number | Fraction) -> str:
        return self.digits(exact) + "%"

    def value(self, numerator: Number, denominator: Number) -> Decimal | None:
        exact = _percent_fraction(numerator, denominator)
        return None if exact is None else self.round(exact)

    def format(self, numerator: Number, denominator: Number) -> str | None:
        exact = _percent_fraction(numerator, denominator)
        return None if exact is None else self.format_value(exact)


def pct(
    numerator: Number,
    denominator: Number,
    *,
    precision: int = 2,
    small: int | None = None,
    rounding: Rounding = Rounding.HALF_UP,
    strip: bool = True,
) -> str | None:
    """Percentage text, 70,89% for 112/158; None for a zero denominator (print the X/Y alone then)."""
    return PercentStyle(precision, small, rounding, strip).format(numerator, denominator)


def pct_of_value(
    value: Number | Fraction,
    *,
    precision: int = 2,
    small: int | None = None,
    rounding: Rounding = Rounding.HALF_UP,
    strip: bool = True,
) -> str:
    """Format a percentage that is already a percentage (82.41 → "82,41%")."""
    return PercentStyle(precision, small, rounding, strip).format_value(value)


_MONEY_UNITS = ((10**9, "tỷ đồng"), (10**6, "triệu đồng"))


def money(amount_vnd: Number, *, precision: int = 3, rounding: Rounding = Rounding.HALF_UP) -> str:
    """Amount in đồng as reports print it: "23,2 tỷ đồng", "535 triệu đồng", "200.000 đồng".

    The largest unit whose rounded value is at least 1 wins, so 999.999.999 đ prints "1 tỷ đồng"
    rather than "1.000 triệu đồng".  Up to ``precision`` decimals, trailing zeros stripped.
    """
    amount = _fraction(amount_vnd)
    for size, unit in _MONEY_UNITS:
        scaled = round_to(amount / size, precision, rounding)
        if abs(scaled) >= 1:
            return f"{_render(scaled, strip=True)} {unit}"
    return f"{integer(round_to(amount, 0, rounding))} đồng"


# --------------------------------------------------------------------------------------------
# Dates, periods, terms
# --------------------------------------------------------------------------------------------


def _day(day: int) -> str:
    return f"{day:02d}"


def _month(month: int) -> str:
    """Months 01 and 02 are padded, the rest are not (Party document style, domain.md §2.3)."""
    if not 1 <= month <= 12:
        raise ValueError(_l("Tháng không hợp lệ: %(value)s.", value=month))
    return f"{month:02d}" if month <= 2 else str(month)


def date_vn(d: date) -> str:
    """Date as in the documents: 14/3/2024, 05/01/2024, 29/02/2024."""
    return f"{_day(d.day)}/{_month(d.month)}/{d.year}"


# A draft leaves the day blank for the signer to fill in by hand (003:L7, AS-06).
_BLANK_DAY = " " * 6


def place_date_line(place: str, d: date | None, *, month: int | None = None, year: int | None = None) -> str:
    """Place-date line (địa danh, ngày tháng): "Phụng Hiệp, ngày 05 tháng 6 năm 2024".

    With ``d=None`` (a draft) the day is left blank: "Phụng Hiệp, ngày      tháng 6 năm 2024".

    For a draft ``month`` and ``year`` are required; with a date they are optional and must agree.
    """
    if d is None:
        if month is None or year is None:
            raise ValueError(_l("Bản dự thảo cần có tháng và năm ban hành."))
        return f"{place}, ngày{_BLANK_DAY}tháng {_month(month)} năm {year}"
    if (month is not None and month != d.month) or (year is not None and year != d.year):
        raise ValueError(_l("Tháng, năm không khớp với ngày ban hành."))
    return f"{place}, ngày {_day(d.day)} tháng {_month(d.month)} năm {d.year}"


_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip


def roman(n: int) -> str:
    """Roman numeral for quarters, sections and congresses (quý II, lần thứ XIII); 1..3999."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 3999:
        raise ValueError(_l("Số La Mã chỉ dùng cho 1 đến 3999, không dùng cho %(value)s.", value=n))
    parts = []
    for value, letters in _ROMAN:
        times, n = divmod(n, value)
        parts.append(letters * times)
    return "".join(parts)


# The canonical Vietnamese kinds, plus ASCII aliases for code that stores identifiers.
_PERIOD_KINDS = {
    "quý": "quý", "quí": "quý", "quarter": "quý",
    "6 tháng": "6 tháng", "half": "6 tháng",
    "9 tháng": "9 tháng", "nine_months": "9 tháng",
    "năm": "năm", "year": "năm",
    "tháng": "tháng", "month": "tháng",
}  # fmt: skip


_PERIOD_KIND_CODES = {"quý": "quarter", "6 tháng": "half", "9 tháng": "nine_months", "năm": "year"}


def _period_kind(kind: str) -> str:
    key = " ".join(unicodedata.normalize("NFC", kind).lower().split())
    if key not in _PERIOD_KINDS:
        raise ValueError(_l("Loại kỳ báo cáo không hợp lệ: %(kind)s.", kind=kind))
    return _PERIOD_KINDS[key]


def _check_index(kind: str, index: int | None, allowed: range) -> int:
    if index is None and len(allowed) == 1:
        return allowed[0]
    if index not in allowed:
        raise ValueError(_l("Kỳ số %(index)s không hợp lệ cho loại kỳ “%(kind)s”.", index=index, kind=kind))
    return index


def period_label(year: int, kind: str, index: int | None = None) -> str:
    """Reporting period as written in reports (kỳ báo cáo), kinds named in Vietnamese.

    "quý" 2 → "quý II/2024"; "6 tháng" 1/2 → "6 tháng đầu/cuối năm 2024"; "9 tháng" →
    "9 tháng đầu năm 2024"; "năm" → "năm 2024" (all :attr:`app.core.periods.Period.label`);
    "tháng" 1 → "tháng 01/2024".
    """
    canonical = _period_kind(kind)
    if canonical == "tháng":
        return f"tháng {_month(_check_index(canonical, index, range(1, 13)))}/{year}"
    period_kind = _PERIOD_KIND_CODES[canonical]
    return Period(year, period_kind, _check_index(canonical, index, PERIOD_INDEXES[period_kind])).label


def term_label(start_year: int, *, length: int = 5) -> str:
    """Party term (nhiệm kỳ): "nhiệm kỳ 2020 - 2025" (spaces around the dash, as in 003)."""
    return f"nhiệm kỳ {start_year} - {start_year + length}"


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

# Word/PDF conversions leave NBSP and narrow spaces around numbers and before "%".
_SPACE_LIKE = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " "})
_LEADING_NUMBER = re.compile(r"([+-]?\d[\d.,]*)\s*(.*)")
_PLAIN_DIGITS = re.compile(r"\d+")
# Thousands groups: 1-3 leading digits (no leading zero) then groups of exactly three.
_GROUPED_DIGITS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")


def _clean(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return " ".join(unicodedata.normalize("NFC", text).translate(_SPACE_LIKE).split())


def _split_number(text: str) -> tuple[str, str]:
    """Split "11.566 triệu đồng" into the number token and the words after it."""
    cleaned = _clean(text)
    if not cleaned:
        raise NumberFormatError(_l("Chưa nhập số."), text=text)
    match = _LEADING_NUMBER.fullmatch(cleaned)
    if match is None:
        raise NumberFormatError(_l("“%(text)s” không phải là số.", text=cleaned), text=text)
    return match.group(1), match.group(2)


def _token_to_decimal(token: str, text: str, *, whole_only: bool) -> Decimal:
    sign = ""
    if token[0] in "+-":
        sign, token = token[0], token[1:]
    whole, comma, fraction = token.partition(",")
    # Checked first so that "5.15 cuộc" is reported as a grouping error, its real fault.
    if not (_PLAIN_DIGITS.fullmatch(whole) or _GROUPED_DIGITS.fullmatch(whole)):
        raise NumberFormatError(
            _l(
                "“%(text)s”: dấu chấm phân cách hàng nghìn phải đứng trước đúng 3 chữ số (ví dụ 43.140); "
                "số thập phân dùng dấu phẩy (ví dụ 70,87).",
                text=_clean(text),
            ),
            text=text,
        )
    if comma and not _PLAIN_DIGITS.fullmatch(fraction):
        raise NumberFormatError(
            _l("“%(text)s”: phần thập phân sau dấu phẩy không hợp lệ.", text=_clean(text)), text=text
        )
    if comma and whole_only:
        raise NumberFormatError(_l("“%(text)s” phải là số nguyên.", text=_clean(text)), text=text)
    return Decimal(sign + whole.replace(".", "") + ("." + fraction if comma else ""))


def _reject_rest(rest: str, text: str) -> None:
    if rest:
        raise NumberFormatError(
            _l(
                "“%(text)s”: có chữ hoặc ký hiệu không hợp lệ sau số (“%(rest)s”).",
                text=_clean(text),
                rest=rest,
            ),
            text=text,
        )


def parse_integer(text: str) -> int:
    """Whole number typed the Vietnamese way: "43.140" → 43140; "5.15" is refused (bad grouping)."""
    token, rest = _split_number(text)
    value = _token_to_decimal(token, text, whole_only=True)
    _reject_rest(rest, text)
    return int(value)


def parse_decimal(text: str) -> Decimal:
    """Decimal typed the Vietnamese way: "70,87" → Decimal("70.87"), "43.140,5" → Decimal("43140.5")."""
    token, rest = _split_number(text)
    value = _token_to_decimal(token, text, whole_only=False)
    _reject_rest(rest, text)
    return value


def parse_percent(text: str) -> Decimal:
    """Percentage typed by a person: "70,87%" → Decimal("70.87"), "100 %" → Decimal("100"); "%" is optional.

    Trailing zeros are kept ("1,20%" → Decimal("1.20")) because they tell the printed precision.
    """
    token, rest = _split_number(text)
    value = _token_to_decimal(token, text, whole_only=False)
    _reject_rest(rest.removeprefix("%"), text)
    return value


_MONEY_WORDS = re.compile(r"(?:(tỷ|tỉ|triệu|nghìn|ngàn)\s*)?(đồng|đ)?")
_MONEY_FACTORS = {None: 1, "nghìn": 10**3, "ngàn": 10**3, "triệu": 10**6, "tỷ": 10**9, "tỉ": 10**9}


def parse_money(text: str) -> int:
    """Amount in đồng: "9,213 tỷ đồng" → 9213000000, "11.566 triệu đồng" → 11566000000.

    Accepted units: tỷ (tỉ), triệu, nghìn (ngàn), with or without "đồng"/"đ"; a bare number is đồng.
    Qualifiers such as "trên", "gần" are not part of an amount and are refused.
    """
    token, rest = _split_number(text)
    value = _token_to_decimal(token, text, whole_only=False)
    words = _MONEY_WORDS.fullmatch(rest.lower())
    if words is None:
        raise NumberFormatError(
            _l(
                "“%(text)s”: đơn vị tiền không hợp lệ; dùng “tỷ đồng”, “triệu đồng” hoặc “đồng”.",
                text=_clean(text),
            ),
            text=text,
        )
    amount = value * _MONEY_FACTORS[words.group(1)]
    if amount != amount.to_integral_value():
        raise NumberFormatError(_l("“%(text)s”: số tiền phải tròn đến đồng.", text=_clean(text)), text=text)
    return int(amount)
