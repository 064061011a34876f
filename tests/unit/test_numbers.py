"""Vietnamese number, date and period formatting and parsing (domain.md §4.6, AS-10)."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest

from app.core.numbers import (
    NumberFormatError,
    PercentStyle,
    Rounding,
    count,
    date_vn,
    decimal_vn,
    integer,
    money,
    parse_decimal,
    parse_integer,
    parse_money,
    parse_percent,
    pct,
    pct_of_value,
    percent_value,
    period_label,
    place_date_line,
    quantity,
    ratio,
    roman,
    round_to,
    term_label,
    to_decimal,
)

# --------------------------------------------------------------------------------------------
# AS-10 formatting table, row for row
# --------------------------------------------------------------------------------------------

AS10_FORMATTING = [
    ("count(9)", lambda: count(9), "09"),
    ("count(11)", lambda: count(11), "11"),
    ("integer(43140)", lambda: integer(43140), "43.140"),
    ("integer(293600000)", lambda: integer(293600000), "293.600.000"),
    ("pct(112,158)", lambda: pct(112, 158), "70,89%"),
    ("pct(696,4900)", lambda: pct(696, 4900), "14,2%"),
    ("pct(24,16)", lambda: pct(24, 16), "150%"),
    ("pct(2,436,precision=1,small=2)", lambda: pct(2, 436, precision=1, small=2), "0,46%"),
    ("ratio(260,251)", lambda: ratio(260, 251), "260/251"),
    ("money(23_200_000_000)", lambda: money(23_200_000_000), "23,2 tỷ đồng"),
    ("money(9_213_000_000)", lambda: money(9_213_000_000), "9,213 tỷ đồng"),
    ("money(535_000_000)", lambda: money(535_000_000), "535 triệu đồng"),
    ("date(2024-03-14)", lambda: date_vn(date(2024, 3, 14)), "14/3/2024"),
    ("date(2024-01-05)", lambda: date_vn(date(2024, 1, 5)), "05/01/2024"),
    ("date(2024-02-29)", lambda: date_vn(date(2024, 2, 29)), "29/02/2024"),
    ('period(2024,"quý",2)', lambda: period_label(2024, "quý", 2), "quý II/2024"),
    ('period(2024,"6 tháng",1)', lambda: period_label(2024, "6 tháng", 1), "6 tháng đầu năm 2024"),
    ("term(2020)", lambda: term_label(2020), "nhiệm kỳ 2020 - 2025"),
]


@pytest.mark.parametrize(
    ("call", "expected"), [(c, e) for _, c, e in AS10_FORMATTING], ids=[i for i, _, _ in AS10_FORMATTING]
)
def test_as10_formatting(call, expected):
    assert call() == expected


AS10_PARSING = [
    (parse_integer, "43.140", 43140),
    (parse_percent, "70,87%", Decimal("70.87")),
    (parse_money, "9,213 tỷ đồng", 9_213_000_000),
    (parse_money, "11.566 triệu đồng", 11_566_000_000),
    (parse_percent, "100 %", Decimal("100")),
]


@pytest.mark.parametrize(("parser", "text", "expected"), AS10_PARSING, ids=[t for _, t, _ in AS10_PARSING])
def test_as10_parsing(parser, text, expected):
    result = parser(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("text", ["5.15 cuộc", "5.15"])
def test_as10_bad_thousands_grouping_is_a_validation_error(text):
    with pytest.raises(NumberFormatError) as caught:
        parse_integer(text)
    assert isinstance(caught.value, ValueError)
    assert "đúng 3 chữ số" in str(caught.value)  # the message names the real fault
    assert caught.value.text == text


# --------------------------------------------------------------------------------------------
# Rounding policy
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "kwargs", "expected"),
    [
        (112, 158, {}, Decimal("70.89")),
        (Decimal("85.17"), Decimal("82.41"), {}, Decimal("103.35")),
        ("85.17", "82.41", {}, Decimal("103.35")),  # machine literals, as stored in the fixtures
        (56, 57, {}, Decimal("98.25")),
        (56, 57, {"rounding": Rounding.TRUNCATE}, Decimal("98.24")),
        (1, 8, {"precision": 0}, Decimal("13")),  # 12,5 → 13: half-up, not banker's rounding
        (1, 8, {"precision": 0, "rounding": Rounding.TRUNCATE}, Decimal("12")),
        (Decimal("98.245"), 100, {}, Decimal("98.25")),  # an exact tie goes up
        (9, 9, {}, Decimal("100.00")),
        (0, 5, {}, Decimal("0.00")),
        (696, 4900, {"precision": 6}, Decimal("14.204082")),
    ],
)
def test_percent_value(numerator, denominator, kwargs, expected):
    result = percent_value(numerator, denominator, **kwargs)
    assert result == expected
    assert result.as_tuple().exponent == expected.as_tuple().exponent


@pytest.mark.parametrize("denominator", [0, Decimal("0"), "0", Decimal("0.00")])
def test_zero_denominator_gives_no_percentage(denominator):
    assert percent_value(5, denominator) is None
    assert pct(5, denominator) is None


@pytest.mark.parametrize(
    ("value", "precision", "rounding", "expected"),
    [
        (Decimal("98.245"), 2, Rounding.HALF_UP, Decimal("98.25")),  # a true tie goes up
        (Decimal("98.245"), 2, Rounding.TRUNCATE, Decimal("98.24")),
        (Decimal("-1.005"), 2, Rounding.HALF_UP, Decimal("-1.01")),  # ties away from zero
        (Decimal("-1.009"), 2, Rounding.TRUNCATE, Decimal("-1.00")),
        (Decimal("-0.001"), 2, Rounding.HALF_UP, Decimal("0.00")),
        (Decimal("7"), 0, Rounding.HALF_UP, Decimal("7")),
    ],
)
def test_round_to(value, precision, rounding, expected):
    result = round_to(value, precision, rounding)
    assert result == expected
    assert str(result) == str(expected)


@pytest.mark.parametrize("bad", [70.87, True])
def test_floats_and_bools_are_refused(bad):
    with pytest.raises(TypeError):
        to_decimal(bad)
    with pytest.raises(TypeError):
        percent_value(bad, 100)


@pytest.mark.parametrize("bad", ["70,87", "43.140,5", "1e3", "", "abc", Decimal("NaN"), Decimal("Infinity")])
def test_to_decimal_refuses_non_machine_input(bad):
    with pytest.raises(ValueError):
        to_decimal(bad)


# --------------------------------------------------------------------------------------------
# Number formatting
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "args", "kwargs", "expected"),
    [
        (Decimal("14.204"), (), {}, "14,2"),
        (Decimal("150.00"), (), {}, "150"),
        (Decimal("70.886"), (), {}, "70,89"),
        (Decimal("14.204"), (2, False), {}, "14,20"),
        (Decimal("43140.5"), (1,), {}, "43.140,5"),
        (Decimal("1234567.891"), (3,), {}, "1.234.567,891"),
        (Decimal("82.41"), (None,), {}, "82,41"),
        (Decimal("82.410"), (None, False), {}, "82,410"),
        (Decimal("-0.001"), (), {}, "0"),
        (Decimal("-2.5"), (), {}, "-2,5"),
        (Decimal("98.2456"), (), {"rounding": Rounding.TRUNCATE}, "98,24"),
        (7, (), {}, "7"),
    ],
)
def test_decimal_vn(value, args, kwargs, expected):
    assert decimal_vn(value, *args, **kwargs) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "00"), (1, "01"), (9, "09"), (10, "10"), (99, "99"), (1523, "1.523"), (Decimal("4"), "04")],
)
def test_count(n, expected):
    assert count(n) == expected


@pytest.mark.parametrize("bad", [-1, Decimal("1.5")])
def test_count_refuses_negative_or_fractional(bad):
    with pytest.raises(ValueError):
        count(bad)


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "0"), (7, "7"), (999, "999"), (1000, "1.000"), (4809, "4.809"), (-1234, "-1.234")]
)
def test_integer(n, expected):
    assert integer(n) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (43140, 50652, "43.140/50.652"),
        (2, 436, "02/436"),  # 004 fn1
        (6, 13, "06/13"),  # 003:L99
        (12, 5, "12/5"),  # only the numerator is padded
        (Decimal("85.17"), Decimal("82.41"), "85,17/82,41"),
    ],
)
def test_ratio(a, b, expected):
    assert ratio(a, b) == expected


def test_ratio_without_padding():
    assert ratio(2, 436, pad=False) == "2/436"


@pytest.mark.parametrize(("value", "expected"), [(3039, "3.039"), (9, "09"), (Decimal("7.5"), "7,5")])
def test_quantity(value, expected):
    assert quantity(value) == expected


@pytest.mark.parametrize(
    ("kwargs", "numerator", "denominator", "expected"),
    [
        ({"precision": 1}, 2, 436, "0,5%"),  # without ``small`` the 004 style would lose a digit
        ({"precision": 1, "small": 2}, 10, 49, "20,4%"),  # ``small`` only applies below 1
        ({"precision": 2, "strip": False}, 696, 4900, "14,20%"),
        ({"rounding": Rounding.TRUNCATE}, 56, 57, "98,24%"),
        ({}, 14, 4432, "0,32%"),
        ({}, 0, 7, "0%"),
    ],
)
def test_pct_options(kwargs, numerator, denominator, expected):
    assert pct(numerator, denominator, **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (Decimal("82.41"), {}, "82,41%"),
        (Decimal("150.00"), {}, "150%"),
        (Decimal("0.4587"), {"precision": 1, "small": 2}, "0,46%"),
        (Decimal("93.7274"), {"precision": 1}, "93,7%"),
    ],
)
def test_pct_of_value(value, kwargs, expected):
    assert pct_of_value(value, **kwargs) == expected


def test_percent_style_is_the_same_policy_as_pct():
    style = PercentStyle(precision=1, small=2)
    assert style.format(2, 436) == pct(2, 436, precision=1, small=2) == "0,46%"
    assert style.value(2, 436) == Decimal("0.46")
    assert style.digits(Decimal("20.408")) == "20,4"
    assert style.format(1, 0) is None


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (23_253_000_000, "23,253 tỷ đồng"),
        (1_128_000_000, "1,128 tỷ đồng"),
        (11_566_000_000, "11,566 tỷ đồng"),
        (1_000_000_000, "1 tỷ đồng"),
        (999_999_999, "1 tỷ đồng"),  # not "1.000 triệu đồng"
        (500_000_000, "500 triệu đồng"),
        (1_500_000, "1,5 triệu đồng"),
        (293_600_000, "293,6 triệu đồng"),
        (200_000, "200.000 đồng"),
        (Decimal("9213000000"), "9,213 tỷ đồng"),
    ],
)
def test_money(amount, expected):
    assert money(amount) == expected


@pytest.mark.parametrize("amount", [23_200_000_000, 9_213_000_000, 535_000_000, 11_566_000_000, 200_000])
def test_money_round_trips(amount):
    assert parse_money(money(amount)) == amount


# --------------------------------------------------------------------------------------------
# Dates, periods, terms
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "expected"),
    [(date(2024, 12, 1), "01/12/2024"), (date(2024, 10, 15), "15/10/2024"), (date(2023, 6, 30), "30/6/2023")],
)
def test_date_vn(d, expected):
    assert date_vn(d) == expected


def test_place_date_line_issued():
    assert place_date_line("Phụng Hiệp", date(2024, 6, 5)) == "Phụng Hiệp, ngày 05 tháng 6 năm 2024"
    assert place_date_line("Phụng Hiệp", date(2024, 1, 15)) == "Phụng Hiệp, ngày 15 tháng 01 năm 2024"


def test_place_date_line_draft_leaves_six_spaces_for_the_day():
    line = place_date_line("Phụng Hiệp", None, month=6, year=2024)
    assert line == "Phụng Hiệp, ngày      tháng 6 năm 2024"
    assert line.split("ngày")[1].split("tháng")[0] == " " * 6


@pytest.mark.parametrize(
    ("d", "kwargs"),
    [
        (None, {"year": 2024}),
        (None, {"month": 6}),
        (date(2024, 6, 5), {"month": 7}),
        (date(2024, 6, 5), {"year": 2023}),
    ],
)
def test_place_date_line_errors(d, kwargs):
    with pytest.raises(ValueError):
        place_date_line("Phụng Hiệp", d, **kwargs)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "I"),
        (2, "II"),
        (3, "III"),
        (4, "IV"),
        (9, "IX"),
        (13, "XIII"),
        (20, "XX"),
        (1994, "MCMXCIV"),
        (3999, "MMMCMXCIX"),
    ],
)
def test_roman(n, expected):
    assert roman(n) == expected


@pytest.mark.parametrize("bad", [0, -1, 4000, True, 2.0])
def test_roman_out_of_range(bad):
    with pytest.raises(ValueError):
        roman(bad)


@pytest.mark.parametrize(
    ("kind", "index", "expected"),
    [
        ("quý", 1, "quý I/2024"),
        ("quý", 4, "quý IV/2024"),
        ("quí", 3, "quý III/2024"),  # spelling variant in 000
        (unicodedata.normalize("NFD", "quý"), 2, "quý II/2024"),  # decomposed input from the seeds
        ("quarter", 2, "quý II/2024"),
        ("6 tháng", 2, "6 tháng cuối năm 2024"),
        ("9 tháng", None, "9 tháng đầu năm 2024"),
        ("9 tháng", 1, "9 tháng đầu năm 2024"),
        ("năm", None, "năm 2024"),
        ("năm", 1, "năm 2024"),
        ("tháng", 1, "tháng 01/2024"),
        ("tháng", 6, "tháng 6/2024"),
    ],
)
def test_period_label(kind, index, expected):
    assert period_label(2024, kind, index) == expected


@pytest.mark.parametrize(
    ("kind", "index"),
    [("quý", 5), ("quý", 0), ("quý", None), ("6 tháng", 3), ("9 tháng", 2), ("năm", 2), ("tuần", 1)],
)
def test_period_label_errors(kind, index):
    with pytest.raises(ValueError):
        period_label(2024, kind, index)


def test_term_label():
    assert term_label(2025) == "nhiệm kỳ 2025 - 2030"


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.812", 1812),
        ("09", 9),
        ("43140", 43140),
        ("293.600.000", 293_600_000),
        (" 4.809 ", 4809),
        ("-1.234", -1234),
    ],
)
def test_parse_integer(text, expected):
    assert parse_integer(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("70,87", Decimal("70.87")),
        ("43.140,5", Decimal("43140.5")),
        ("14", Decimal("14")),
        ("7,5", Decimal("7.5")),
    ],
)
def test_parse_decimal(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("70,87", Decimal("70.87")),  # the sign is optional
        ("70,87\u00a0%", Decimal("70.87")),  # NBSP from Word
        ("1,20%", Decimal("1.20")),
    ],
)
def test_parse_percent(text, expected):
    result = parse_percent(text)
    assert result == expected
    assert str(result) == str(expected)  # trailing zeros kept: they carry the printed precision


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("350 triệu", 350_000_000),  # 003 writes it without "đồng"
        ("200.000 đồng", 200_000),
        ("1,128 tỷ đồng", 1_128_000_000),
        ("23,2 tỷ", 23_200_000_000),
        ("9.213 tỷ đồng", 9_213_000_000_000),  # a dot is a thousands separator: 9 213 tỷ
        ("1,5 tỉ đồng", 1_500_000_000),
        ("400.000đ", 400_000),
        (unicodedata.normalize("NFD", "535 triệu đồng"), 535_000_000),
    ],
)
def test_parse_money(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    ("parser", "text", "fragment"),
    [
        (parse_integer, "", "Chưa nhập số"),
        (parse_integer, "   ", "Chưa nhập số"),
        (parse_integer, "abc", "không phải là số"),
        (parse_integer, "1,5", "phải là số nguyên"),
        (parse_integer, "12 cuộc", "không hợp lệ sau số"),
        (parse_integer, "1.2.3", "đúng 3 chữ số"),
        (parse_integer, "43.14", "đúng 3 chữ số"),
        (parse_integer, "0.123", "đúng 3 chữ số"),
        (parse_integer, "1.2345", "đúng 3 chữ số"),
        (parse_decimal, "70.87", "đúng 3 chữ số"),  # English decimal point
        (parse_decimal, "1,2,3", "phần thập phân"),
        (parse_decimal, "70,", "phần thập phân"),
        (parse_percent, "70,87%%", "không hợp lệ sau số"),
        (parse_percent, "%70", "không phải là số"),
        (parse_money, "trên 535 triệu đồng", "không phải là số"),
        (parse_money, "5 đô la", "đơn vị tiền"),
        (parse_money, "1,5 đồng", "tròn đến đồng"),
    ],
)
def test_parse_errors(parser, text, fragment):
    with pytest.raises(NumberFormatError) as caught:
        parser(text)
    assert fragment in str(caught.value)
    assert str(caught.value.message) == str(caught.value)


def test_parse_refuses_non_strings():
    with pytest.raises(TypeError):
        parse_integer(43140)
