"""Meetings and directives: pages, attachments, numbering helper, lists, permissions."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.core.enums import DirectiveStatus, MeetingKind, Role
from app.directives import notices, numbering
from app.extensions import db
from app.models import Attachment, AuditEvent, Directive, Meeting, Task

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_meeting_pages_create_edit_list_delete(office_client, catalog):
    response = office_client.post_form("/directives/meetings/new", {
        "kind": "periodic", "held_on": "2024-03-14", "period_label": "", "chair": "Thường trực Huyện ủy",
        "participants": "Các cơ quan tham mưu, giúp việc Huyện ủy\nMTTQ và các đoàn thể", "organiser_id": catalog["VP"].id})
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(Meeting))
    assert (meeting.period_label, meeting.year, meeting.quarter, meeting.kind) == ("quý I/2024", 2024, 1, MeetingKind.PERIODIC)
    assert meeting.participant_list == ["Các cơ quan tham mưu, giúp việc Huyện ủy", "MTTQ và các đoàn thể"]

    page = office_client.get(f"/directives/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert "quý I/2024" in page
    response = office_client.post_form(f"/directives/meetings/{meeting.id}/edit", {
        "version": meeting.version_id, "kind": "periodic", "held_on": "2024-03-15", "period_label": "quý I/2024",
        "chair": "Thường trực Huyện ủy", "organiser_id": 0})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).held_on == date(2024, 3, 15)
    listing = office_client.get("/directives/meetings/?year=2024").get_data(as_text=True)
    assert f'data-meeting-id="{meeting.id}"' in listing
    assert f'data-meeting-id="{meeting.id}"' not in office_client.get("/directives/meetings/?year=2023").get_data(as_text=True)
    assert office_client.post_form(f"/directives/meetings/{meeting.id}/delete").status_code == 302
    assert _count(Meeting) == 0


def test_meeting_bad_input_saves_nothing(office_client, catalog, factories):
    response = office_client.post_form("/directives/meetings/new", {"kind": "periodic", "held_on": "", "chair": "X"})
    assert response.status_code == 422 and "Chưa nhập ngày họp." in response.get_data(as_text=True)
    response = office_client.post_form("/directives/meetings/new", {"kind": "periodic", "held_on": "2024-03-14",
                                                                    "period_label": "quý V/2024", "chair": "X"})
    assert response.status_code == 422 and "chỉ có quý I đến quý IV" in response.get_data(as_text=True)
    assert _count(Meeting) == 0

    meeting = factories.meeting()
    factories.directive(meeting=meeting)
    response = office_client.post_form(f"/directives/meetings/{meeting.id}/delete", follow_redirects=True)
    assert "đã có văn bản kết luận" in response.get_data(as_text=True)
    assert _count(Meeting) == 1


def _directive_form(**overrides):
    data = {"doc_type": "TB", "number": "198", "issuer_suffix": "HU", "issued_on": "2024-03-18",
            "title": "Kết luận của Thường trực Huyện ủy tại buổi làm việc định kỳ quý I/2024",
            "issuing_body": "Thường trực Huyện ủy", "meeting_id": 0, "status": "issued",
            "body": "Tổ chức học tập Nghị quyết số 26-NQ/TW ngày 19/5/2018 của Ban Chấp hành Trung ương."}
    data.update(overrides)
    return data


def test_create_a_directive_with_its_signed_pdf_and_download_it(office_client, catalog, factories):
    meeting = factories.meeting()
    response = office_client.post_form("/directives/new", _directive_form(
        meeting_id=meeting.id, attachments=(io.BytesIO(PDF), "198-TB-HU ký.pdf")))
    assert response.status_code == 302
    directive = db.session.scalar(sa.select(Directive).where(Directive.status == DirectiveStatus.ISSUED))
    assert (directive.symbol, directive.meeting_id, directive.term_start_year) == ("198-TB/HU", meeting.id, 2020)
    [attachment] = directive.attachments
    assert (attachment.filename, attachment.content_type, attachment.size_bytes) == ("198-TB-HU ký.pdf", "application/pdf", len(PDF))
    download = office_client.get(f"/directives/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    page = office_client.get(f"/directives/{directive.id}").get_data(as_text=True)
    assert "198-TB-HU ký.pdf" in page
    assert 'class="doc-ref"' in page  # the resolution in the body is a link
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.entity_type == "Directive")) == "create"


def test_directive_bad_input_gets_a_clear_message_and_saves_nothing(office_client, catalog, factories, app):
    import os

    meeting = factories.meeting(held_on=date(2024, 3, 14))
    files_before = set(os.listdir(app.config["UPLOAD_DIR"]))
    cases = [
        (_directive_form(title="   "), 422, "Chưa nhập trích yếu (tiêu đề) văn bản."),
        (_directive_form(number="19a"), 422, "phải là số"),
        (_directive_form(meeting_id=meeting.id, issued_on="2024-03-01"), 422, "Ngày ban hành 01/03/2024 trước ngày họp 14/03/2024."),
        (_directive_form(issued_on="31/02/2024"), 422, "Ngày không hợp lệ"),
        (_directive_form(attachments=(io.BytesIO(PDF), "thong-bao.docx")), 422,
         "có đuôi .docx nhưng nội dung không phải là tệp Word (DOCX) hợp lệ"),
        (_directive_form(attachments=(io.BytesIO(b"PK\x03\x04 broken zip"), "thong-bao.docx")), 422, "thong-bao.docx"),
        (_directive_form(attachments=(io.BytesIO(b"\0" * (50 * 1024 * 1024)), "ban-ky.pdf")), 413, "Tệp tải lên quá lớn."),
    ]
    for data, status, message in cases:
        response = office_client.post_form("/directives/new", data)
        assert response.status_code == status, message
        assert message in response.get_data(as_text=True)
    assert (_count(Directive), _count(Attachment)) == (0, 0)
    assert set(os.listdir(app.config["UPLOAD_DIR"])) == files_before  # no orphan or temporary file left


def test_a_duplicate_number_in_the_same_term_is_refused(office_client, catalog, factories):
    factories.directive(number="198", issued_on=date(2024, 3, 18), term_start_year=2020)
    response = office_client.post_form("/directives/new", _directive_form())
    assert response.status_code == 409
    assert "198-TB/HU đã được dùng" in response.get_data(as_text=True)
    # the same number in the next term is a different document
    assert office_client.post_form("/directives/new", _directive_form(issued_on="2025-11-03")).status_code == 302


def test_numbering_helper_proposes_the_next_number_per_issuer_type_and_term(office_client, catalog, factories):
    factories.directive(number="197", doc_type="TB", issued_on=date(2024, 1, 5))
    factories.directive(number="198", doc_type="TB", issued_on=date(2024, 3, 18))
    factories.directive(number="175", doc_type="KH", issued_on=date(2024, 3, 29))
    factories.directive(number="12", doc_type="TB", issuer_suffix="VPHU", issued_on=date(2024, 3, 1))
    factories.directive(number="260", doc_type="TB", issued_on=date(2019, 12, 1))  # previous term
    assert numbering.next_number("HU", "TB", 2020) == 199
    assert numbering.next_number("HU", "KH", 2020) == 176
    assert numbering.next_number("VPHU", "TB", 2020) == 13
    assert numbering.next_number("HU", "TB", 2015) == 261
    assert numbering.next_number("HU", "TB", 2025) == 1
    assert numbering.term_start_year_for(date(2024, 12, 31)) == 2020
    assert numbering.term_start_year_for(date(2025, 1, 1)) == 2025
    body = office_client.get("/directives/next-number?issuer=HU&type=TB&on=2024-06-01").get_json()
    assert (body["symbol"], body["term"]) == ("199-TB/HU", "2020 - 2025")
    assert office_client.get("/directives/next-number?issuer=HU&type=TB&on=2026-01-02").get_json()["symbol"] == "01-TB/HU"
    assert office_client.get("/directives/next-number?type=XX").status_code == 400
    assert office_client.get("/directives/next-number?on=2024-13-01").status_code == 400


def test_edit_and_delete_a_directive(office_client, catalog, factories):
    meeting = factories.meeting(held_on=date(2024, 3, 14))
    directive = factories.directive(meeting=meeting, number="198")
    factories.task(catalog["BTG"], directive_=directive, due=date(2024, 6, 30))
    response = office_client.post_form(f"/directives/{directive.id}/edit", _directive_form(
        version=directive.version_id, meeting_id=meeting.id, title="Trích yếu mới"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Directive, directive.id).title == "Trích yếu mới"
    # a save that does not say which version it was opened at is refused, nothing changed
    response = office_client.post_form(f"/directives/{directive.id}/edit", _directive_form(
        version="", meeting_id=meeting.id, title="Ghi đè không kiểm tra"))
    assert response.status_code == 422 and "thiếu phiên bản" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Directive, directive.id).title == "Trích yếu mới"
    # moving the meeting after a task's deadline is refused
    response = office_client.post_form(f"/directives/meetings/{meeting.id}/edit", {
        "kind": "periodic", "held_on": "2024-07-01", "chair": "Thường trực Huyện ủy", "organiser_id": 0,
        "version": meeting.version_id})
    assert response.status_code == 422 and "trước ngày họp" in response.get_data(as_text=True)
    assert office_client.post_form(f"/directives/{directive.id}/delete").status_code == 302
    assert (_count(Directive), _count(Task)) == (1, 0)  # the cited resolution stays as a reference record


def test_lists_filter_by_period_issuer_type_status_agency_and_paginate(office_client, catalog, factories):
    q1 = factories.directive(number="198", issued_on=date(2024, 3, 18), meeting=factories.meeting())
    q2 = factories.directive(number="230", issued_on=date(2024, 6, 25))
    plan = factories.directive(number="175", doc_type="KH", issued_on=date(2024, 3, 29))
    old = factories.directive(number="150", issued_on=date(2023, 12, 20), issuer_suffix="VPHU")
    draft = factories.directive(number="231", issued_on=date(2024, 7, 1), status=DirectiveStatus.DRAFT)
    factories.task(catalog["HND"], directive_=q2)

    def ids(query: str) -> set[int]:
        html = office_client.get(f"/directives/?{query}").get_data(as_text=True)
        return {d.id for d in (q1, q2, plan, old, draft) if f'data-directive-id="{d.id}"' in html}

    assert ids("") == {q1.id, q2.id, plan.id, old.id, draft.id}
    assert ids("year=2024") == {q1.id, q2.id, plan.id, draft.id}
    assert ids("year=2024&quarter=1") == {q1.id, plan.id}
    assert ids("issuer=VPHU") == {old.id}
    assert ids("type=KH") == {plan.id}
    assert ids("status=draft") == {draft.id}
    assert ids(f"agency={catalog['HND'].id}") == {q2.id}
    assert ids("q=175-KH/HU") == {plan.id}

    first, after = notices.list_directives(factories.user(Role.OFFICE, catalog["VP"]), notices.DirectiveFilters(), limit=2)
    assert [d.id for d in first] == [draft.id, old.id] and after == old.id
    second, _ = notices.list_directives(factories.user(Role.OFFICE, catalog["VP"]), notices.DirectiveFilters(),
                                         after_id=after, limit=2)
    assert [d.id for d in second] == [plan.id, q2.id]


@pytest.mark.parametrize("role", [Role.AGENCY_HEAD, Role.AGENCY_OFFICER])
def test_agency_users_cannot_create_or_edit_and_see_only_their_tasks(client, catalog, factories, role):
    meeting = factories.meeting()
    notice = factories.directive(meeting=meeting, number="198")
    mine = factories.task(catalog["BTG"], directive_=notice, title="Việc của Ban Tuyên giáo")
    theirs = factories.task(catalog["HND"], directive_=notice, title="Việc của Hội Nông dân")
    coordinated = factories.task(catalog["MTTQ"], directive_=notice, title="Phối hợp", coordinators=[catalog["BTG"]])
    other = factories.directive(number="199", title="Văn bản không có việc của Ban")
    factories.task(catalog["HND"], directive_=other)
    draft = factories.directive(number="200", status=DirectiveStatus.DRAFT)
    user = factories.user(role, catalog["BTG"])
    client.login(user)

    page = client.get(f"/directives/{notice.id}").get_data(as_text=True)
    assert f'data-task-id="{mine.id}"' in page and f'data-task-id="{coordinated.id}"' in page
    assert f'data-task-id="{theirs.id}"' not in page
    listing = client.get("/directives/").get_data(as_text=True)
    assert f'data-directive-id="{notice.id}"' in listing and f'data-directive-id="{other.id}"' not in listing
    assert client.get(f"/directives/{draft.id}").status_code == 404

    task_count = _count(Task)
    refused = [
        client.get("/directives/new"), client.post_form("/directives/new", _directive_form()),
        client.get(f"/directives/{notice.id}/edit"), client.post_form(f"/directives/{notice.id}/delete"),
        client.get(f"/directives/{notice.id}/tasks"),
        client.post_form(f"/directives/{notice.id}/tasks/new", {"task-title": "X", "task-lead": catalog["BTG"].id,
                                                              "task-due_phrase": "trong quý II/2024"}),
        client.post_form(f"/directives/{notice.id}/tasks/{mine.id}/edit", {"task-title": "Đổi"}),
        client.post_form(f"/directives/{notice.id}/tasks/{mine.id}/delete"),
        client.post_form(f"/directives/{notice.id}/tasks/{mine.id}/move", {"direction": "up"}),
        client.get("/directives/import"), client.post_form("/directives/import", {"step": "propose", "text": "1. A"}),
        client.get("/directives/meetings/new"), client.post_form(f"/directives/meetings/{meeting.id}/delete"),
        client.get("/directives/next-number"),
    ]
    assert {r.status_code for r in refused} == {403}
    db.session.expire_all()
    assert _count(Task) == task_count and _count(Directive) == 3
    assert db.session.get(Task, mine.id).title == "Việc của Ban Tuyên giáo"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COMMITTEE, Role.OFFICE_CHIEF])
def test_oversight_roles_may_edit(client, catalog, factories, role):
    client.login(factories.user(role, catalog["TTHU"]))
    assert client.get("/directives/new").status_code == 200
    assert client.post_form("/directives/new", _directive_form()).status_code == 302


def test_anonymous_users_are_sent_to_login(client):
    for url in ("/directives/", "/directives/meetings/", "/directives/references", "/directives/import"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
