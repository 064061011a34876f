"""The overdue review and the quarterly report through the API."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
import time_machine

from app.core.enums import TaskStatus


@time_machine.travel(date(2024, 7, 10), tick=False)
def test_overdue_review_most_late_first(district, api_as):
    body = api_as(district.chief).get("/overdue?as_of=2024-07-01").get_json()
    assert body["as_of"] == "2024-07-01"
    assert body["total"] == 2
    assert [(e["task_id"], e["days_late"], e["bucket"]) for e in body["data"]] == [
        (district.mttq_task.id, 31, "30+"), (district.btg_task.id, 1, "1-7")]
    first = body["data"][0]
    assert first["agency"]["code"] == "MTTQ"
    assert first["directive"]["symbol"] == "198-TB/HU"
    assert first["status"] == TaskStatus.IN_PROGRESS.value
    assert first["last_report"] is None and first["explanation"] is None and first["reminders_sent"] == 0
    assert body["next_after"] is None


@time_machine.travel(date(2024, 7, 10), tick=False)
def test_overdue_defaults_to_today_and_filters(district, api_as):
    api = api_as(district.office)
    assert api.get("/overdue").get_json()["as_of"] == "2024-07-10"
    only_btg = api.get("/overdue?as_of=2024-07-01&agency=BTG").get_json()
    assert [e["task_id"] for e in only_btg["data"]] == [district.btg_task.id]
    assert api.get("/overdue?as_of=2024-07-01&bucket=30%2B").get_json()["total"] == 1
    assert api.get("/overdue?as_of=2024-06-01").get_json()["total"] == 1
    assert api.get("/overdue?as_of=2024-07-01&period=2024-Q3").get_json()["total"] == 0


@time_machine.travel(date(2024, 7, 10), tick=False)
def test_overdue_keyset_pages(district, api_as):
    api = api_as(district.office)
    first = api.get("/overdue?as_of=2024-10-01&limit=2").get_json()
    assert len(first["data"]) == 2 and first["total"] == 3 and first["next_after"]
    second = api.get(f"/overdue?as_of=2024-10-01&limit=2&after={first['next_after']}").get_json()
    assert [e["task_id"] for e in second["data"]] == [district.shared_task.id]
    assert second["next_after"] is None


@pytest.mark.parametrize(("query", "field"), [
    ("bucket=2-3", "bucket"),
    ("as_of=1800-01-01", "as_of"),
    ("period=2024-Q9", "period"),
    ("period=1990", "period"),
    ("sort=name", "sort"),
    ("after=abc", "after"),
    ("agency=KHONGCO", "agency"),
    ("agnecy=BTG", "agnecy"),
])
def test_overdue_bad_parameters(district, api_as, query, field):
    response = api_as(district.office).get(f"/overdue?{query}")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field


def test_quarterly_report_as_json(district, api_as):
    response = api_as(district.office).get("/reports/quarterly?quarter=2024-Q2&as_of=2024-06-20")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["period"]["label"] == "quý II/2024"
    assert body["as_of"] == "2024-06-20"
    assert body["body"][0]["style"] == "heading1"
    assert {row["task_id"] for row in body["annex"]} >= {district.btg_task.id, district.mttq_task.id}
    assert isinstance(body["errors"], list)


@pytest.mark.parametrize(("fmt", "mimetype", "part"), [
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/document.xml"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/workbook.xml"),
])
def test_quarterly_report_files(district, api_as, fmt, mimetype, part):
    response = api_as(district.chief).get(f"/reports/quarterly?quarter=2024-Q2&as_of=2024-06-20&format={fmt}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "bao-cao-2024-Q2" in response.headers["Content-Disposition"]
    assert part in zipfile.ZipFile(io.BytesIO(response.data)).namelist()


@pytest.mark.parametrize(("query", "field"), [
    ("", "quarter"),
    ("quarter=2024-Q5&as_of=2024-06-20", "quarter"),
    ("quarter=Q2-2024&as_of=2024-06-20", "quarter"),
    ("quarter=1999-Q2&as_of=2024-06-20", "quarter"),
    ("quarter=2024-Q2", "as_of"),
    ("quarter=2024-Q2&as_of=2023-12-31", "as_of"),
    ("quarter=2024-Q2&as_of=2024-06-20&format=pdf", "format"),
])
def test_quarterly_report_bad_parameters(district, api_as, query, field):
    response = api_as(district.office).get(f"/reports/quarterly?{query}")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field
