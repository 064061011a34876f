"""Deadline phrases as the task editor saves them (rules in app/directives/due_dates.py, domain.md §3.4, AS-09)."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.enums import Recurrence, TaskKind
from app.core.errors import ValidationFailed
from app.directives.due_dates import resolve_due

MEETING = date(2024, 3, 14)


@pytest.mark.parametrize(("phrase", "due"), [
    ("trong quý II/2024", date(2024, 6, 30)),            # AS-09
    ("trong quí 2 năm 2024", date(2024, 6, 30)),
    ("đến hết quý IV/2024", date(2024, 12, 31)),
    ("trong tháng 6/2024", date(2024, 6, 30)),           # AS-09
    ("tháng 02/2024", date(2024, 2, 29)),                # leap year
    ("6 tháng đầu năm 2024", date(2024, 6, 30)),         # half-year
    ("6 tháng cuối năm 2024", date(2024, 12, 31)),
    ("9 tháng đầu năm 2024", date(2024, 9, 30)),
    ("trong năm 2024", date(2024, 12, 31)),              # AS-09
    ("cuối năm 2024", date(2024, 12, 31)),
    ("xét vào cuối năm 2024", date(2024, 12, 31)),       # AS-09 (year-end evaluation)
    ("trước ngày 15/7/2024", date(2024, 7, 14)),         # "trước" is exclusive
    ("trước quý III/2024", date(2024, 6, 30)),
    ("đến ngày 15/7/2024", date(2024, 7, 15)),
    ("ngày 15 tháng 7 năm 2024", date(2024, 7, 15)),
    ("(20/10)", date(2024, 10, 20)),                     # anniversary: the meeting's year
    ("dịp 27/7", date(2024, 7, 27)),
    ("(28/7/1929 - 28/7/2024)", date(2024, 7, 28)),
])
def test_one_off_phrases_resolve_to_a_date_and_are_kept_as_written(phrase, due):
    choice = resolve_due(phrase, None, reference_date=MEETING)
    assert (choice.phrase, choice.due_date, choice.kind) == (phrase, due, TaskKind.ONE_OFF)


@pytest.mark.parametrize(("phrase", "kind", "recurrence", "due"), [
    ("hằng tháng", TaskKind.RECURRING, Recurrence.MONTHLY, date(2024, 3, 31)),
    ("01 lần/quý", TaskKind.RECURRING, Recurrence.QUARTERLY, date(2024, 3, 31)),
    ("hàng năm", TaskKind.RECURRING, Recurrence.YEARLY, date(2024, 12, 31)),
    ("thường xuyên", TaskKind.CONTINUOUS, None, None),
    ("Tiếp tục duy trì", TaskKind.CONTINUOUS, None, None),
])
def test_recurring_and_continuous_phrases(phrase, kind, recurrence, due):
    choice = resolve_due(phrase, None, reference_date=MEETING)
    assert (choice.kind, choice.recurrence, choice.due_date) == (kind, recurrence, due)


def test_vague_phrases_are_flagged_and_a_typed_date_wins():
    vague = resolve_due("đầu tháng 10/2024", None, reference_date=MEETING)
    assert (vague.due_date, vague.approximate) == (date(2024, 10, 10), True)
    confirmed = resolve_due("đầu tháng 10/2024", date(2024, 10, 7), reference_date=MEETING)
    assert (confirmed.phrase, confirmed.due_date, confirmed.approximate) == ("đầu tháng 10/2024", date(2024, 10, 7), False)


def test_an_event_phrase_needs_no_date():
    choice = resolve_due("ngay sau khi kết thúc đại hội", None, reference_date=MEETING)
    assert (choice.kind, choice.due_date) == (TaskKind.ONE_OFF, None)


def test_an_explicit_kind_overrides_the_phrase():
    choice = resolve_due("trong quý II/2024", None, reference_date=MEETING, kind="continuous")
    assert (choice.kind, choice.due_date) == (TaskKind.CONTINUOUS, date(2024, 6, 30))
    monthly = resolve_due("", None, reference_date=MEETING, kind="recurring", recurrence="monthly")
    assert (monthly.recurrence, monthly.due_date) == (Recurrence.MONTHLY, date(2024, 3, 31))


@pytest.mark.parametrize(("phrase", "message"), [
    ("trong quý V/2024", "Quý “V” không hợp lệ"),
    ("trong tháng 13/2024", "Tháng 13 không hợp lệ"),
    ("ngày 30/02/2024", "Ngày 30/02/2024 không tồn tại"),
    ("13 tháng đầu năm 2024", "Số tháng 13 không hợp lệ"),
    ("khi nào xong thì thôi", "Không nhận dạng được thời hạn"),
])
def test_invalid_phrases_are_refused_with_the_reason(phrase, message):
    with pytest.raises(ValidationFailed, match=message) as caught:
        resolve_due(phrase, None, reference_date=MEETING)
    assert caught.value.message.startswith("Thời hạn không hợp lệ: ")


def test_a_phrase_without_year_needs_the_reference_date():
    with pytest.raises(ValidationFailed, match="thiếu năm|không ghi năm"):
        resolve_due("trong quý II", None, reference_date=None)
    assert resolve_due("trong quý II", None, reference_date=MEETING).due_date == date(2024, 6, 30)
