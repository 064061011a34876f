"""Time travel over quý II/2024 (1/4 – 30/6/2024), one tick a day (and a second one each
afternoon), against a real SMTP server: every reminder the policy calls for arrives exactly once,
on a working day, and nothing arrives for a task after it is completed.

The expected messages are computed here independently of the application's calendar code: a
plain day-by-day walk over ``holidays.VN`` (30/4, 1/5, the substituted Monday 29/4, Giỗ Tổ 18/4,
the make-up working Saturday 4/5/2024).
"""

from collections import Counter
from datetime import date, timedelta

import holidays
import pytest
import time_machine

from app.core.enums import TaskKind, TaskStatus
from app.extensions import db
from tests.reminders.conftest import at, tick

VN = holidays.VN(years=[2023, 2024, 2025])
MAKE_UP = set(VN.weekend_workdays)
START, END = date(2024, 4, 1), date(2024, 6, 30)


def is_working(day: date) -> bool:
    return day in MAKE_UP or (day.weekday() < 5 and day not in VN)


def working_days_before(day: date, n: int) -> date:
    while n:
        day -= timedelta(days=1)
        n -= is_working(day)
    return day


def lateness(due: date, day: date) -> int:
    return sum(is_working(due + timedelta(days=i)) for i in range(1, (day - due).days + 1))


def deadline(due: date) -> date:
    return due if is_working(due) else working_days_before(due, 1)


def stream(title: str, due: date, officers: list[str], heads: list[str], chief: str, committee: str,
           active_from: date, active_until: date) -> list[tuple]:
    """The messages of one (task, agency, due date) stream on the days it is live (a naive oracle)."""
    found = []
    last = deadline(due)
    day = active_from
    while day <= active_until:
        if is_working(day):
            def add(recipients, label, day=day):
                found.extend((day, r, label, title) for r in recipients)
            for n in (7, 3, 1):
                if working_days_before(last, n) == day:
                    add(officers, f"before {n}")
            if day == last:
                add(officers, "due today")
            if day > due:
                late = lateness(due, day)
                if (late - 1) % 3 == 0:
                    add(officers, f"overdue {late}")
                if late == 3:
                    add(heads, f"head {late}")
                if late == 7:
                    add([chief], f"chief {late}")
                if late == 14:
                    add([committee], f"committee {late}")
        day += timedelta(days=1)
    return found


def label_of(subject: str) -> tuple[str, str]:
    """(label, task title) from a subject, in the oracle's terms."""
    head, _sep, title = subject.partition(": ")
    words = head.split()
    if head.startswith("[Nhắc việc] Còn"):
        return f"before {words[3]}", title
    if head.startswith("[Nhắc việc] Đến hạn hôm nay"):
        return "due today", title
    if head.startswith("[Quá hạn]"):
        return f"overdue {words[4]}", title
    for prefix, name in (("[Báo lãnh đạo cơ quan]", "head"), ("[Báo Chánh Văn phòng]", "chief"), ("[Báo Thường trực]", "committee")):
        if head.startswith(prefix):
            return f"{name} {words[-4]}", title
    if head.startswith("[Đề nghị báo cáo]"):
        return "reporting call", title
    if head.startswith("[Tổng hợp tuần]"):
        return "agency digest", ""
    if head.startswith("[Tổng hợp quá hạn]"):
        return "chief digest", ""
    raise AssertionError(subject)


@pytest.mark.slow
def test_a_simulated_quarter_sends_every_reminder_once_on_working_days_only(smtp, district, factories):
    assert not is_working(date(2024, 4, 30)) and not is_working(date(2024, 5, 1)) and is_working(date(2024, 5, 4))
    btg_officer, btg_head = district.officer.email, district.head.email
    mttq_officer, chief, committee = district.other_officer.email, district.chief.email, district.committee.email
    btg_mailbox = "btg@phunghiep.example"
    factories.meeting(held_on=date(2024, 6, 20), label="quý II/2024")
    t = {
        "A": factories.task(district.agency, due=date(2024, 5, 3), title="Hoàn thành hồ sơ xã nông thôn mới"),
        "B": factories.task(district.agency, due=date(2024, 4, 30), title="Kỷ niệm ngày Giải phóng miền Nam"),
        "C": factories.task(district.other, due=date(2024, 6, 14), title="Sơ kết công tác dân vận"),
        "D": factories.task(district.agency, due=None, kind=TaskKind.CONTINUOUS, title="Duy trì sinh hoạt chuyên đề"),
        "E": factories.task(district.agency, due=date(2024, 5, 10), title="Kiện toàn Ban Chỉ đạo 35"),
        "F": factories.task(district.agency, due=date(2024, 4, 19), title="Tuyên truyền bầu cử bổ sung",
                            items=[("Tuyên truyền trên loa", None), ("Vận động đoàn viên", district.other)]),
    }
    completed = {"A": date(2024, 5, 20), "B": date(2024, 5, 6), "C": date(2024, 6, 6), "F": date(2024, 6, 28)}
    extension = (date(2024, 5, 14), date(2024, 5, 31))  # E: from 10/5 to 31/5, decided on 14/5

    # --- the oracle -------------------------------------------------------------------------
    day_before = lambda d: d - timedelta(days=1)  # noqa: E731  (a stream stops the day the change is made)
    expected = []
    expected += stream(t["A"].title, date(2024, 5, 3), [btg_officer], [btg_head], chief, committee, START, day_before(completed["A"]))
    expected += stream(t["B"].title, date(2024, 4, 30), [btg_officer], [btg_head], chief, committee, START, day_before(completed["B"]))
    expected += stream(t["C"].title, date(2024, 6, 14), [mttq_officer], [], chief, committee, START, day_before(completed["C"]))
    expected += stream(t["E"].title, date(2024, 5, 10), [btg_officer], [btg_head], chief, committee, START, day_before(extension[0]))
    expected += stream(t["E"].title, date(2024, 5, 31), [btg_officer], [btg_head], chief, committee, extension[0], END)
    for officers, heads in (([btg_officer], [btg_head]), ([mttq_officer], [])):
        expected += stream(t["F"].title, date(2024, 4, 19), officers, heads, chief, committee, START, day_before(completed["F"]))
    # Escalations to the chief and the committee are per task, not per agency.
    expected = _dedupe_per_task_escalations(expected)
    expected.append((date(2024, 6, 13), btg_officer, "reporting call", t["D"].title))  # 5 working days before 20/6

    def open_on(key, day):
        return key not in completed or day < completed[key]

    def overdue_on(day):
        dues = {"A": date(2024, 5, 3), "B": date(2024, 4, 30), "C": date(2024, 6, 14), "F": date(2024, 4, 19),
                "E": date(2024, 5, 10) if day < extension[0] else date(2024, 5, 31)}
        return any(open_on(k, day) and due < day for k, due in dues.items())

    monday = START
    while monday <= END:
        first = next((monday + timedelta(days=i) for i in range(7) if is_working(monday + timedelta(days=i))), None)
        if first and first <= END:
            expected += [(first, r, "agency digest", "") for r in (btg_officer, btg_head, btg_mailbox)]
            if open_on("C", first) or open_on("F", first):
                expected.append((first, mttq_officer, "agency digest", ""))
            if overdue_on(first):
                expected.append((first, chief, "chief digest", ""))
        monday += timedelta(days=7)

    # --- the run --------------------------------------------------------------------------------
    received = []
    with time_machine.travel(at(START), tick=False) as traveller:
        day = START
        while day <= END:
            traveller.move_to(at(day, 7))
            for key, done in completed.items():
                if day == done:
                    t[key].status, t[key].completed_on = TaskStatus.COMPLETED, done
                    for item in t[key].items:
                        item.status = TaskStatus.COMPLETED
            if day == extension[0]:
                t["E"].due_date = extension[1]
            db.session.commit()
            seen = len(smtp.messages)
            tick(day, 7)
            traveller.move_to(at(day, 15))
            tick(day, 15)
            received += [(day, m.recipients[0], *label_of(m.subject)) for m in smtp.messages[seen:]]
            day += timedelta(days=1)

    assert all(is_working(day) for day, *_ in received), "a reminder arrived on a day off"
    duplicates = [k for k, n in Counter(received).items() if n > 1]
    assert duplicates == []
    assert Counter(received) == Counter(expected)
    for key, done in completed.items():
        assert not [r for r in received if r[3] == t[key].title and r[0] >= done], key
    # Spot checks the oracle could get wrong in the same way as the code:
    assert (date(2024, 4, 26), btg_officer, "due today", t["B"].title) in received      # 29–30/4 off
    assert (date(2024, 5, 4), btg_head, "head 3", t["B"].title) in received            # 2, 3, 4/5 (Saturday, làm bù)
    assert (date(2024, 4, 9), btg_officer, "before 7", t["F"].title) in received        # 18/4 Giỗ Tổ skipped


def _dedupe_per_task_escalations(events: list[tuple]) -> list[tuple]:
    """Chief and committee escalations are keyed by task, so two agencies' streams of the same
    task and due date give one message."""
    seen, found = set(), []
    for event in events:
        day, recipient, label, title = event
        if label.startswith(("chief", "committee")):
            if event in seen:
                continue
            seen.add(event)
        found.append(event)
    return found


def test_scheduler_down_over_tet_2026_catches_up_once_without_a_burst(smtp, district, factories):
    """Tết 2026 (16–20/2) with the scheduler down from 13/2 to 22/2: on restart each stream sends
    only its current reminder, once, and the working-day arithmetic skips the five Tết days."""
    from tests.reminders.conftest import no_digests

    no_digests()
    soon = factories.task(district.agency, due=date(2026, 2, 24), title="Báo cáo sau Tết")
    late = factories.task(district.agency, due=date(2026, 2, 13), title="Báo cáo trước Tết")
    days_run = [date(2026, 2, 5), date(2026, 2, 6), date(2026, 2, 9), date(2026, 2, 10), date(2026, 2, 11), date(2026, 2, 12),
                date(2026, 2, 23), date(2026, 2, 24), date(2026, 2, 25)]
    received = []
    with time_machine.travel(at(days_run[0]), tick=False) as traveller:
        for day in days_run:
            traveller.move_to(at(day))
            seen = len(smtp.messages)
            tick(day)
            tick(day, 16)
            received += [(day, m.recipients[0], *label_of(m.subject)) for m in smtp.messages[seen:]]
    officer, head = district.officer.email, district.head.email
    assert Counter(received) == Counter([
        (date(2026, 2, 5), officer, "before 6", late.title),     # first run: the 7-day milestone (4/2) caught up
        (date(2026, 2, 6), officer, "before 7", soon.title),     # 6/2 + 7 working days = 24/2, across Tết
        (date(2026, 2, 10), officer, "before 3", late.title),
        (date(2026, 2, 12), officer, "before 1", late.title),
        (date(2026, 2, 12), officer, "before 3", soon.title),
        # Down 13/2 – 22/2: "due today" of 13/2 is lost to the outage, not replayed in a burst.
        (date(2026, 2, 23), officer, "overdue 1", late.title),   # Tết and the weekend are not late days
        (date(2026, 2, 23), officer, "before 1", soon.title),
        (date(2026, 2, 24), officer, "due today", soon.title),
        (date(2026, 2, 25), officer, "overdue 1", soon.title),
        (date(2026, 2, 25), head, "head 3", late.title),
    ])
