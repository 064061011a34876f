"""The Vietnamese working-day calendar: public holidays, Tết, substituted days, make-up Saturdays,
and the admin's overrides."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.core.enums import Role
from app.core.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import AuditEvent, WorkdayOverride
from app.reminders.workdays import WorkingCalendar, delete_override, load_calendar, save_override


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar([2023, 2024, 2025, 2026, 2027])


def test_tet_2026_is_five_days_off_and_counting_skips_it(cal):
    for day in range(16, 21):
        assert not cal.is_working_day(date(2026, 2, day)), day
    assert cal.is_working_day(date(2026, 2, 13))
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert cal.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_tet_2024_and_the_april_may_holidays(cal):
    for day in (date(2024, 2, 8), date(2024, 2, 9), date(2024, 2, 12), date(2024, 2, 13), date(2024, 2, 14)):
        assert not cal.is_working_day(day)
    # Giỗ Tổ, the substituted Monday 29/4, 30/4 and 1/5, and Quốc khánh 2–3/9.
    for day in (date(2024, 4, 18), date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1), date(2024, 9, 2), date(2024, 9, 3)):
        assert not cal.is_working_day(day), day
    assert cal.holiday_name(date(2024, 4, 30)) == "Ngày Chiến thắng"


def test_make_up_saturdays_are_working_days(cal):
    assert cal.is_working_day(date(2024, 5, 4))   # làm bù cho 29/4/2024
    assert cal.is_working_day(date(2026, 8, 22))  # làm bù cho 31/8/2026
    assert not cal.is_working_day(date(2024, 5, 11))
    # Friday 3/5/2024 → the next working day is the make-up Saturday.
    assert cal.add_working_days(date(2024, 5, 3), 1) == date(2024, 5, 4)


def test_one_working_day_before_and_after_a_weekend(cal):
    monday, saturday = date(2024, 6, 17), date(2024, 6, 15)
    assert cal.add_working_days(monday, -1) == date(2024, 6, 14)
    assert cal.add_working_days(saturday, 1) == monday
    assert cal.add_working_days(saturday, 0) == saturday
    assert cal.last_working_day_on_or_before(date(2024, 6, 16)) == date(2024, 6, 14)
    assert cal.first_working_day_on_or_after(date(2024, 6, 16)) == monday


def test_working_days_between_is_signed_and_matches_a_naive_count(cal):
    start, end = date(2024, 1, 1), date(2024, 12, 31)
    naive = sum(1 for i in range(1, (end - start).days + 1) if cal.is_working_day(start + timedelta(days=i)))
    assert cal.working_days_between(start, end) == naive
    assert cal.working_days_between(end, start) == -naive
    assert 245 <= naive <= 252  # a Vietnamese civil-service year


def test_counting_beyond_the_built_years_extends_the_calendar():
    small = WorkingCalendar([2024])
    assert small.add_working_days(date(2024, 12, 27), 5) == date(2025, 1, 6)  # 1/1/2025 is a holiday
    assert not small.is_working_day(date(2026, 2, 17))
    assert small.add_working_days(date(2024, 1, 2), -1) == date(2023, 12, 29)  # 1/1 is off


def test_overrides_win_over_the_public_calendar():
    extra_off, extra_working = date(2024, 6, 20), date(2024, 6, 22)
    cal = WorkingCalendar([2024], {extra_off: False, extra_working: True})
    assert not cal.is_working_day(extra_off)
    assert cal.is_working_day(extra_working)
    assert cal.add_working_days(date(2024, 6, 19), 1) == date(2024, 6, 21)
    assert cal.add_working_days(date(2024, 6, 21), 1) == extra_working
    rows = dict(cal.days_off(2024))
    assert rows[extra_off] == "Điều chỉnh: nghỉ"
    assert rows[date(2024, 5, 4)] == "Làm bù (thứ Bảy làm việc)"


def test_load_calendar_reads_the_override_table_and_overrides_are_audited(factories):
    admin = factories.user(Role.ADMIN)
    save_override(admin, day=date(2024, 6, 20), is_working_day=False, note="Nghỉ bù hội nghị")
    db.session.commit()
    assert not load_calendar(date(2024, 6, 1)).is_working_day(date(2024, 6, 20))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "WorkdayOverride")) == 1


def test_override_validation_changes_nothing(factories):
    admin = factories.user(Role.ADMIN)
    save_override(admin, day=date(2024, 6, 20), is_working_day=False, note="")
    db.session.commit()
    with pytest.raises(ValidationFailed):
        save_override(admin, day=date(2024, 6, 20), is_working_day=True, note="trùng ngày")
    with pytest.raises(ValidationFailed):
        save_override(admin, day=None, is_working_day=True, note="")
    with pytest.raises(ValidationFailed):
        save_override(admin, day=date(1999, 1, 1), is_working_day=True, note="")
    with pytest.raises(NotFound):
        delete_override(admin, 999999)
    db.session.rollback()
    rows = db.session.scalars(sa.select(WorkdayOverride)).all()
    assert [(r.day, r.is_working_day) for r in rows] == [(date(2024, 6, 20), False)]
