"""Progress reports through the web: the lead's report is the task status, coordinators contribute,
items roll up, evidence is uploaded and served only to those who may see the task, stale forms conflict."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta

import sqlalchemy as sa

from app.core.clock import today_local
from app.core.enums import ReviewState, Role, TaskStatus
from app.extensions import db
from app.models import Attachment, ContentItem, DocumentReference, Notification, ProgressReport, Task
from tests.progress.helpers import (
    count,
    docx_bytes,
    form_version,
    fresh,
    pdf_bytes,
    report_count,
    report_payload,
    task_events,
)


def _open_form(client, task_id: int) -> int:
    response = client.get(f"/progress/tasks/{task_id}/report")
    assert response.status_code == 200
    return form_version(response.get_data(as_text=True))


def test_lead_report_sets_task_status_and_is_in_history(client, world):
    client.login(world.officer)
    version = _open_form(client, world.task.id)
    response = client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(version))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{world.task.id}")
    task = fresh(Task, world.task.id)
    assert (task.status, task.progress_percent, task.version_id) == (TaskStatus.IN_PROGRESS, 40, version + 1)
    report = db.session.scalar(sa.select(ProgressReport))
    assert report.is_lead_report and report.organisation_id == world.lead.id and report.author_id == world.officer.id
    assert report.reported_on == today_local()
    [event] = task_events(task.id, "report")
    assert event.actor_id == world.officer.id and "Đang thực hiện, 40%" in event.summary
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Báo cáo tiến độ: Đang thực hiện, 40%" in page  # the history column
    assert "Đã tổ chức hội nghị quán triệt" in page


def test_coordinator_report_is_a_contribution_that_changes_no_status(client, world):
    client.login(world.coord_officer)
    page = client.get(f"/progress/tasks/{world.task.id}/report").get_data(as_text=True)
    assert "phần đóng góp" in page
    assert 'value="completion_proposed"' not in page  # completion is the lead's to propose
    response = client.post_form(f"/progress/tasks/{world.task.id}/report",
                                report_payload(form_version(page), progress_percent="70",
                                               result_text="Ban Tổ chức đã cử 02 báo cáo viên."))
    assert response.status_code == 302
    task = fresh(Task, world.task.id)
    assert (task.status, task.progress_percent, task.version_id) == (TaskStatus.NOT_STARTED, 0, 1)
    report = db.session.scalar(sa.select(ProgressReport))
    assert not report.is_lead_report and report.organisation_id == world.coord.id
    [event] = task_events(task.id, "contribute")
    assert "Cơ quan phối hợp Ban Tổ chức Huyện ủy" in event.summary


def test_coordinator_cannot_propose_completion(client, world):
    client.login(world.coord_officer)
    response = client.post_form(f"/progress/tasks/{world.task.id}/report",
                                report_payload(1, status="completion_proposed"))
    assert response.status_code == 422
    assert report_count(world.task.id) == 0 and fresh(Task, world.task.id).status is TaskStatus.NOT_STARTED


def test_agency_cannot_mark_completed_itself(client, world):
    client.login(world.head)
    response = client.post_form(f"/progress/tasks/{world.task.id}/report",
                                report_payload(1, status="completed", result_text="Xong"))
    assert response.status_code == 422
    assert report_count(world.task.id) == 0 and fresh(Task, world.task.id).status is TaskStatus.NOT_STARTED


def test_office_may_report_completed_on_behalf_with_evidence(client, world):
    client.login(world.office)
    response = client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(
        1, status="completed", progress_percent="10",
        result_text="Ban hành Kế hoạch số 175-KH/HU ngày 29/3/2024 về tiếp tục duy trì mô hình."))
    assert response.status_code == 302
    task = fresh(Task, world.task.id)
    assert (task.status, task.progress_percent, task.completed_on) == (TaskStatus.COMPLETED, 100, today_local())
    report = db.session.scalar(sa.select(ProgressReport))
    assert report.organisation_id == world.lead.id and report.review_state is ReviewState.CONFIRMED


def test_validation_errors_change_nothing(client, world):
    client.login(world.officer)
    url = f"/progress/tasks/{world.task.id}/report"
    cases = [
        report_payload(1, result_text=""),  # no narrative
        report_payload(1, progress_percent="150"),
        report_payload(1, status="not_started", progress_percent="30"),
        report_payload(1, status="bogus"),
        report_payload(1, reported_on=(today_local() + timedelta(days=3)).isoformat()),
        report_payload(1, status="completion_proposed", result_text="Đã xong."),  # no evidence
    ]
    for payload in cases:
        response = client.post_form(url, payload)
        assert response.status_code == 422, payload
    assert report_count(world.task.id) == 0
    task = fresh(Task, world.task.id)
    assert (task.status, task.version_id) == (TaskStatus.NOT_STARTED, 1)
    assert task_events(world.task.id) == []


def test_completion_proposal_with_evidence_waits_for_review_and_notifies_office(client, world):
    client.login(world.officer)
    response = client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(
        1, status="completion_proposed", progress_percent="80", result_text="Đã tổ chức hội nghị quán triệt.",
        evidence=[(io.BytesIO(pdf_bytes()), "Bien ban hoi nghi.pdf")]), content_type="multipart/form-data")
    assert response.status_code == 302
    task = fresh(Task, world.task.id)
    assert (task.status, task.progress_percent) == (TaskStatus.COMPLETION_PROPOSED, 100)
    report = db.session.scalar(sa.select(ProgressReport))
    assert report.review_state is ReviewState.PENDING and len(report.attachments) == 1
    assert count(Notification, Notification.user_id == world.office.id, Notification.kind == "completion_proposed") == 1
    assert count(Notification, Notification.user_id == world.chief.id) == 1


def test_cited_document_counts_as_evidence_and_is_linked(client, world, factories):
    plan = factories.directive(doc_type="KH", number="175", title="Kế hoạch duy trì mô hình lấy ý kiến")
    client.login(world.officer)
    response = client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(
        1, status="completion_proposed",
        result_text="Tham mưu ban hành Kế hoạch số 175-KH/HU ngày 29/3/2024 về “Tiếp tục duy trì mô hình”."))
    assert response.status_code == 302
    link = db.session.scalar(sa.select(DocumentReference))
    assert link.target_directive_id == plan.id and link.source_kind == "progress_report"


def test_a_new_lead_report_replaces_a_pending_proposal(client, world):
    client.login(world.officer)
    client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(
        1, status="completion_proposed", result_text="Ban hành Kế hoạch số 175-KH/HU."))
    response = client.post_form(f"/progress/tasks/{world.task.id}/report",
                                report_payload(2, progress_percent="90", result_text="Còn bổ sung số liệu."))
    assert response.status_code == 302
    first, second = db.session.scalars(sa.select(ProgressReport).order_by(ProgressReport.id)).all()
    assert first.review_state is ReviewState.RETURNED and "thay bằng báo cáo mới" in first.review_note
    assert second.review_state is None
    assert fresh(Task, world.task.id).status is TaskStatus.IN_PROGRESS


def test_stale_form_is_refused_as_a_conflict_naming_the_change(client, make_client, world):
    head = make_client()
    client.login(world.officer)
    head.login(world.head)
    version_officer = _open_form(client, world.task.id)
    version_head = _open_form(head, world.task.id)
    assert head.post_form(f"/progress/tasks/{world.task.id}/report",
                          report_payload(version_head, progress_percent="60")).status_code == 302
    response = client.post_form(f"/progress/tasks/{world.task.id}/report",
                                report_payload(version_officer, progress_percent="20", result_text="Báo cáo cũ"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "đã được cập nhật bởi người khác" in page
    assert "Trưởng ban chủ trì: Báo cáo tiến độ: Đang thực hiện, 60%" in page  # who changed what
    assert "Báo cáo cũ" in page  # the user's text is kept to re-apply knowingly
    assert form_version(page) == version_officer + 1
    task = fresh(Task, world.task.id)
    assert (task.progress_percent, report_count(task.id)) == (60, 1)


def test_office_edit_between_open_and_save_is_a_conflict_too(client, make_client, world):
    client.login(world.officer)
    version = _open_form(client, world.task.id)
    office = make_client()
    office.login(world.office)
    office.post_form(f"/tasks/{world.task.id}/edit", {
        "version": str(version), "title": world.task.title, "description": "", "lead_org_id": str(world.lead.id),
        "due_phrase": "", "due_date": "2031-01-31", "kind": "one_off"})
    assert fresh(Task, world.task.id).version_id == version + 1
    response = client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(version))
    assert response.status_code == 409 and "due_date" in response.get_data(as_text=True)
    assert report_count(world.task.id) == 0


def test_item_lead_reports_its_item_and_the_task_rolls_up(client, factories, world):
    commune_a = factories.org("XA", name="Đảng bộ xã Hòa An")
    commune_b = factories.org("XB", name="Đảng bộ xã Phương Bình")
    task = factories.task(world.lead, items=[("Xã Hòa An tổ chức quán triệt", commune_a),
                                              ("Xã Phương Bình tổ chức quán triệt", commune_b)])
    officer_a = factories.user(Role.AGENCY_OFFICER, commune_a)
    client.login(officer_a)
    page = client.get(f"/progress/tasks/{task.id}/report").get_data(as_text=True)
    assert "Xã Hòa An tổ chức quán triệt" in page and "Xã Phương Bình" not in page  # only its own item
    item_a, item_b = task.items
    response = client.post_form(f"/progress/tasks/{task.id}/report",
                                report_payload(form_version(page), progress_percent="50", content_item_id=str(item_a.id)))
    assert response.status_code == 302
    assert (fresh(ContentItem, item_a.id).status, fresh(ContentItem, item_a.id).progress_percent) == (TaskStatus.IN_PROGRESS, 50)
    task_now = fresh(Task, task.id)
    assert (task_now.status, task_now.progress_percent) == (TaskStatus.IN_PROGRESS, 25)  # mean of 50 and 0
    # Naming the other commune's item is refused and changes nothing.
    response = client.post_form(f"/progress/tasks/{task.id}/report",
                                report_payload(task_now.version_id, content_item_id=str(item_b.id)))
    assert response.status_code == 422
    assert fresh(ContentItem, item_b.id).status is TaskStatus.NOT_STARTED


def test_evidence_is_stored_and_downloaded_only_by_those_who_see_the_task(client, make_client, world, app):
    client.login(world.officer)
    data = docx_bytes("Biên bản hội nghị")
    response = client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(
        1, evidence=[(io.BytesIO(data), "Biên bản hội nghị.docx"), (io.BytesIO(pdf_bytes()), "ke-hoach.pdf")]),
        content_type="multipart/form-data")
    assert response.status_code == 302
    attachment = db.session.scalar(sa.select(Attachment).where(Attachment.filename == "Biên bản hội nghị.docx"))
    assert attachment.uploaded_by_id == world.officer.id and attachment.size_bytes == len(data)
    assert os.path.exists(os.path.join(app.config["UPLOAD_DIR"], attachment.stored_name))
    url = f"/progress/attachments/{attachment.id}"
    download = client.get(url)
    assert download.status_code == 200 and download.data == data
    assert download.mimetype == attachment.content_type
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    for user, expected in ((world.coord_officer, 200), (world.office, 200), (world.committee, 200),
                           (world.other_officer, 404)):
        other = make_client()
        other.login(user)
        assert other.get(url).status_code == expected, user.role
    assert make_client().get(url).status_code == 302  # not logged in
    assert client.get("/progress/attachments/999999").status_code == 404


def test_refused_upload_saves_neither_report_nor_file(client, world, app):
    before = set(os.listdir(app.config["UPLOAD_DIR"]))
    client.login(world.officer)
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))
    cases = [
        ([(io.BytesIO(pdf_bytes()), "hop-le.pdf"), (io.BytesIO(bomb.getvalue()), "bao-cao.docx")], "zip bomb"),
        ([(io.BytesIO(b"MZ\x90\x00" * 50), "cai-dat.exe")], "không thuộc loại được nhận"),
        ([(io.BytesIO(pdf_bytes()), "gia.docx")], "nội dung không phải là tệp Word (DOCX)"),
    ]
    for files, message in cases:
        response = client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(1, evidence=files),
                                    content_type="multipart/form-data")
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert report_count(world.task.id) == 0 and count(Attachment) == 0
    assert set(os.listdir(app.config["UPLOAD_DIR"])) == before
    assert fresh(Task, world.task.id).version_id == 1


def test_too_large_upload_is_refused_with_a_clear_message(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 2048)
    client.login(world.officer)
    response = client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(
        1, evidence=[(io.BytesIO(pdf_bytes(4096)), "lon.pdf")]), content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Tệp “lon.pdf” quá lớn: tối đa 2 KB mỗi tệp." in response.get_data(as_text=True)
    assert report_count(world.task.id) == 0


def test_whole_request_beyond_max_content_length_is_refused_cleanly(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    client.login(world.officer)
    response = client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(
        1, evidence=[(io.BytesIO(pdf_bytes(20000)), "rat-lon.pdf")]), content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Tệp tải lên quá lớn." in response.get_data(as_text=True)
    assert report_count(world.task.id) == 0


def test_report_on_a_completed_task_is_refused_for_agencies(client, world, factories):
    done = factories.task(world.lead, status=TaskStatus.COMPLETED, completed_on=date(2024, 5, 2))
    client.login(world.officer)
    response = client.post_form(f"/progress/tasks/{done.id}/report", report_payload(done.version_id))
    assert response.status_code == 422
    assert "đã được xác nhận hoàn thành" in response.get_data(as_text=True)
    assert report_count(done.id) == 0


def test_service_is_usable_without_the_web(world, factories):
    """The API and CLI call the same function: JSON numbers, ISO dates and a stale version."""
    import pytest

    from app.core.errors import Conflict
    from app.models import Indicator, IndicatorValue
    from app.progress.indicator_rows import report_indicator_rows
    from app.progress.reports import submit_progress_report

    indicator = Indicator(organisation_id=world.lead.id, task_id=world.task.id, year=today_local().year, code="07",
                          phrase="Tuyên truyền", unit="buổi", target=40)
    db.session.add(indicator)
    db.session.commit()
    report = submit_progress_report(world.head, world.task, {
        "status": TaskStatus.IN_PROGRESS, "progress_percent": 55, "result_text": "Tổ chức 28 buổi tuyên truyền.",
        "reported_on": today_local().isoformat(),
        "figures": [{"indicator_id": indicator.id, "actual": 28.0, "printed_percent": 70.0}],
    }, None, expected_version=1)
    db.session.commit()
    assert report.id and fresh(Task, world.task.id).progress_percent == 55
    value = db.session.scalar(sa.select(IndicatorValue))
    assert value.actual == 28 and [r.percent_text for r in report_indicator_rows(report)] == ["70%"]
    with pytest.raises(Conflict) as conflict:
        submit_progress_report(world.officer, fresh(Task, world.task.id),
                               {"status": "in_progress", "progress_percent": 60, "result_text": "Cũ"},
                               expected_version=1)
    assert conflict.value.details == {"current_version": 2}
    db.session.rollback()
    assert report_count(world.task.id) == 1


def test_review_list_confirms_and_returns_to_the_list(client, make_client, world):
    agency = make_client()
    agency.login(world.officer)
    agency.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(
        1, status="completion_proposed", result_text="Ban hành Kế hoạch số 175-KH/HU ngày 29/3/2024."))
    report = db.session.scalar(sa.select(ProgressReport))
    client.login(world.chief)
    listing = client.get("/progress/reviews").get_data(as_text=True)
    assert f'data-report-id="{report.id}"' in listing and world.task.title in listing
    response = client.post_form(f"/progress/reports/{report.id}/confirm", {"next": "reviews"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/progress/reviews")
    assert "Không có đề nghị nào chờ xác nhận." in client.get("/progress/reviews").get_data(as_text=True)
    assert fresh(Task, world.task.id).status is TaskStatus.COMPLETED


def test_only_evidence_is_served_here_not_directive_files(client, world):
    from app.core.clock import now_utc

    signed = Attachment(directive_id=world.task.directive_id, filename="198-TB-HU.pdf", stored_name="0" * 32 + ".pdf",
                        content_type="application/pdf", size_bytes=10, sha256="0" * 64, uploaded_at=now_utc())
    db.session.add(signed)
    db.session.commit()
    client.login(world.office)
    assert client.get(f"/progress/attachments/{signed.id}").status_code == 404
