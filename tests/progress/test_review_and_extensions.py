"""Completion review (office confirms or returns) and extension requests (committee decides),
with on-time vs late judged against the original due date and the extension shown beside it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import time_machine

from app.core.enums import ExtensionState, ReviewState, TaskStatus
from app.extensions import db
from app.models import ExtensionRequest, Notification, ProgressReport, Task
from tests.progress.helpers import count, fresh, report_payload, task_events

PROPOSAL = "Tham mưu ban hành Kế hoạch số 175-KH/HU ngày 29/3/2024; đã tổ chức hội nghị."


def _propose(client, task, *, on: date | None = None) -> ProgressReport:
    payload = report_payload(fresh(Task, task.id).version_id, status="completion_proposed", result_text=PROPOSAL)
    if on:
        payload["reported_on"] = on.isoformat()
    assert client.post_form(f"/progress/tasks/{task.id}/report", payload).status_code == 302
    return db.session.scalar(sa.select(ProgressReport).order_by(ProgressReport.id.desc()))


@time_machine.travel(date(2024, 6, 25), tick=False)
def test_confirmed_on_time(client, make_client, world, factories):
    task = factories.task(world.lead, due=date(2024, 6, 30))
    agency = make_client()
    agency.login(world.officer)
    report = _propose(agency, task, on=date(2024, 6, 20))
    client.login(world.office)
    assert "Đề nghị hoàn thành chờ xác nhận" in client.get(f"/tasks/{task.id}").get_data(as_text=True)
    response = client.post_form(f"/progress/reports/{report.id}/confirm", {"completed_on": "", "note": ""})
    assert response.status_code == 302
    task = fresh(Task, task.id)
    assert (task.status, task.completed_on, task.progress_percent) == (TaskStatus.COMPLETED, date(2024, 6, 20), 100)
    report = fresh(ProgressReport, report.id)
    assert report.review_state is ReviewState.CONFIRMED and report.reviewed_by_id == world.office.id
    [event] = task_events(task.id, "confirm")
    assert "đúng hạn" in event.summary
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Hoàn thành ngày 20/06/2024, đúng hạn (hạn 30/06/2024)." in page
    assert count(Notification, Notification.user_id == world.officer.id, Notification.kind == "completion_confirmed") == 1


@time_machine.travel(date(2024, 7, 20), tick=False)
def test_late_completion_is_judged_against_the_original_due_date_with_the_extension_beside_it(
        client, make_client, world, factories):
    task = factories.task(world.lead, due=date(2024, 6, 30))
    with time_machine.travel(date(2024, 6, 28), tick=False):
        agency = make_client()
        agency.login(world.head)
        assert agency.post_form(f"/progress/tasks/{task.id}/extension", {
            "requested_due_date": "2024-07-31", "reason": "Chờ hướng dẫn của Ban Tuyên giáo Tỉnh ủy."}).status_code == 302
        committee = make_client()
        committee.login(world.committee)
        ext = db.session.scalar(sa.select(ExtensionRequest))
        assert committee.post_form(f"/progress/extensions/{ext.id}/decide", {"approve": "1", "note": ""}).status_code == 302
    task_now = fresh(Task, task.id)
    assert (task_now.due_date, task_now.original_due_date) == (date(2024, 7, 31), date(2024, 6, 30))
    agency = make_client()
    agency.login(world.officer)
    report = _propose(agency, task, on=date(2024, 7, 15))
    client.login(world.chief)
    response = client.post_form(f"/progress/reports/{report.id}/confirm", {"completed_on": "2024-07-15"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "trễ 15 ngày so với hạn ban đầu 30/06/2024" in page
    assert "Đã được gia hạn đến 31/07/2024: trong hạn gia hạn." in page


@time_machine.travel(date(2024, 6, 25), tick=False)
def test_returned_with_reason_goes_back_in_progress(client, make_client, world, factories):
    task = factories.task(world.lead, due=date(2024, 6, 30))
    agency = make_client()
    agency.login(world.officer)
    report = _propose(agency, task)
    client.login(world.office)
    refused = client.post_form(f"/progress/reports/{report.id}/return", {"reason": "  "})
    assert refused.status_code == 303  # no reason: refused, nothing changed
    assert fresh(ProgressReport, report.id).review_state is ReviewState.PENDING
    response = client.post_form(f"/progress/reports/{report.id}/return", {"reason": "Chưa có biên bản hội nghị."})
    assert response.status_code == 302
    task = fresh(Task, task.id)
    assert (task.status, task.completed_on) == (TaskStatus.IN_PROGRESS, None)
    report = fresh(ProgressReport, report.id)
    assert report.review_state is ReviewState.RETURNED and report.review_note == "Chưa có biên bản hội nghị."
    assert "Trả lại đề nghị hoàn thành: Chưa có biên bản hội nghị." in [e.summary for e in task_events(task.id)]
    # The agency sees the reason on the task page and in its notifications.
    assert "Chưa có biên bản hội nghị." in agency.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert count(Notification, Notification.user_id == world.officer.id, Notification.kind == "completion_returned") == 1
    # A second decision on the same proposal is refused.
    again = client.post_form(f"/progress/reports/{report.id}/confirm", {}, follow_redirects=True)
    assert "đã được xử lý" in again.get_data(as_text=True)
    assert fresh(Task, task.id).status is TaskStatus.IN_PROGRESS


@time_machine.travel(date(2024, 6, 25), tick=False)
def test_item_proposals_roll_up_to_the_task(client, make_client, world, factories):
    task = factories.task(world.lead, due=date(2024, 6, 30), items=[("Nội dung một", None), ("Nội dung hai", None)])
    agency = make_client()
    agency.login(world.officer)
    first, second = task.items
    for item in (first, second):
        payload = report_payload(fresh(Task, task.id).version_id, status="completion_proposed", result_text=PROPOSAL,
                                 content_item_id=str(item.id), reported_on=f"2024-06-2{item.ordinal}")
        assert agency.post_form(f"/progress/tasks/{task.id}/report", payload).status_code == 302
    assert fresh(Task, task.id).status is TaskStatus.COMPLETION_PROPOSED
    client.login(world.office)
    reports = db.session.scalars(sa.select(ProgressReport).order_by(ProgressReport.id)).all()
    client.post_form(f"/progress/reports/{reports[0].id}/confirm", {})
    assert fresh(Task, task.id).status is TaskStatus.COMPLETION_PROPOSED  # one item still waiting
    client.post_form(f"/progress/reports/{reports[1].id}/confirm", {})
    task = fresh(Task, task.id)
    assert (task.status, task.completed_on) == (TaskStatus.COMPLETED, date(2024, 6, 22))


@time_machine.travel(date(2024, 6, 25), tick=False)
def test_extension_rejected_keeps_the_due_date_and_the_history(client, make_client, world, factories):
    task = factories.task(world.lead, due=date(2024, 6, 30))
    agency = make_client()
    agency.login(world.officer)
    url = f"/progress/tasks/{task.id}/extension"
    assert agency.post_form(url, {"requested_due_date": "2024-06-20", "reason": "x"}).status_code == 422  # not later
    assert agency.post_form(url, {"requested_due_date": "2024-08-31", "reason": ""}).status_code == 422
    assert agency.post_form(url, {"requested_due_date": "2024-08-31", "reason": "Thiếu kinh phí."}).status_code == 302
    duplicate = agency.post_form(url, {"requested_due_date": "2024-09-30", "reason": "Lần hai"})
    assert duplicate.status_code == 409 and "đang chờ quyết định" in duplicate.get_data(as_text=True)
    assert count(ExtensionRequest) == 1
    assert count(Notification, Notification.user_id == world.committee.id, Notification.kind == "extension_requested") == 1
    ext = db.session.scalar(sa.select(ExtensionRequest))
    client.login(world.committee)
    assert "Thiếu kinh phí." in client.get("/progress/extensions").get_data(as_text=True)
    no_reason = client.post_form(f"/progress/extensions/{ext.id}/decide", {"reject": "1", "note": ""})
    assert no_reason.status_code == 303 and fresh(ExtensionRequest, ext.id).state is ExtensionState.PENDING
    response = client.post_form(f"/progress/extensions/{ext.id}/decide", {"reject": "1", "note": "Đề nghị khẩn trương thực hiện."})
    assert response.status_code == 302
    ext = fresh(ExtensionRequest, ext.id)
    assert ext.state is ExtensionState.REJECTED and ext.decided_by_id == world.committee.id
    task_now = fresh(Task, task.id)
    assert (task_now.due_date, task_now.original_due_date) == (date(2024, 6, 30), date(2024, 6, 30))
    # A new request after the rejection is possible; both stay in the history.
    assert agency.post_form(url, {"requested_due_date": "2024-07-15", "reason": "Xin gia hạn ngắn hơn."}).status_code == 302
    page = agency.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Lịch sử gia hạn" in page and "Không đồng ý" in page and "Xin gia hạn ngắn hơn." in page
    actions = [e.action for e in task_events(task.id)]
    assert actions == ["extension_request", "extension_decision", "extension_request"]


@time_machine.travel(date(2024, 6, 25), tick=False)
def test_second_decision_on_an_extension_is_refused(client, world, factories):
    task = factories.task(world.lead, due=date(2024, 6, 30))
    ext = ExtensionRequest(task_id=task.id, organisation_id=world.lead.id, requested_by_id=world.officer.id,
                           current_due_date=date(2024, 6, 30), requested_due_date=date(2024, 7, 31), reason="Lý do",
                           state=ExtensionState.PENDING, created_at=task.created_at)
    db.session.add(ext)
    db.session.commit()
    client.login(world.admin)
    assert client.post_form(f"/progress/extensions/{ext.id}/decide", {"approve": "1"}).status_code == 302
    again = client.post_form(f"/progress/extensions/{ext.id}/decide", {"reject": "1", "note": "Đổi ý"},
                             follow_redirects=True)
    assert "đã được quyết định" in again.get_data(as_text=True)
    assert fresh(ExtensionRequest, ext.id).state is ExtensionState.APPROVED
    assert fresh(Task, task.id).due_date == date(2024, 7, 31)


def test_continuous_tasks_need_no_extension(client, world, factories):
    from app.core.enums import TaskKind

    task = factories.task(world.lead, kind=TaskKind.CONTINUOUS, due=None)
    client.login(world.officer)
    response = client.post_form(f"/progress/tasks/{task.id}/extension", {"requested_due_date": "2031-01-01", "reason": "x"})
    assert response.status_code == 422 and count(ExtensionRequest) == 0
