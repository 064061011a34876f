"""Progress reports through the API: the progress service's rules, evidence as base64, versions."""

from __future__ import annotations

import base64
from datetime import date

import sqlalchemy as sa
import time_machine

from app.core.enums import ReviewState, TaskStatus
from app.extensions import db
from app.models import Attachment, ProgressReport, Task

TODAY = date(2024, 6, 20)


#: A real 1×1 PNG (the upload check reads the content, not the name).
PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def _png() -> str:
    return PNG_1PX


def _reports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport))


@time_machine.travel(TODAY, tick=False)
def test_lead_agency_reports_and_the_task_follows(district, api_as):
    task = district.btg_task
    response = api_as(district.btg_officer).post(f"/tasks/{task.id}/progress-reports", json={
        "status": "in_progress", "progress_percent": 40,
        "result_text": "Đã tổ chức học tập, quán triệt cho 120 cán bộ, đảng viên.",
    }, headers={"If-Match": '"1"'})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["is_lead_report"] is True
    assert body["organisation"]["code"] == "BTG"
    assert body["reported_on"] == "2024-06-20"
    assert body["task"] == {"id": task.id, "status": "in_progress", "progress_percent": 40, "version": 2}
    db.session.expire_all()
    assert db.session.get(Task, task.id).status is TaskStatus.IN_PROGRESS


@time_machine.travel(TODAY, tick=False)
def test_completion_proposal_with_evidence_file(district, api_as):
    task = district.btg_task
    response = api_as(district.btg_officer).post(f"/tasks/{task.id}/progress-reports", json={
        "status": "completion_proposed", "result_text": "Đã hoàn thành; gửi kèm ảnh hội nghị.",
        "evidence": [{"filename": "hoi-nghi.png", "content_base64": _png()}],
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["review_state"] == ReviewState.PENDING.value
    assert [a["filename"] for a in body["attachments"]] == ["hoi-nghi.png"]
    assert body["attachments"][0]["content_type"] == "image/png"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1


@time_machine.travel(TODAY, tick=False)
def test_completion_without_evidence_is_refused_naming_the_field(district, api_as):
    response = api_as(district.btg_officer).post(f"/tasks/{district.btg_task.id}/progress-reports", json={
        "status": "completion_proposed", "result_text": "Đã xong.",
    })
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "evidence"
    assert _reports() == 0


@time_machine.travel(TODAY, tick=False)
def test_bad_evidence_is_refused_and_nothing_saved(district, api_as):
    api = api_as(district.btg_officer)
    url = f"/tasks/{district.btg_task.id}/progress-reports"
    response = api.post(url, json={"status": "completion_proposed", "result_text": "Xong.",
                                   "evidence": [{"filename": "a.png", "content_base64": "không phải base64"}]})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "evidence[0].content_base64"
    fake = base64.b64encode(b"MZ\x90\x00 not an image").decode()
    response = api.post(url, json={"status": "completion_proposed", "result_text": "Xong.",
                                   "evidence": [{"filename": "a.png", "content_base64": fake}]})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "evidence"
    assert _reports() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


@time_machine.travel(TODAY, tick=False)
def test_agency_may_not_mark_completed_itself(district, api_as):
    response = api_as(district.btg_officer).post(f"/tasks/{district.btg_task.id}/progress-reports", json={
        "status": "completed", "result_text": "Xong.", "evidence": [{"filename": "a.png", "content_base64": _png()}],
    })
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "status"


@time_machine.travel(TODAY, tick=False)
def test_another_agencys_task_is_404(district, api_as):
    response = api_as(district.btg_officer).post(f"/tasks/{district.mttq_task.id}/progress-reports", json={
        "status": "in_progress", "progress_percent": 10, "result_text": "Thử.",
    })
    assert response.status_code == 404
    assert _reports() == 0


@time_machine.travel(TODAY, tick=False)
def test_coordinator_contribution_keeps_the_status(district, api_as):
    task = district.shared_task
    response = api_as(district.mttq_officer).post(f"/tasks/{task.id}/progress-reports", json={
        "status": "in_progress", "progress_percent": 30, "result_text": "Mặt trận đã phối hợp tuyên truyền.",
    })
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["is_lead_report"] is False
    assert response.get_json()["task"]["status"] == "not_started"


@time_machine.travel(TODAY, tick=False)
def test_stale_version_is_409(district, api_as):
    task = district.btg_task
    api = api_as(district.btg_officer)
    payload = {"status": "in_progress", "progress_percent": 20, "result_text": "Lần một.", "version": 1}
    assert api.post(f"/tasks/{task.id}/progress-reports", json=payload).status_code == 201
    response = api.post(f"/tasks/{task.id}/progress-reports", json={**payload, "result_text": "Lần hai."})
    assert response.status_code == 409
    assert response.get_json()["error"]["details"]["current_version"] == 2
    assert _reports() == 1


@time_machine.travel(TODAY, tick=False)
def test_report_fields_are_checked(district, api_as):
    api = api_as(district.btg_officer)
    url = f"/tasks/{district.btg_task.id}/progress-reports"
    cases = [
        ({"status": "in_progress", "progress_percent": 101, "result_text": "x"}, "progress_percent"),
        ({"status": "in_progress", "progress_percent": 10}, "result_text"),
        ({"status": "in_progress", "result_text": "x"}, "progress_percent"),
        ({"status": "in_progress", "progress_percent": 10, "result_text": "x", "reported_on": "2024-06-21"},
         "reported_on"),
        ({"status": "in_progress", "progress_percent": 10, "result_text": "x",
          "figures": [{"indicator_id": 1, "actual": -1}]}, "figures[0].actual"),
    ]
    for payload, field in cases:
        response = api.post(url, json=payload)
        assert response.status_code == 422, (field, response.get_json())
        assert response.get_json()["error"]["field"] == field
    assert _reports() == 0
