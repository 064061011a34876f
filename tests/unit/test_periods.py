"""Due phrases and quarters (domain.md §3.4, §6, §5.2, AS-09)."""

from datetime import date, timedelta

import pytest

from app.core.due_phrases import DueMatch, DueResolution, find_due_phrases, resolve_due_phrase
from app.core.errors import ValidationFailed
from app.core.periods import (
    Period,
    PeriodPhraseError,
    cycle_end,
    format_quarter_code,
    last_quarters,
    parse_period,
    parse_quarter_code,
    period_choices,
    quarter_bounds,
    quarter_label,
    quarter_of,
    report_period_heading,
)

CREATED = date(2024, 3, 14)  # the Q1 session date in 003:L23


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        # quarters
        ("trong quý II/2024", "2024-06-30"),
        ("quý 2/2024", "2024-06-30"),
        ("quí II năm 2024", "2024-06-30"),
        ("QUÝ II/2024", "2024-06-30"),
        ("trong quý I/2024", "2024-03-31"),
        ("đến hết quý IV/2024", "2024-12-31"),
        ("cuối quý III/2024", "2024-09-30"),
        # months, with leap years
        ("trong tháng 6/2024", "2024-06-30"),
        ("tháng 02/2024", "2024-02-29"),
        ("tháng 2/2023", "2023-02-28"),
        ("tháng 6 năm 2024", "2024-06-30"),
        ("cuối tháng 4/2024", "2024-04-30"),
        # parts of a year
        ("6 tháng đầu năm 2024", "2024-06-30"),
        ("6 tháng cuối năm 2024", "2024-12-31"),
        ("9 tháng đầu năm 2024", "2024-09-30"),
        ("03 tháng đầu năm 2024", "2024-03-31"),
        ("trong năm 2024", "2024-12-31"),
        ("năm 2024", "2024-12-31"),
        ("sẽ hoàn thành trong năm 2024", "2024-12-31"),
        ("cuối năm 2024", "2024-12-31"),
        ("đến cuối năm 2024", "2024-12-31"),
        # days
        ("đến ngày 15/7/2024", "2024-07-15"),
        ("ngày 15/7/2024", "2024-07-15"),
        ("hạn 15/7/2024", "2024-07-15"),
        ("hạn: 15/7/2024", "2024-07-15"),
        ("chậm nhất ngày 15/7/2024", "2024-07-15"),
        ("15/7/2024", "2024-07-15"),
        ("ngày 15 tháng 7 năm 2024", "2024-07-15"),
        ("29/02/2024", "2024-02-29"),
        ("(28/7/1929 - 28/7/2024)", "2024-07-28"),
        ("từ ngày 01/7/2024 đến ngày 15/7/2024", "2024-07-15"),
    ],
)
def test_one_off_phrases(phrase, due):
    resolution = resolve_due_phrase(phrase)
    assert resolution == DueResolution(phrase.strip(), d(due), "one_off", False, None)


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("trước ngày 15/7/2024", "2024-07-14"),
        ("trước ngày 01/3/2024", "2024-02-29"),
        ("trước 01/01/2025", "2024-12-31"),
        ("trước quý III/2024", "2024-06-30"),
        ("trước tháng 10/2024", "2024-09-30"),
    ],
)
def test_before_means_the_day_before(phrase, due):
    assert resolve_due_phrase(phrase).due_date == d(due)


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("đầu tháng 10/2024", "2024-10-10"),
        ("phấn đấu đến đầu tháng 10/2024 sẽ hoàn thành", "2024-10-10"),
        ("giữa tháng 6/2024", "2024-06-20"),
        ("đầu quý III/2024", "2024-07-31"),
        ("giữa quý III/2024", "2024-08-31"),
        ("đầu năm 2025", "2025-03-31"),
        ("giữa năm 2025", "2025-06-30"),
    ],
)
def test_vague_edges_are_approximate(phrase, due):
    resolution = resolve_due_phrase(phrase)
    assert (resolution.due_date, resolution.kind, resolution.approximate) == (d(due), "one_off", True)


@pytest.mark.parametrize(
    ("phrase", "reference", "due"),
    [
        ("xét vào cuối năm 2024", None, "2024-12-31"),
        ("xét vào cuối năm", CREATED, "2024-12-31"),
        ("vào cuối năm", CREATED, "2024-12-31"),
        ("04 chỉ tiêu sẽ thực hiện vào cuối năm", date(2025, 5, 1), "2025-12-31"),
        ("Xét cuối năm 2024", None, "2024-12-31"),
    ],
)
def test_year_end_evaluation(phrase, reference, due):
    resolution = resolve_due_phrase(phrase, reference_date=reference)
    assert (resolution.kind, resolution.due_date) == ("year_end", d(due))


def test_plain_year_end_is_not_year_end_kind():
    assert resolve_due_phrase("cuối năm 2024").kind == "one_off"


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("(20/10)", "2024-10-20"),
        ("(01/8)", "2024-08-01"),
        ("dịp 27/7", "2024-07-27"),
        ("nhân dịp 27/7", "2024-07-27"),
        ("(đợt 02/9)", "2024-09-02"),
        ("20/10", "2024-10-20"),
        ("trước ngày 20/10", "2024-10-19"),
    ],
)
def test_anniversaries_use_reference_year(phrase, due):
    resolution = resolve_due_phrase(phrase, reference_date=CREATED)
    assert (resolution.due_date, resolution.kind) == (d(due), "one_off")


@pytest.mark.parametrize(
    ("phrase", "due"),
    [("trong quý II", "2024-06-30"), ("trong tháng 6", "2024-06-30"), ("cuối năm", "2024-12-31")],
)
def test_missing_year_comes_from_reference_date(phrase, due):
    assert resolve_due_phrase(phrase, reference_date=CREATED).due_date == d(due)


def test_explicit_year_beats_reference_date():
    assert resolve_due_phrase("trong quý I/2025", reference_date=CREATED).due_date == d("2025-03-31")


@pytest.mark.parametrize(
    ("phrase", "recurrence"),
    [
        ("hàng tháng", "monthly"),
        ("hằng tháng", "monthly"),
        ("01 lần/tháng", "monthly"),
        ("hàng quý", "quarterly"),
        ("hằng quí", "quarterly"),
        ("01 lần/quý", "quarterly"),
        ("mỗi quý một lần", "quarterly"),
        ("hằng năm", "yearly"),
        ("hàng năm", "yearly"),
        ("hàng tuần", "weekly"),
        ("Duy trì sinh hoạt chuyên đề 01 lần/quý", "quarterly"),
    ],
)
def test_recurring(phrase, recurrence):
    assert resolve_due_phrase(phrase) == DueResolution(phrase, None, "recurring", False, recurrence)


@pytest.mark.parametrize(
    "phrase", ["thường xuyên", "Thường xuyên", "Tiếp tục thực hiện Kế hoạch", "Duy trì mô hình", "Tiếp tục …"]
)
def test_continuous(phrase):
    assert resolve_due_phrase(phrase) == DueResolution(phrase, None, "continuous", False, None)


@pytest.mark.parametrize("phrase", ["ngay sau khi kết thúc đại hội", "sau khi có hướng dẫn của Tỉnh ủy"])
def test_event_relative(phrase):
    assert resolve_due_phrase(phrase) == DueResolution(phrase, None, "event", False, None)


def test_dated_expression_beats_continuous_marker():
    resolution = resolve_due_phrase("Tiếp tục hoàn thành trong quý III/2024")
    assert (resolution.kind, resolution.due_date) == ("one_off", d("2024-09-30"))


def test_phrase_is_normalised():
    assert resolve_due_phrase("  trong\u00a0quý  II/2024 ").phrase == "trong quý II/2024"


@pytest.mark.parametrize(
    ("phrase", "reference", "message"),
    [
        ("quý V/2024", None, "Quý “V” không hợp lệ"),
        ("quý 5/2024", None, "Quý “5” không hợp lệ"),
        ("tháng 13/2024", None, "Tháng 13 không hợp lệ"),
        ("31/02/2024", None, "Ngày 31/02/2024 không tồn tại"),
        ("29/02/2023", None, "không tồn tại"),
        ("trong quý II", None, "thiếu năm"),
        ("vào cuối năm", None, "thiếu năm"),
        ("(20/10)", None, "cần ngày tham chiếu"),
        ("13 tháng đầu năm 2024", None, "Số tháng 13"),
        ("", None, "Chưa nhập thời hạn"),
        ("   ", None, "Chưa nhập thời hạn"),
        ("đúng thời gian quy định", CREATED, "Không nhận dạng được"),
        ("Kế hoạch số 175-KH/HU ngày 29/3/2024", CREATED, "Không nhận dạng được"),
    ],
)
def test_invalid_phrases(phrase, reference, message):
    with pytest.raises(PeriodPhraseError, match=message):
        resolve_due_phrase(phrase, reference_date=reference)


def test_period_phrase_error_is_a_value_error():
    assert issubclass(PeriodPhraseError, ValueError)


# ------------------------------------------------------------------ AS-09


@pytest.mark.parametrize(
    ("phrase", "kind", "due"),
    [
        ("trong quý II/2024", "one_off", "2024-06-30"),
        ("trong tháng 6/2024", "one_off", "2024-06-30"),
        ("trong năm 2024", "one_off", "2024-12-31"),
        ("xét vào cuối năm 2024", "year_end", "2024-12-31"),
    ],
)
def test_as09_resolutions(phrase, kind, due):
    resolution = resolve_due_phrase(phrase, reference_date=CREATED)
    assert (resolution.kind, resolution.due_date) == (kind, d(due))


def test_as09_tan_binh_item_finds_its_month_deadline():
    text = (
        "Xây dựng hoàn thành 19 tiêu chí xã Nông thôn mới Tân Bình, để sớm được công nhận trong tháng 6/2024"
    )
    [found] = find_due_phrases(text, reference_date=CREATED)
    assert (found.phrase, found.resolution.due_date) == ("trong tháng 6/2024", d("2024-06-30"))
    assert text[found.start : found.end] == found.phrase


# ------------------------------------------------------------------ free text


def _summary(matches: list[DueMatch]) -> list[tuple[str, str, date | None]]:
    return [(m.phrase, m.resolution.kind, m.resolution.due_date) for m in matches]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Kết luận tại buổi làm việc chỉ đạo 09 nhiệm vụ cần tập trung thực hiện trong quý II/2024, hầu hết",
            [("trong quý II/2024", "one_off", d("2024-06-30"))],
        ),
        (
            "04 chỉ tiêu đạt từ 63 -96% và 06 chỉ tiêu xét vào cuối năm.",
            [("xét vào cuối năm", "year_end", d("2024-12-31"))],
        ),
        (
            "05 chỉ tiêu chưa đến thời gian thực hiện, phấn đấu đến đầu tháng 10/2024 sẽ hoàn thành tất cả",
            [("đến đầu tháng 10/2024", "one_off", d("2024-10-10"))],
        ),
        (
            "kỷ niệm 95 năm Ngày thành lập Công đoàn Việt Nam (28/7/1929 - 28/7/2024); phối hợp",
            [("(28/7/1929 - 28/7/2024)", "one_off", d("2024-07-28"))],
        ),
        (
            "tổ chức tốt các hoạt động kỷ niệm Ngày Thương binh - Liệt sĩ (27/7) và Ngày Phụ nữ Việt Nam (20/10).",
            [("(27/7)", "one_off", d("2024-07-27")), ("(20/10)", "one_off", d("2024-10-20"))],
        ),
        (
            "Bố trí, sắp xếp cán bộ theo Đề án đại hội ngay sau khi kết thúc đại hội. Xây dựng",
            [("ngay sau khi kết thúc đại hội", "event", None)],
        ),
        (
            "Tiếp tục củng cố, phấn đấu mỗi chi bộ thực hiện sinh hoạt chuyên đề 01 lần/quý.",
            [("Tiếp tục", "continuous", None), ("01 lần/quý", "recurring", None)],
        ),
        (
            "Báo cáo kết quả về Văn phòng Huyện ủy trước ngày 15/7/2024.",
            [("trước ngày 15/7/2024", "one_off", d("2024-07-14"))],
        ),
    ],
)
def test_find_due_phrases_in_seed_sentences(text, expected):
    assert _summary(find_due_phrases(text, reference_date=CREATED)) == expected


@pytest.mark.parametrize(
    "text",
    [
        # a period label, not a deadline
        "BÁO CÁO Làm việc định kỳ quý II/2024 giữa Thường trực Huyện ủy",
        "KẾT QUẢ THỰC HIỆN NHIỆM VỤ 6 THÁNG ĐẦU NĂM 2024",
        "triển khai Chương trình công tác năm 2024 của Ban Chấp hành",
        # a narrated date and a reference date
        "Ngày 14/3/2024, Thường trực Huyện ủy có buổi làm việc định kỳ",
        "Tham mưu ban hành Kế hoạch số 175-KH/HU ngày 29/3/2024 về mô hình",
        "Quyết định số 10/2012/QĐ-UBND ngày 14/02/2012 của Ủy ban",
        # ratios and percentages
        "kết nạp 112/158 đảng viên, đạt 70,89% chỉ tiêu",
        # a start, not a deadline
        "số liệu tính từ đầu năm 2024 đến nay",
    ],
)
def test_find_due_phrases_ignores_non_deadlines(text):
    assert find_due_phrases(text, reference_date=CREATED) == []


def test_find_due_phrases_skips_unresolvable_ones():
    text = "Ngày Phụ nữ Việt Nam (20/10); hoàn thành trong quý V/2024; trong tháng 6/2024"
    assert _summary(find_due_phrases(text)) == [("trong tháng 6/2024", "one_off", d("2024-06-30"))]


def test_find_due_phrases_offsets_index_normalised_text():
    text = "Hoàn\u00a0thành  trong quý III/2024."
    [found] = find_due_phrases(text)
    assert (found.start, found.end, found.phrase) == (11, 29, "trong quý III/2024")


def test_find_due_phrases_on_empty_text():
    assert find_due_phrases("") == []


# ------------------------------------------------------------------ quarters


@pytest.mark.parametrize(
    ("quarter", "first", "last"),
    [
        (1, "2024-01-01", "2024-03-31"),
        (2, "2024-04-01", "2024-06-30"),
        (3, "2024-07-01", "2024-09-30"),
        (4, "2024-10-01", "2024-12-31"),
    ],
)
def test_quarter_bounds(quarter, first, last):
    assert quarter_bounds(2024, quarter) == (d(first), d(last))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2024-01-01", (2024, 1)),
        ("2024-06-30", (2024, 2)),
        ("2024-07-01", (2024, 3)),
        ("2024-12-31", (2024, 4)),
    ],
)
def test_quarter_of(day, expected):
    assert quarter_of(d(day)) == expected


@pytest.mark.parametrize(
    ("code", "expected"), [("2024-Q2", (2024, 2)), ("2025-q4", (2025, 4)), (" 2024-Q1 ", (2024, 1))]
)
def test_parse_quarter_code(code, expected):
    assert parse_quarter_code(code) == expected


@pytest.mark.parametrize("code", ["2024-Q5", "2024-Q0", "2024Q2", "Q2-2024", "24-Q2", "", "quý II/2024"])
def test_parse_quarter_code_rejects(code):
    with pytest.raises(PeriodPhraseError, match="Mã quý"):
        parse_quarter_code(code)


def test_format_quarter_code_round_trips():
    assert parse_quarter_code(format_quarter_code(2024, 3)) == (2024, 3)


@pytest.mark.parametrize(
    ("quarter", "label"), [(1, "quý I/2024"), (2, "quý II/2024"), (3, "quý III/2024"), (4, "quý IV/2024")]
)
def test_quarter_label(quarter, label):
    assert quarter_label(2024, quarter) == label
    assert resolve_due_phrase(label).due_date == quarter_bounds(2024, quarter)[1]


@pytest.mark.parametrize(
    ("quarter", "heading"),
    [(1, "QUÝ I NĂM 2024"), (2, "6 THÁNG ĐẦU NĂM 2024"), (3, "9 THÁNG ĐẦU NĂM 2024"), (4, "NĂM 2024")],
)
def test_report_period_heading(quarter, heading):
    assert report_period_heading(2024, quarter) == heading


@pytest.mark.parametrize(
    "helper", [quarter_bounds, quarter_label, report_period_heading, format_quarter_code]
)
@pytest.mark.parametrize("quarter", [0, 5])
def test_quarter_helpers_reject_bad_quarters(helper, quarter):
    with pytest.raises(PeriodPhraseError):
        helper(2024, quarter)


@pytest.mark.parametrize(
    ("recurrence", "day", "end"),
    [
        ("weekly", "2024-03-14", "2024-03-17"),
        ("monthly", "2024-02-10", "2024-02-29"),
        ("quarterly", "2024-05-02", "2024-06-30"),
        ("yearly", "2024-05-02", "2024-12-31"),
    ],
)
def test_cycle_end(recurrence, day, end):
    assert cycle_end(recurrence, d(day)) == d(end)


def test_cycle_end_rejects_unknown_recurrence():
    with pytest.raises(PeriodPhraseError):
        cycle_end("daily", CREATED)


# --------------------------------------------------------------------------- Period (kỳ): the one definition


@pytest.mark.parametrize(
    ("code", "canonical", "start", "end", "label", "end_quarter"),
    [
        ("2024-Q2", "2024-Q2", "2024-04-01", "2024-06-30", "quý II/2024", 2),
        ("2024-q4", "2024-Q4", "2024-10-01", "2024-12-31", "quý IV/2024", 4),
        ("2024-H1", "2024-H1", "2024-01-01", "2024-06-30", "6 tháng đầu năm 2024", 2),
        ("2024-H2", "2024-H2", "2024-07-01", "2024-12-31", "6 tháng cuối năm 2024", 4),
        ("2024-9M", "2024-9M", "2024-01-01", "2024-09-30", "9 tháng đầu năm 2024", 3),
        ("2024", "2024", "2024-01-01", "2024-12-31", "năm 2024", 4),
        (" 2024-Y ", "2024", "2024-01-01", "2024-12-31", "năm 2024", 4),
    ],
)
def test_period_codes_bounds_and_labels(code, canonical, start, end, label, end_quarter):
    period = parse_period(code)
    assert (period.code, period.start, period.end, period.label, period.end_quarter) == (
        canonical, d(start), d(end), label, end_quarter)
    assert parse_period(period.code) == period
    assert period.contains(d(start)) and period.contains(d(end)) and not period.contains(d(end) + timedelta(days=1))


@pytest.mark.parametrize("bad", ["", None, "24", "2024-Q5", "2024-Q0", "2024-H3", "2024-10M", "1999", "2101-Q1", "2024-Q1x"])
def test_bad_period_codes_are_refused_with_the_field(app, bad):
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        parse_period(bad, field="quarter")
    assert refused.value.field == "quarter"


def test_quarter_arithmetic_crosses_years():
    q1 = Period.quarter(2024, 1)
    assert q1.previous_quarter() == Period.quarter(2023, 4)
    assert Period.quarter(2024, 4).next_quarter() == Period.quarter(2025, 1)
    assert Period(2024, "half", 1).next_quarter() == Period.quarter(2024, 3)  # after the Q2 session
    assert Period.quarter_containing(d("2024-12-31")) == Period.quarter(2024, 4)
    assert [p.code for p in last_quarters(d("2024-02-10"))] == ["2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"]


def test_period_choices_offer_only_periods_begun_newest_first():
    codes = [code for code, _label in period_choices(d("2024-05-01"), years=2)]
    assert codes == ["2024", "2024-H1", "2024-Q2", "2024-Q1", "2023", "2023-H2", "2023-H1",
                     "2023-Q4", "2023-Q3", "2023-Q2", "2023-Q1"]
    assert dict(period_choices(d("2024-05-01"), years=1))["2024-Q2"] == "Quý II/2024"
