"""Issue 17's domain rules, on the real database: the five đoàn thể, one periodic session per quarter."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.errors import ValidationFailed
from app.directives import services
from app.extensions import db
from app.reports import services as report_services

FIVE = ["LĐLĐ", "CCB", "HND", "HLHPN", "HĐ"]


def test_mass_organisations_phrase_is_the_five_without_the_red_cross(catalog):
    draft = services.propose_import(
        "1. Ban Dân vận Huyện ủy chủ trì, phối hợp các đoàn thể chính trị - xã hội huyện tổ chức tuyên truyền "
        "trong quý III/2024.\n", reference_date=date(2024, 6, 20))
    (task,) = draft.tasks
    assert task.lead_code == "BDV"
    assert task.coordinator_codes == FIVE
    assert catalog["CTĐ"].kind.value == "association"


def test_a_second_periodic_session_in_a_quarter_is_refused(office, catalog):
    first = services.create_meeting(office, services.MeetingInput(held_on=date(2024, 3, 14)))
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        services.create_meeting(office, services.MeetingInput(held_on=date(2024, 3, 28)))
    assert "14/3/2024" in refused.value.message and refused.value.field == "held_on"
    # Another kind of meeting in the quarter is fine, and so is the next quarter's session.
    services.create_meeting(office, services.MeetingInput(held_on=date(2024, 3, 28), kind="plenary"))
    services.create_meeting(office, services.MeetingInput(held_on=date(2024, 6, 20)))
    # Moving a session into a quarter that has one is refused too.
    later = services.create_meeting(office, services.MeetingInput(held_on=date(2024, 9, 20)))
    db.session.flush()
    with pytest.raises(ValidationFailed):
        services.update_meeting(office, later, services.MeetingInput(held_on=date(2024, 6, 25)))
    assert first.id is not None


def test_report_picks_the_quarters_session_with_a_conclusion_and_says_so(factories, catalog):
    # Data recorded before the rule: two Q1 sessions, only the earlier one has an issued conclusion.
    with_notice = factories.meeting(held_on=date(2024, 3, 14))
    factories.meeting(held_on=date(2024, 3, 28))
    factories.directive(meeting=with_notice, issued_on=date(2024, 3, 18))
    db.session.commit()
    built = report_services.build_period_report(2024, "quarter", 2, date(2024, 6, 20))
    assert built.conclusion is not None and built.conclusion.held_on == date(2024, 3, 14)
    assert any("14/3/2024" in w and "28/3/2024" in w for w in built.warnings)
