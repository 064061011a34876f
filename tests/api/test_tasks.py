"""Tasks through the API: filters, keyset pages, agency scoping, If-Match optimistic concurrency."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.core.enums import TaskStatus
from app.extensions import db
from app.models import AuditEvent, Task


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.get_json()
    return {task["id"] for task in response.get_json()["data"]}


def test_office_lists_every_task_with_its_agencies(district, api_as):
    body = api_as(district.office).get("/tasks").get_json()
    assert {t["id"] for t in body["data"]} == {district.btg_task.id, district.mttq_task.id, district.shared_task.id}
    assert body["next_after"] is None
    shared = next(t for t in body["data"] if t["id"] == district.shared_task.id)
    assert shared["lead_agency"]["code"] == "BTG"
    assert [o["code"] for o in shared["coordinating_agencies"]] == ["MTTQ"]
    assert shared["directive"]["symbol"] == "198-TB/HU"
    assert shared["due_date"] == "2024-09-30"
    assert shared["version"] == 1


@pytest.mark.parametrize(("query", "expected"), [
    ("agency=BTG", {"btg_task", "shared_task"}),
    ("agency=MTTQ", {"mttq_task"}),
    ("status=in_progress", {"mttq_task"}),
    ("due_before=2024-06-30", {"btg_task", "mttq_task"}),
    ("overdue_as_of=2024-06-01", {"mttq_task"}),
    ("overdue_as_of=2024-07-01", {"btg_task", "mttq_task"}),
    ("agency=BTG&overdue_as_of=2024-07-01", {"btg_task"}),
    ("q=Đại hội", {"shared_task"}),
])
def test_filters(district, api_as, query, expected):
    ids = _ids(api_as(district.office).get(f"/tasks?{query}"))
    assert ids == {getattr(district, name).id for name in expected}


def test_keyset_pages_cover_every_task_once(district, factories, api_as):
    for n in range(5):
        factories.task(district.btg, directive_=district.directive, title=f"Thêm {n}")
    api = api_as(district.office)
    seen, after = [], None
    while True:
        body = api.get("/tasks?limit=3" + (f"&after={after}" if after else "")).get_json()
        seen += [t["id"] for t in body["data"]]
        after = body["next_after"]
        if after is None:
            break
    assert len(seen) == 8 == len(set(seen))
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(("query", "field"), [
    ("status=done", "status"),
    ("due_before=30/06/2024", "due_before"),
    ("overdue_as_of=2024-02-30", "overdue_as_of"),
    ("limit=0", "limit"),
    ("limit=abc", "limit"),
    ("after=-1", "after"),
    ("agency=KHONGCO", "agency"),
])
def test_bad_filter_is_422_naming_the_parameter(district, api_as, query, field):
    response = api_as(district.office).get(f"/tasks?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["field"] == field
    assert error["message"]


def test_unknown_query_parameter_is_refused_everywhere(district, api_as):
    """A misspelt filter must not silently return everything."""
    api = api_as(district.office)
    for path in ("/tasks?agnecy=BTG", f"/tasks/{district.btg_task.id}?full=1", "/organisations?code=VP"):
        response = api.get(path)
        assert response.status_code == 422, path
        assert response.get_json()["error"]["field"] in ("agnecy", "full", "code")


def test_agency_sees_only_its_own_tasks(district, api_as):
    api = api_as(district.mttq_officer)
    assert _ids(api.get("/tasks")) == {district.mttq_task.id, district.shared_task.id}
    assert api.get(f"/tasks/{district.shared_task.id}").status_code == 200
    response = api.get(f"/tasks/{district.btg_task.id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert _ids(api.get("/tasks?agency=BTG")) == {district.shared_task.id}


def test_read_gives_the_version_as_etag(district, api_as):
    response = api_as(district.btg_officer).get(f"/tasks/{district.btg_task.id}")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.get_json()["items"] == []


def test_update_with_if_match_changes_and_audits(district, api_as):
    task = district.btg_task
    api = api_as(district.office)
    response = api.patch(f"/tasks/{task.id}", json={"title": "Quán triệt, triển khai Đề án 09-ĐA/TU",
                                                    "due_date": "2024-07-15", "lead_agency": "MTTQ"},
                         headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "Quán triệt, triển khai Đề án 09-ĐA/TU"
    assert body["due_date"] == "2024-07-15"
    assert body["lead_agency"]["code"] == "MTTQ"
    assert body["version"] == 2
    assert response.headers["ETag"] == '"2"'
    db.session.expire_all()
    assert db.session.get(Task, task.id).lead_org_id == district.mttq.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.task_id == task.id))
    assert event.actor_id == district.office.id and event.action == "update"


def test_version_in_the_body_works_too(district, api_as):
    response = api_as(district.office).patch(f"/tasks/{district.btg_task.id}",
                                             json={"is_confidential": True, "version": 1})
    assert response.status_code == 200
    assert response.get_json()["is_confidential"] is True


def test_stale_version_is_409_and_changes_nothing(district, api_as):
    task = district.btg_task
    first, second = api_as(district.office), api_as(district.chief)
    assert first.patch(f"/tasks/{task.id}", json={"title": "Bản của chuyên viên"},
                       headers={"If-Match": "1"}).status_code == 200
    response = second.patch(f"/tasks/{task.id}", json={"title": "Bản của Chánh Văn phòng"},
                            headers={"If-Match": "1"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["details"]["current_version"] == 2
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "Bản của chuyên viên"


def test_no_version_is_428(district, api_as):
    response = api_as(district.office).patch(f"/tasks/{district.btg_task.id}", json={"title": "Không có phiên bản"})
    assert response.status_code == 428
    assert response.get_json()["error"]["code"] == "precondition_required"
    db.session.expire_all()
    assert db.session.get(Task, district.btg_task.id).title == "Quán triệt Đề án 09-ĐA/TU"


@pytest.mark.parametrize(("payload", "headers", "field"), [
    ({"title": ""}, {"If-Match": "1"}, "title"),
    ({"title": "x" * 1001}, {"If-Match": "1"}, "title"),
    ({"due_date": "2024-13-01"}, {"If-Match": "1"}, "due_date"),
    ({"kind": "sometimes"}, {"If-Match": "1"}, "kind"),
    ({"lead_agency": "KHONGCO"}, {"If-Match": "1"}, "lead_agency"),
    ({"status": "completed"}, {"If-Match": "1"}, "status"),
    ({"is_confidential": "yes"}, {"If-Match": "1"}, "is_confidential"),
    ({"title": "Tên"}, {"If-Match": "phiên bản"}, "If-Match"),
    ({"title": "Tên", "version": 2}, {"If-Match": "1"}, "version"),
])
def test_invalid_update_names_the_field(district, api_as, payload, headers, field):
    response = api_as(district.office).patch(f"/tasks/{district.btg_task.id}", json=payload, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field
    db.session.expire_all()
    assert db.session.get(Task, district.btg_task.id).version_id == 1


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b"", b'{"title": NaN}'])
def test_unreadable_body_is_400(district, api_as, data):
    api = api_as(district.office)
    response = api.open("PATCH", f"/tasks/{district.btg_task.id}", data=data, content_type="application/json",
                        headers={"If-Match": "1"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_form_encoded_body_is_refused(district, api_as):
    response = api_as(district.office).open("PATCH", f"/tasks/{district.btg_task.id}", data={"title": "x"},
                                            headers={"If-Match": "1"})
    assert response.status_code == 400


def test_unknown_and_huge_ids_are_404(district, api_as):
    api = api_as(district.office)
    assert api.get("/tasks/999999").status_code == 404
    assert api.get("/tasks/99999999999999999999999").status_code == 404
    assert api.get("/tasks/abc").get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_405_json(district, api_as):
    response = api_as(district.office).open("DELETE", f"/tasks/{district.btg_task.id}")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_overdue_flag_is_as_of_today(district, api_as, factories):
    factories.task(district.btg, directive_=district.directive, due=date(2024, 4, 1), status=TaskStatus.COMPLETED)
    body = api_as(district.office).get("/tasks?status=completed").get_json()
    assert [t["is_overdue"] for t in body["data"]] == [False]
