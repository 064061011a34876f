"""Meetings and directives through the API: a directive is created with its tasks in one request."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.enums import DirectiveStatus, TaskKind
from app.extensions import db
from app.models import AuditEvent, ContentItem, Directive, Meeting, Task


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _notice(district, **changes) -> dict:
    payload = {
        "title": "Thông báo kết luận của Thường trực Huyện ủy tại buổi làm việc định kỳ quý II/2024",
        "doc_type": "TB",
        "number": "215",
        "issuer_suffix": "HU",
        "issued_on": "2024-06-20",
        "meeting_id": district.meeting.id,
        "tasks": [
            {
                "title": "Tổ chức sơ kết 6 tháng thực hiện Đề án 09-ĐA/TU",
                "lead_agency": "BTG",
                "coordinating_agencies": ["MTTQ"],
                "due_phrase": "trong quý III/2024",
                "items": [
                    {"text": "Xây dựng kế hoạch sơ kết", "due_date": "2024-07-15"},
                    {"text": "Tổng hợp ý kiến của Mặt trận", "lead_agency": "MTTQ"},
                ],
            },
            {
                "title": "Báo cáo kết quả vận động Quỹ “Vì người nghèo” hằng quý",
                "lead_agency": "MTTQ",
                "due_phrase": "hằng quý",
            },
        ],
    }
    payload.update(changes)
    return payload


def test_create_directive_with_tasks_in_one_request(district, api_as):
    response = api_as(district.office).post("/directives", json=_notice(district))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/directives/{body['id']}")
    assert body["symbol"] == "215-TB/HU"
    first, second = body["tasks"][0], body["tasks"][1]
    assert first["lead_agency"]["code"] == "BTG"
    assert [o["code"] for o in first["coordinating_agencies"]] == ["MTTQ"]
    assert first["due_date"] == "2024-09-30" and first["due_phrase"] == "trong quý III/2024"
    assert [i["text"] for i in first["items"]] == ["Xây dựng kế hoạch sơ kết", "Tổng hợp ý kiến của Mặt trận"]
    assert first["items"][0]["due_date"] == "2024-07-15"
    assert first["items"][1]["lead_agency"]["code"] == "MTTQ"
    assert second["kind"] == TaskKind.RECURRING.value and second["recurrence"] == "quarterly"
    directive = db.session.get(Directive, body["id"])
    tasks = db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id)).all()
    assert len([t for t in tasks if t.parent_task_id is None]) == 2
    actions = set(db.session.scalars(sa.select(AuditEvent.entity_type).where(AuditEvent.actor_id == district.office.id)))
    assert {"Directive", "Task"} <= actions
    # and it reads back the same
    again = api_as(district.btg_officer).get(f"/directives/{body['id']}")
    assert again.status_code == 200
    assert again.get_json()["tasks"][0]["id"] == first["id"]


def test_directive_is_all_or_nothing(district, api_as):
    before = (_count(Directive), _count(Task), _count(ContentItem), _count(AuditEvent))
    payload = _notice(district)
    payload["tasks"][1]["due_phrase"] = "khi nào xong"
    payload["tasks"][1]["kind"] = "one_off"
    response = api_as(district.office).post("/directives", json=payload)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["field"].startswith("tasks[1].")
    db.session.expire_all()
    assert (_count(Directive), _count(Task), _count(ContentItem), _count(AuditEvent)) == before


def test_unknown_agency_code_names_the_nested_field(district, api_as):
    payload = _notice(district)
    payload["tasks"][0]["items"][1]["lead_agency"] = "KHONGCO"
    response = api_as(district.office).post("/directives", json=payload)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "tasks[0].items[1].lead_agency"


def test_schema_errors_name_the_field(district, api_as):
    api = api_as(district.office)
    cases = [
        (_notice(district, title=""), "title"),
        (_notice(district, doc_type="XX"), "doc_type"),
        (_notice(district, issued_on="20/06/2024"), "issued_on"),
        (_notice(district, colour="đỏ"), "colour"),
        ({"doc_type": "TB"}, "title"),
        (_notice(district, tasks=[{"title": "Thiếu cơ quan chủ trì"}]), "tasks[0].lead_agency"),
        (_notice(district, tasks=[{"title": "a\u0000b", "lead_agency": "BTG"}]), "tasks[0].title"),
        (_notice(district, meeting_id=0), "meeting_id"),
    ]
    for payload, field in cases:
        response = api.post("/directives", json=payload)
        assert response.status_code == 422, (field, response.get_json())
        assert response.get_json()["error"]["field"] == field


def test_duplicate_number_is_409(district, api_as):
    api = api_as(district.office)
    assert api.post("/directives", json=_notice(district, tasks=[])).status_code == 201
    response = api.post("/directives", json=_notice(district, tasks=[]))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_agency_may_not_create_directives(district, api_as):
    response = api_as(district.btg_officer).post("/directives", json=_notice(district))
    assert response.status_code == 403
    assert _count(Directive) == 1


def test_list_directives_and_agency_scoping(district, factories, api_as):
    draft = factories.directive(number="07", status=DirectiveStatus.DRAFT, title="Dự thảo kế hoạch")
    other = factories.directive(number="08", title="Kết luận khác")
    factories.task(district.office_org, directive_=other)
    office = api_as(district.office).get("/directives").get_json()
    assert {d["id"] for d in office["data"]} == {district.directive.id, draft.id, other.id}
    agency = api_as(district.mttq_officer)
    assert {d["id"] for d in agency.get("/directives").get_json()["data"]} == {district.directive.id}
    assert agency.get(f"/directives/{draft.id}").status_code == 404
    detail = agency.get(f"/directives/{district.directive.id}").get_json()
    assert {t["id"] for t in detail["tasks"]} == {district.mttq_task.id, district.shared_task.id}
    filtered = api_as(district.office).get("/directives?agency=MTTQ&year=2024").get_json()
    assert {d["id"] for d in filtered["data"]} == {district.directive.id}


def test_meetings_create_list_read(district, api_as):
    api = api_as(district.office)
    response = api.post("/meetings", json={"held_on": "2024-06-14", "period_label": "quý II/2024",
                                           "participants": ["các cơ quan tham mưu, giúp việc Huyện ủy",
                                                            "Trung tâm Chính trị huyện"],
                                           "organiser": "VP"})
    assert response.status_code == 201, response.get_json()
    meeting = response.get_json()
    assert meeting["quarter"] == 2 and meeting["year"] == 2024 and meeting["kind"] == "periodic"
    assert meeting["organiser"]["code"] == "VP"
    assert meeting["participants"] == ["các cơ quan tham mưu, giúp việc Huyện ủy", "Trung tâm Chính trị huyện"]
    listed = api_as(district.btg_officer).get("/meetings?year=2024").get_json()
    assert [m["id"] for m in listed["data"]] == [meeting["id"], district.meeting.id]
    read = api.get(f"/meetings/{district.meeting.id}").get_json()
    assert [d["id"] for d in read["directives"]] == [district.directive.id]
    assert _count(Meeting) == 2


def test_meeting_validation_and_permission(district, api_as):
    api = api_as(district.office)
    response = api.post("/meetings", json={"held_on": "2024-06-14", "kind": "party"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "kind"
    response = api.post("/meetings", json={"chair": "Thường trực"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "held_on"
    response = api.post("/meetings", json={"held_on": "0999-01-01"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "held_on"
    assert api_as(district.mttq_officer).post("/meetings", json={"held_on": "2024-06-14"}).status_code == 403
    assert _count(Meeting) == 1
