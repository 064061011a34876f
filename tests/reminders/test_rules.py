"""The pure reminder rules: what is due on a day, for a task snapshot, under a policy."""

from datetime import date, timedelta

import pytest

from app.core.enums import ReminderKind, TaskKind, TaskStatus
from app.reminders import rules
from app.reminders.policy import DEFAULT_POLICY, ReminderPolicy
from app.reminders.rules import Audience, ItemSnapshot, Obligation, TaskSnapshot
from app.reminders.workdays import WorkingCalendar


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar([2023, 2024, 2025, 2026])


def due_on(ob, day, cal, policy=DEFAULT_POLICY, meetings=()):
    return {(r.slot, r.audience, r.key_date, r.working_days) for r in rules.reminders_for(ob, day, policy, cal, meeting_dates=meetings)}


def first_days(ob, start, end, cal, policy=DEFAULT_POLICY, meetings=()):
    """slot → the first day it was due (what a daily scheduler would claim)."""
    seen: dict[str, date] = {}
    day = start
    while day <= end:
        for r in rules.reminders_for(ob, day, policy, cal, meeting_dates=meetings):
            seen.setdefault(f"{r.slot}@{r.key_date}", day)
        day += timedelta(days=1)
    return seen


def test_before_due_then_due_today_on_working_days(cal):
    ob = Obligation(1, 10, date(2024, 6, 28))  # a Friday
    assert first_days(ob, date(2024, 6, 1), date(2024, 6, 28), cal) == {
        "before_due.7@2024-06-28": date(2024, 6, 19),
        "before_due.3@2024-06-28": date(2024, 6, 25),
        "before_due.1@2024-06-28": date(2024, 6, 27),
        "due_today@2024-06-28": date(2024, 6, 28),
    }
    assert due_on(ob, date(2024, 6, 25), cal) == {("before_due.3", Audience.AGENCY, date(2024, 6, 28), 3)}
    assert due_on(ob, date(2024, 6, 18), cal) == set()


def test_a_due_date_on_a_holiday_is_reminded_on_the_last_working_day_before_it(cal):
    ob = Obligation(1, 10, date(2024, 4, 30))  # Ngày Chiến thắng; 29/4 is off too
    days = first_days(ob, date(2024, 4, 1), date(2024, 5, 6), cal)
    assert days["due_today@2024-04-30"] == date(2024, 4, 26)
    assert days["before_due.1@2024-04-30"] == date(2024, 4, 25)
    assert days["before_due.3@2024-04-30"] == date(2024, 4, 23)
    assert days["before_due.7@2024-04-30"] == date(2024, 4, 16)  # 18/4 (Giỗ Tổ) is skipped
    # Late from Thursday 2/5 (1/5 is off); the make-up Saturday 4/5 counts as a working day.
    assert days["overdue.0@2024-04-30"] == date(2024, 5, 2)
    assert days["overdue.1@2024-04-30"] == date(2024, 5, 6)  # 2/5, 3/5, 4/5 (make-up Saturday), 6/5


def test_overdue_repeats_every_three_working_days_and_escalates_once_per_level(cal):
    ob = Obligation(1, 10, date(2024, 6, 10))
    days = first_days(ob, date(2024, 6, 11), date(2024, 7, 10), cal)
    overdue = sorted(d for slot, d in days.items() if slot.startswith("overdue."))
    assert [cal.working_days_between(ob.due_date, d) for d in overdue] == [1, 4, 7, 10, 13, 16, 19, 22]
    assert cal.working_days_between(ob.due_date, days["escalation_head@2024-06-10"]) == 3
    assert cal.working_days_between(ob.due_date, days["escalation_chief@2024-06-10"]) == 7
    assert cal.working_days_between(ob.due_date, days["escalation_committee@2024-06-10"]) == 14
    assert due_on(ob, date(2024, 6, 19), cal) >= {("escalation_chief", Audience.CHIEF, date(2024, 6, 10), 7)}


def test_a_missed_escalation_is_caught_up_within_the_window_only(cal):
    ob = Obligation(1, 10, date(2024, 3, 1))
    late_12 = cal.add_working_days(date(2024, 3, 1), 12)
    slots = {s for s, *_ in due_on(ob, late_12, cal)}
    assert {"escalation_head", "escalation_chief"} <= slots  # 3+10 > 12, 7+10 > 12
    late_30 = cal.add_working_days(date(2024, 3, 1), 30)
    assert {s for s, *_ in due_on(ob, late_30, cal)} == {"overdue.9"}  # the weekly digest covers the rest


def test_nothing_on_a_day_off_and_nothing_for_completed_tasks(cal):
    ob = Obligation(1, 10, date(2024, 6, 10))
    assert due_on(ob, date(2024, 6, 15), cal) == set()  # Saturday
    assert due_on(ob, date(2024, 9, 2), cal) == set()   # Quốc khánh
    done = TaskSnapshot(1, 10, date(2024, 6, 10), TaskStatus.COMPLETED, items=(ItemSnapshot(20, None, TaskStatus.IN_PROGRESS),))
    assert rules.obligations_for(done) == []


def test_a_completion_proposal_pauses_chasing_unless_the_policy_says_otherwise(cal):
    ob = Obligation(1, 10, date(2024, 6, 10), completion_proposed=True)
    assert due_on(ob, date(2024, 6, 19), cal) == set()
    keep_chasing = ReminderPolicy(pause_when_completion_proposed=False)
    assert due_on(ob, date(2024, 6, 19), cal, keep_chasing)


def test_an_extension_starts_a_new_stream_because_the_key_has_the_due_date(cal):
    before = Obligation(1, 10, date(2024, 5, 10))
    after = Obligation(1, 10, date(2024, 5, 31))
    day = date(2024, 5, 14)
    old = rules.reminders_for(before, day, DEFAULT_POLICY, cal)
    new = rules.reminders_for(after, day, DEFAULT_POLICY, cal)
    assert [r.kind for r in old] == [ReminderKind.OVERDUE] and new == []
    keys = {rules.dedupe_key(r.slot, 1, "A@x.vn", r.key_date) for r in old}
    assert keys == {"overdue.0:1:a@x.vn:2024-05-10"}
    assert rules.reminders_for(after, date(2024, 5, 22), DEFAULT_POLICY, cal)[0].key_date == date(2024, 5, 31)


def test_content_items_with_their_own_lead_or_due_date_are_separate_streams():
    task = TaskSnapshot(7, 10, date(2024, 6, 30), TaskStatus.IN_PROGRESS, items=(
        ItemSnapshot(None, None, TaskStatus.IN_PROGRESS),                 # same lead and due: merged
        ItemSnapshot(20, None, TaskStatus.IN_PROGRESS),                   # led by another agency
        ItemSnapshot(None, date(2024, 6, 15), TaskStatus.NOT_STARTED),    # finer deadline for the lead
        ItemSnapshot(30, None, TaskStatus.COMPLETED),                     # done: no stream
        ItemSnapshot(40, None, TaskStatus.COMPLETION_PROPOSED),
    ))
    assert rules.obligations_for(task) == [
        Obligation(7, 10, date(2024, 6, 30)),
        Obligation(7, 20, date(2024, 6, 30)),
        Obligation(7, 10, date(2024, 6, 15)),
        Obligation(7, 40, date(2024, 6, 30), completion_proposed=True),
    ]


def test_continuous_tasks_get_a_reporting_call_before_the_quarterly_session_instead_of_overdue(cal):
    task = TaskSnapshot(3, 10, date(2024, 1, 31), TaskStatus.IN_PROGRESS, TaskKind.CONTINUOUS)
    [ob] = rules.obligations_for(task)
    meetings = rules.quarterly_meeting_dates(date(2024, 6, 3), [], DEFAULT_POLICY, cal)
    # No session scheduled: the 15th of the quarter's last month, 15/6/2024 a Saturday → Friday 14/6.
    assert meetings == [date(2024, 6, 14), date(2024, 9, 13)]
    days = first_days(ob, date(2024, 5, 1), date(2024, 6, 30), cal, meetings=meetings)
    assert days == {"reporting_call@2024-06-14": date(2024, 6, 7)}
    scheduled = rules.quarterly_meeting_dates(date(2024, 6, 3), [date(2024, 6, 20)], DEFAULT_POLICY, cal)
    assert scheduled[0] == date(2024, 6, 20)
    assert first_days(ob, date(2024, 6, 1), date(2024, 6, 30), cal, meetings=scheduled) == {"reporting_call@2024-06-20": date(2024, 6, 13)}


def test_weekly_digests_move_to_the_first_working_day_of_the_week(cal):
    assert rules.digest_week(date(2024, 6, 17), 0, cal) == date(2024, 6, 17)
    assert rules.digest_week(date(2024, 6, 19), 0, cal) == date(2024, 6, 17)  # still due if Monday was missed
    assert rules.digest_week(date(2024, 9, 2), 0, cal) is None                # Quốc khánh (Mon, Tue)
    assert rules.digest_week(date(2024, 9, 4), 0, cal) == date(2024, 9, 2)
    assert rules.digest_week(date(2024, 6, 17), 2, cal) is None               # Wednesday's digest not yet
    assert rules.digest_week(date(2024, 6, 17), None, cal) is None


def test_every_slot_is_due_on_exactly_one_first_day_and_only_on_working_days(cal):
    """Over a year of due dates, each reminder's first day is a working day and slots never repeat."""
    policy = DEFAULT_POLICY
    due = date(2024, 1, 2)
    while due < date(2025, 1, 1):
        ob = Obligation(1, 10, due)
        days = first_days(ob, due - timedelta(days=20), due + timedelta(days=40), cal, policy)
        assert all(cal.is_working_day(d) for d in days.values()), due
        expected_before = {f"before_due.{n}@{due}" for n in policy.before_due_working_days}
        assert expected_before | {f"due_today@{due}", f"overdue.0@{due}"} <= set(days), due
        assert days[f"due_today@{due}"] == cal.last_working_day_on_or_before(due)
        due += timedelta(days=5)
