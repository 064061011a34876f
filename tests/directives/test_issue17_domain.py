"""Issue 17's domain rules, on the real database: the five đoàn thể, one periodic session per quarter,
recurring tasks not due before their notice, the import count."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.core.errors import ValidationFailed
from app.directives import import_flow, meetings
from app.extensions import db
from app.models import Task
from app.reports.builder import build_period_report
from tests.directives.conftest import form_values, post_values

FIVE = ["LĐLĐ", "CCB", "HND", "HLHPN", "HĐ"]


def test_mass_organisations_phrase_is_the_five_without_the_red_cross(catalog):
    text = ("1. Ban Dân vận Huyện ủy chủ trì, phối hợp các đoàn thể chính trị - xã hội huyện tổ chức tuyên truyền "
            "trong quý III/2024.\n")
    draft = import_flow.propose_import(text, reference_date=date(2024, 6, 20))
    (task,) = draft.tasks
    assert task.lead_code == "BDV"
    assert task.coordinator_codes == FIVE
    assert catalog["CTĐ"].kind.value == "association"
    # A short proposed title (the action); the paragraph is kept as the description.
    (planned,) = import_flow.plan_from_draft(draft, text, new_directive=True).tasks
    assert planned.title == "Tổ chức tuyên truyền"
    assert planned.description == text.removeprefix("1. ").strip()


def test_a_second_periodic_session_in_a_quarter_is_refused(office, catalog):
    first = meetings.create_meeting(office, meetings.MeetingInput(held_on=date(2024, 3, 14)))
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        meetings.create_meeting(office, meetings.MeetingInput(held_on=date(2024, 3, 28)))
    assert "14/3/2024" in refused.value.message and refused.value.field == "held_on"
    # Another kind of meeting in the quarter is fine, and so is the next quarter's session.
    meetings.create_meeting(office, meetings.MeetingInput(held_on=date(2024, 3, 28), kind="plenary"))
    meetings.create_meeting(office, meetings.MeetingInput(held_on=date(2024, 6, 20)))
    # Moving a session into a quarter that has one is refused too.
    later = meetings.create_meeting(office, meetings.MeetingInput(held_on=date(2024, 9, 20)))
    db.session.flush()
    with pytest.raises(ValidationFailed):
        meetings.update_meeting(office, later, meetings.MeetingInput(held_on=date(2024, 6, 25)))
    assert first.id is not None


def test_report_picks_the_quarters_session_with_a_conclusion_and_says_so(factories, catalog):
    # Data recorded before the rule: two Q1 sessions, only the earlier one has an issued conclusion.
    with_notice = factories.meeting(held_on=date(2024, 3, 14))
    factories.meeting(held_on=date(2024, 3, 28))
    factories.directive(meeting=with_notice, issued_on=date(2024, 3, 18))
    db.session.commit()
    built = build_period_report(2024, "quarter", 2, date(2024, 6, 20))
    assert built.conclusion is not None and built.conclusion.held_on == date(2024, 3, 14)
    assert any("14/3/2024" in w and "28/3/2024" in w for w in built.warnings)


def _review(client, url: str, text: str) -> str:
    response = client.post_form(url, {"step": "propose", "text": text})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_monthly_task_of_a_late_notice_is_first_due_after_the_notice_and_the_count_says_all(
        office_client, catalog, factories):
    # Session on 28/11, notice issued 1/12: "hằng tháng" must not give an occurrence due 30/11.
    session = factories.meeting(held_on=date(2024, 11, 28), label="quý IV/2024")
    notice = factories.directive(meeting=session, issued_on=date(2024, 12, 1))
    db.session.commit()
    text = "1. Văn phòng Huyện ủy chủ trì tổng hợp tình hình, báo cáo Thường trực Huyện ủy hằng tháng.\n"
    html = _review(office_client, f"/directives/{notice.id}/import", text)
    response = post_values(office_client, f"/directives/{notice.id}/import", form_values(html), follow_redirects=True)
    page = response.get_data(as_text=True)
    tasks = db.session.scalars(sa.select(Task).where(Task.directive_id == notice.id).order_by(Task.due_date)).all()
    assert tasks[0].parent_task_id is None and tasks[0].due_date == date(2024, 12, 31)
    assert min(t.due_date for t in tasks) >= notice.issued_on
    occurrences = len(tasks) - 1
    assert occurrences >= 1
    assert f"Đã lưu 1 nhiệm vụ từ văn bản và {occurrences:d} kỳ tiếp theo" in page
    assert f"({len(tasks)} dòng nhiệm vụ)" in page
