"""Acting on late work from the review: remind now, ask for and answer an explanation, return a completion
proposal; the XLSX export and the print view. Refused roles get 403/404 and nothing changes."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.core.clock import LOCAL_TZ
from app.core.enums import ReminderKind, ReminderState, ReviewState, Role, TaskStatus
from app.extensions import db, mail
from app.models import AuditEvent, ExplanationRequest, Notification, ProgressReport, ReminderLog, Task

D = date(2024, 7, 15)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def late(factories, travel):
    travel(D)
    agency = factories.org("BTG", name="Ban Tuyên giáo", contact_emails="btg@phunghiep.example")
    other = factories.org("BTC", name="Ban Tổ chức")
    head = factories.user(Role.AGENCY_HEAD, agency, email="head@phunghiep.example")
    officer = factories.user(Role.AGENCY_OFFICER, agency, email="officer@phunghiep.example")
    stranger = factories.user(Role.AGENCY_OFFICER, other)
    task = factories.task(agency, due=D - timedelta(days=12), status=TaskStatus.IN_PROGRESS,
                          title="=HYPERLINK(\"http://x\") Tổ chức học tập, quán triệt")
    return {"agency": agency, "head": head, "officer": officer, "stranger": stranger, "task": task,
            "chief": factories.user(Role.OFFICE_CHIEF), "committee": factories.user(Role.COMMITTEE)}


def test_remind_now_sends_logs_notifies_and_audits(client, late):
    client.login(late["chief"])
    with mail.record_messages() as outbox:
        response = client.post_form(f"/oversight/tasks/{late['task'].id}/remind",
                                    {"message": "Đề nghị báo cáo trước thứ Sáu.", "next": "/oversight/overdue"})
    # Back to the row the reminder was sent from, not to the top of the list.
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/oversight/overdue#overdue-{late['task'].id}-0")
    recipients = sorted(m.recipients[0] for m in outbox)
    assert recipients == ["btg@phunghiep.example", "head@phunghiep.example", "officer@phunghiep.example"]
    assert "quá hạn 12 ngày" in outbox[0].body and "Đề nghị báo cáo trước thứ Sáu." in outbox[0].body
    logs = db.session.scalars(sa.select(ReminderLog)).all()
    assert {(log.kind, log.state) for log in logs} == {(ReminderKind.MANUAL, ReminderState.SENT)} and len(logs) == 3
    assert _count(Notification, Notification.task_id == late["task"].id) == 2
    assert _count(AuditEvent, AuditEvent.action == "remind", AuditEvent.task_id == late["task"].id) == 1
    # The review now shows the reminders already sent.
    from app.oversight import overdue_pages, overdue_review

    row = overdue_pages.overdue_page(overdue_review.OverdueFilters(as_of=D)).rows[0]
    assert row.reminders_sent == 3


def test_second_reminder_the_same_day_is_refused_with_one_clear_message(client, late, travel):
    client.login(late["chief"])
    url = f"/oversight/tasks/{late['task'].id}/remind"
    with mail.record_messages() as outbox:
        first = client.post_form(url, {"next": "/oversight/overdue"}, follow_redirects=True)
        second = client.post_form(url, {"next": "/oversight/overdue"}, follow_redirects=True)
    first_page, second_page = first.get_data(as_text=True), second.get_data(as_text=True)
    assert "Đã gửi nhắc việc tới 3 người nhận." in first_page and "không thành công" not in first_page
    assert "mỗi ngày chỉ nhắc trực tiếp một lần" in second_page and "Đã gửi nhắc việc" not in second_page
    assert len(outbox) == 3 and _count(ReminderLog) == 3
    # The next day the office may remind again.
    travel(D + timedelta(days=1))
    client.login(late["chief"])  # the session of the day before has expired
    with mail.record_messages() as outbox:
        client.post_form(url, {})
    assert len(outbox) == 3 and _count(ReminderLog) == 6


def test_confidential_task_reminder_shows_title_only(client, late, factories):
    task = factories.task(late["agency"], due=D - timedelta(days=2), is_confidential=True, title="Việc mật",
                          items=[("Nội dung mật không được gửi", None)])
    client.login(late["chief"])
    with mail.record_messages() as outbox:
        client.post_form(f"/oversight/tasks/{task.id}/remind", {"item_id": str(task.items[0].id)})
    assert outbox and all("Nội dung mật không được gửi" not in m.body for m in outbox)
    assert "xem chi tiết trên hệ thống" in outbox[0].body


def test_failed_send_is_recorded_not_raised(client, late, monkeypatch):
    from app.oversight import manual_reminders

    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(manual_reminders, "deliver", broken)
    client.login(late["chief"])
    response = client.post_form(f"/oversight/tasks/{late['task'].id}/remind", {}, follow_redirects=True)
    page = response.get_data(as_text=True)
    # One message, in one colour: nothing went out, so no green "sent" beside it.
    assert response.status_code == 200 and "Chưa gửi được thư nhắc việc nào" in page
    assert "alert-success" not in page
    assert {log.state for log in db.session.scalars(sa.select(ReminderLog))} == {ReminderState.FAILED}
    # Every send failed: the office may try again the same day (an hour later).
    monkeypatch.undo()
    with time_machine.travel(datetime.combine(D, time(11, 0), tzinfo=LOCAL_TZ), tick=False):
        again = client.post_form(f"/oversight/tasks/{late['task'].id}/remind", {}, follow_redirects=True)
    assert "Đã gửi nhắc việc tới 3 người nhận." in again.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.AGENCY_HEAD, Role.AGENCY_OFFICER])
def test_remind_refused_for_other_roles(client, late, factories, role):
    client.login(factories.user(role, late["agency"]))
    response = client.post_form(f"/oversight/tasks/{late['task'].id}/remind", {})
    assert response.status_code == 403
    assert _count(ReminderLog) == 0 and _count(Notification) == 0


def test_remind_needs_csrf_and_a_known_task(client, late):
    client.login(late["chief"])
    assert client.post(f"/oversight/tasks/{late['task'].id}/remind", data={}).status_code in (302, 400)
    assert _count(ReminderLog) == 0
    assert client.post_form("/oversight/tasks/999999/remind", {}).status_code == 404


def test_explanation_request_and_answer(client, make_client, late):
    client.login(late["chief"])
    url = f"/oversight/tasks/{late['task'].id}/explanation"
    assert client.post_form(url, {"message": "Đề nghị giải trình lý do chậm."}).status_code == 302
    request = db.session.scalar(sa.select(ExplanationRequest))
    assert request.message == "Đề nghị giải trình lý do chậm." and request.answered_at is None
    # A second open request is refused with a message, nothing added.
    second = client.post_form(url, {"message": "Lần nữa"}, follow_redirects=True)
    assert "chưa được trả lời" in second.get_data(as_text=True) and _count(ExplanationRequest) == 1
    # An empty message changes nothing.
    client.post_form(f"/oversight/tasks/{late['task'].id}/explanation", {"message": "  "})
    assert _count(ExplanationRequest) == 1

    # Another agency can neither see nor answer it.
    stranger = make_client()
    stranger.login(late["stranger"])
    assert "Đề nghị giải trình" not in stranger.get("/oversight/explanations").get_data(as_text=True)
    assert stranger.post_form(f"/oversight/explanations/{request.id}/answer", {"answer": "x"}).status_code == 404
    # The committee may read but not answer.
    committee = make_client()
    committee.login(late["committee"])
    assert committee.post_form(f"/oversight/explanations/{request.id}/answer", {"answer": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(ExplanationRequest, request.id).answer is None

    agency = make_client()
    agency.login(late["officer"])
    page = agency.get("/oversight/explanations").get_data(as_text=True)
    assert "Đề nghị giải trình lý do chậm." in page and "Gửi giải trình" in page
    assert agency.post_form(f"/oversight/explanations/{request.id}/answer",
                            {"answer": "Chờ hướng dẫn của Ban Tuyên giáo Tỉnh ủy."}).status_code == 302
    db.session.expire_all()
    answered = db.session.get(ExplanationRequest, request.id)
    assert answered.answer == "Chờ hướng dẫn của Ban Tuyên giáo Tỉnh ủy." and answered.answered_by_id == late["officer"].id
    assert _count(Notification, Notification.user_id == late["chief"].id, Notification.kind == "explanation_answer") == 1
    # Answering twice is refused.
    again = agency.post_form(f"/oversight/explanations/{request.id}/answer", {"answer": "khác"}, follow_redirects=True)
    assert "đã được trả lời" in again.get_data(as_text=True)
    assert "Chờ hướng dẫn" in client.get("/oversight/overdue").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.OFFICE, Role.AGENCY_HEAD])
def test_explanation_request_refused(client, late, factories, role):
    client.login(factories.user(role, late["agency"]))
    response = client.post_form(f"/oversight/tasks/{late['task'].id}/explanation", {"message": "?"})
    assert response.status_code == 403 and _count(ExplanationRequest) == 0


def test_return_completion_proposal(client, late):
    from app.core.clock import now_utc

    report = ProgressReport(task_id=late["task"].id, organisation_id=late["agency"].id, author_id=late["officer"].id,
                            status=TaskStatus.COMPLETION_PROPOSED, progress_percent=100, result_text="Đã xong",
                            reported_on=D - timedelta(days=1), created_at=now_utc(), review_state=ReviewState.PENDING)
    late["task"].status = TaskStatus.COMPLETION_PROPOSED
    db.session.add(report)
    db.session.commit()
    client.login(late["chief"])
    html = client.get(f"/oversight/tasks/{late['task'].id}/actions").get_data(as_text=True)
    assert "Trả lại đề nghị hoàn thành" in html
    assert client.post_form(f"/oversight/reports/{report.id}/return", {"reason": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ProgressReport, report.id).review_state is ReviewState.PENDING
    client.post_form(f"/oversight/reports/{report.id}/return", {"reason": "Thiếu văn bản chứng minh."})
    db.session.expire_all()
    assert db.session.get(ProgressReport, report.id).review_state is ReviewState.RETURNED
    assert db.session.get(Task, late["task"].id).status is TaskStatus.IN_PROGRESS


def test_xlsx_export_content_and_formula_cells(client, late, factories):
    from openpyxl import load_workbook

    factories.task(late["agency"], due=D - timedelta(days=40), title="@SUM(A1) Kiểm tra", status=TaskStatus.NOT_COMPLETED)
    client.login(late["chief"])
    response = client.get("/oversight/overdue.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    summary, detail = book.worksheets
    assert summary.cell(4, 1).value == "Ban Tuyên giáo"
    assert [summary.cell(4, c).value for c in range(2, 6)] == [0, 1, 1, 2]
    rows = list(detail.iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in rows] == ["'@SUM(A1) Kiểm tra", "'=HYPERLINK(\"http://x\") Tổ chức học tập, quán triệt"]
    assert [r[6] for r in rows] == [40, 12]
    for row in detail.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    filtered = load_workbook(io.BytesIO(client.get("/oversight/overdue.xlsx?bucket=30%2B").data)).worksheets[1]
    assert filtered.max_row == 2


def test_safe_cell():
    from app.oversight.exports import safe_cell

    assert [safe_cell(v) for v in ("=1+1", "+84", "-x", "@a", "\tx", "Tân Bình", None)] == [
        "'=1+1", "'+84", "'-x", "'@a", "'\tx", "Tân Bình", ""]


def test_print_view(client, late):
    client.login(late["chief"])
    html = client.get("/oversight/overdue/print").get_data(as_text=True)
    assert "DANH SÁCH NHIỆM VỤ, NỘI DUNG QUÁ HẠN" in html and "Ban Tuyên giáo" in html and "data-print" in html
    assert "<script>" not in html and 'style="' not in html
