"""One truth for the state of work (issue 15): a conclusion of 7 tasks with 8 content items entered
through the API, five tasks completed at task level (three by the office directly, two by confirming
the lead agency's whole-task proposal).  Every view agrees: the chief's home, the overdue review,
/api/v1/overdue, the scorecards, the report annex (JSON and Excel) and section I."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import sqlalchemy as sa
import time_machine

from app.core.enums import TaskStatus
from app.core.periods import parse_period
from app.extensions import db
from app.main import services as home_services
from app.models import AuditEvent, ContentItem, ProgressReport, Task
from app.oversight import agency_scorecards, dashboard, overdue_pages, overdue_review
from app.reports.builder import build_period_report

DAY = date(2024, 10, 5)
DONE_ON = "2024-09-10"
TITLES = [
    "Tổ chức sơ kết 6 tháng thực hiện Đề án 09-ĐA/TU",
    "Hoàn thiện hồ sơ đề nghị công nhận xã Nông thôn mới",
    "Rà soát, bổ sung quy hoạch cấp ủy",
    "Tuyên truyền Đại hội Mặt trận Tổ quốc huyện",
    "Kiểm tra việc thực hiện Quy định số 144-QĐ/TW",
    "Vận động Quỹ Vì người nghèo",
    "Củng cố tổ chức cơ sở hội",
]


def _conclusion(api, meeting_id: int) -> list[dict]:
    tasks = []
    for n, title in enumerate(TITLES):
        task = {"title": title, "lead_agency": "BTG" if n % 2 == 0 else "MTTQ", "due_date": "2024-09-30"}
        if n == 0:  # the one task with two content items
            task["items"] = [{"text": "Xây dựng kế hoạch sơ kết"}, {"text": "Tổng hợp, báo cáo kết quả sơ kết"}]
        tasks.append(task)
    response = api.post("/directives", json={
        "title": "Thông báo kết luận của Thường trực Huyện ủy tại buổi làm việc định kỳ quý II/2024",
        "doc_type": "TB", "number": "215", "issuer_suffix": "HU", "issued_on": "2024-06-20",
        "meeting_id": meeting_id, "tasks": tasks,
    })
    assert response.status_code == 201, response.get_json()
    return response.get_json()["tasks"]


def _report(api, task_id: int, status: str):
    response = api.post(f"/tasks/{task_id}/progress-reports", json={
        "status": status, "progress_percent": 100, "reported_on": DONE_ON,
        "result_text": "Đã hoàn thành, ban hành Kế hoạch số 12-KH/HU.",
    })
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@time_machine.travel(DAY, tick=False)
def test_seven_tasks_eight_items_five_completed_at_task_level_every_view_agrees(district, api_as, make_client):
    office = api_as(district.office)
    meeting = office.post("/meetings", json={"held_on": "2024-06-14", "period_label": "quý II/2024",
                                             "participants": ["các cơ quan tham mưu, giúp việc Huyện ủy"]})
    assert meeting.status_code == 201, meeting.get_json()
    tasks = _conclusion(office, meeting.get_json()["id"])
    assert sum(len(t["items"]) for t in tasks) == 8

    # Tasks 1 (two items) and 2: the lead proposes the whole task, the chief confirms on the web.
    chief_web = make_client()
    chief_web.login(district.chief)
    for task in tasks[:2]:
        lead = district.btg_officer if task["lead_agency"]["code"] == "BTG" else district.mttq_officer
        proposal = _report(api_as(lead), task["id"], "completion_proposed")
        assert proposal["task"]["status"] == TaskStatus.COMPLETION_PROPOSED.value
        items = db.session.scalars(sa.select(ContentItem).where(ContentItem.task_id == task["id"])).all()
        assert {i.status for i in items} == {TaskStatus.COMPLETION_PROPOSED}  # a whole-task proposal proposes every item
        assert chief_web.post_form(f"/progress/reports/{proposal['id']}/confirm",
                                   {"completed_on": DONE_ON}).status_code == 302
    # Tasks 3–5: the office reports "Hoàn thành" on the whole task.
    for task in tasks[2:5]:
        assert _report(office, task["id"], "completed")["task"]["status"] == TaskStatus.COMPLETED.value
    db.session.expire_all()

    completed = [db.session.get(Task, t["id"]) for t in tasks[:5]]
    for task in completed:
        assert task.status is TaskStatus.COMPLETED and task.completed_on == date(2024, 9, 10)
        assert all(i.status is TaskStatus.COMPLETED and i.completed_on == date(2024, 9, 10) for i in task.items)
    # Each item the whole-task rule changed is audited.
    first_items = {i.id for i in completed[0].items}
    audited = db.session.scalars(sa.select(AuditEvent.entity_id).where(
        AuditEvent.entity_type == "ContentItem", AuditEvent.task_id == completed[0].id)).all()
    assert first_items <= set(audited)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport)
                             .where(ProgressReport.review_state == "pending")) == 0

    # Overdue on 5/10/2024: the two unfinished tasks of the conclusion and the fixture's three tasks.
    expected = {(t["id"], t["items"][0]["id"]) for t in tasks[5:]} | {
        (t.id, 0) for t in (district.btg_task, district.mttq_task, district.shared_task)}
    snapshot = overdue_review.build_overdue_snapshot(DAY)
    assert {(u.task_id, u.item_id) for u in snapshot.units} == expected
    assert overdue_pages.overdue_count(overdue_review.OverdueFilters(as_of=DAY)) == len(expected) == 5
    assert dashboard.office_dashboard(district.chief, DAY).overdue_total == 5
    assert home_services.status_counts(district.chief, DAY).overdue == 5
    home = chief_web.get("/").get_data(as_text=True)
    assert re.search(r'data-testid="overdue-count">\s*5\s*<', home)
    assert api_as(district.chief).get("/overdue").get_json()["total"] == 5
    cards = agency_scorecards.scorecards(parse_period("2024"), DAY)
    assert sum(c.not_completed for c in cards) == 5
    by_org = {c.organisation_id: c for c in cards}
    # The five tasks' six units were done on time: BTG leads tasks 1 (two items), 3 and 5; MTTQ 2 and 4.
    assert by_org[district.btg.id].on_time == 4 and by_org[district.mttq.id].on_time == 2

    # The report of Q3/2024 as of 5/10: section I names exactly the two unfinished tasks.
    built = build_period_report(2024, "quarter", 3, DAY)
    section_one = built.section_text("I")
    assert ("chỉ đạo 07 nhiệm vụ trọng tâm, với 08 nội dung cần tập trung thực hiện trong quý III/2024, "
            "hầu hết các nhiệm vụ") in section_one[1]
    assert section_one[2] == (f"Tuy nhiên, còn 02 nhiệm vụ chưa hoàn thành theo tiến độ đề ra, đó là: "
                              f"{TITLES[5]}; {TITLES[6]}.")
    carried = [line for line in built.section_text("IV") if "nội dung chuyển tiếp" in line]
    assert [line.split(":")[1].split("(")[0].strip() for line in carried] == TITLES[5:]

    # The annex, in JSON and in the Excel file: each task's status is its own, and the overdue ones agree.
    body = api_as(district.chief).get("/reports/quarterly?quarter=2024-Q3&as_of=2024-10-05").get_json()
    annex = {row["task_id"]: row for row in body["annex"]}
    for task_id, row in annex.items():
        assert row["status"] == db.session.get(Task, task_id).status.label
    assert {t for t, row in annex.items() if row["timeliness"].startswith("Quá hạn")} == {t for t, _ in expected}
    assert all(annex[t.id]["timeliness"] == "Đúng hạn" for t in completed)
    xlsx = api_as(district.chief).get("/reports/quarterly?quarter=2024-Q3&as_of=2024-10-05&format=xlsx")
    cells = [str(c.value) for ws in openpyxl.load_workbook(io.BytesIO(xlsx.data)).worksheets
             for row in ws.iter_rows() for c in row if c.value is not None]
    assert sum(c.startswith("Quá hạn") for c in cells) == 5
