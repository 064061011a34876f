"""``Idempotency-Key`` on API POSTs (issue 16, item 6): the same key from the same user gets the same
answer and one record; another body under the key is refused; other users' keys are their own."""

from __future__ import annotations

import threading
from datetime import date

import sqlalchemy as sa
import time_machine

from app.core.enums import Role
from app.extensions import db
from app.models import IdempotentRequest, ProgressReport

TODAY = date(2024, 6, 20)
REPORT = {"status": "in_progress", "progress_percent": 40, "result_text": "Đã tổ chức học tập cho 120 đảng viên."}


def _reports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport))


@time_machine.travel(TODAY, tick=False)
def test_a_retried_progress_report_is_recorded_once_with_the_same_answer(district, api_as):
    api = api_as(district.btg_officer)
    url = f"/tasks/{district.btg_task.id}/progress-reports"
    first = api.post(url, json=REPORT, headers={"Idempotency-Key": "bao-cao-0001"})
    again = api.post(url, json=REPORT, headers={"Idempotency-Key": "bao-cao-0001"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _reports() == 1
    assert api.post(url, json=REPORT, headers={"Idempotency-Key": "bao-cao-0002"}).status_code == 201
    assert _reports() == 2


@time_machine.travel(TODAY, tick=False)
def test_the_same_key_with_another_body_is_refused(district, api_as):
    api = api_as(district.btg_officer)
    url = f"/tasks/{district.btg_task.id}/progress-reports"
    assert api.post(url, json=REPORT, headers={"Idempotency-Key": "k-1"}).status_code == 201
    other = api.post(url, json={**REPORT, "progress_percent": 50}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.get_json()["error"]["field"] == "Idempotency-Key"
    assert _reports() == 1


@time_machine.travel(TODAY, tick=False)
def test_a_refused_request_does_not_keep_its_key(district, api_as):
    api = api_as(district.btg_officer)
    url = f"/tasks/{district.btg_task.id}/progress-reports"
    bad = api.post(url, json={**REPORT, "progress_percent": 400}, headers={"Idempotency-Key": "k-2"})
    assert bad.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotentRequest)) == 0
    assert api.post(url, json=REPORT, headers={"Idempotency-Key": "k-2"}).status_code == 201


def test_keys_are_per_user_and_must_be_printable(district, api_as, factories):
    office = api_as(district.office)
    chief = api_as(factories.user(Role.OFFICE_CHIEF, district.office_org))
    # Not a periodic session: the second one of a quarter would be refused (one per quarter).
    body = {"kind": "standing_core", "held_on": "2024-06-20", "period_label": "quý II/2024", "chair": "Thường trực Huyện ủy"}
    a = office.post("/meetings", json=body, headers={"Idempotency-Key": "hop-q2"})
    b = chief.post("/meetings", json=body, headers={"Idempotency-Key": "hop-q2"})
    assert (a.status_code, b.status_code) == (201, 201), (a.get_json(), b.get_json())
    assert a.get_json()["id"] != b.get_json()["id"]
    assert office.post("/meetings", json=body, headers={"Idempotency-Key": "có dấu"}).status_code == 422


@time_machine.travel(TODAY, tick=False)
def test_concurrent_duplicates_make_one_record(app, district, api_as):
    api = api_as(district.btg_officer)
    url = f"/tasks/{district.btg_task.id}/progress-reports"
    statuses: list[int] = []
    start = threading.Barrier(6)

    def send():
        from flask.testing import FlaskClient

        with app.app_context():
            client = FlaskClient(app)
            start.wait()
            response = client.post(f"/api/v1{url}", json=REPORT, headers={
                "Authorization": f"Bearer {api.token}", "Idempotency-Key": "cung-luc"})
            statuses.append(response.status_code)
            db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(statuses) == 6 and set(statuses) <= {201, 409} and 201 in statuses, statuses
    db.session.commit()  # a fresh snapshot: the threads wrote after this session's last read
    assert _reports() == 1
