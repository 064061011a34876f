"""The task-breakdown editor: tasks, content items, agencies, "all communes", kinds and deadlines."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.core.enums import OrganisationKind, Recurrence, Role, TaskKind, TaskStatus
from app.core.errors import ValidationFailed
from app.directives import breakdown, due_dates, notices, recurrence
from app.extensions import db
from app.models import AuditEvent, ContentItem, Task
from app.tasks.rollup import apply_rollup
from app.tasks.units import item_due, task_is_overdue
from tests.directives.conftest import form_values, post_values


@pytest.fixture
def notice(factories):
    """A Q1/2024 conclusion notice of the meeting held on 14/3/2024."""
    return factories.directive(meeting=factories.meeting(held_on=date(2024, 3, 14)), number="198")


def _new(client, notice, **fields):
    data = {f"task-{k}": v for k, v in fields.items()}
    return client.post_form(f"/directives/{notice.id}/tasks/new", data)


def _tasks():
    return db.session.scalars(sa.select(Task).order_by(Task.ordinal, Task.due_date, Task.id)).all()


def test_add_a_task_with_lead_coordinators_items_and_a_due_phrase(office_client, catalog, notice):
    response = _new(office_client, notice, title="Tổ chức học tập Đề án số 09-ĐA/TU ngày 05/01/2024",
                    lead=catalog["BTG"].id, coordinators=[catalog["TTCT"].id, catalog["BTG"].id],
                    due_phrase="trong quý II/2024", **{"items-0-text": "Học tập cấp huyện",
                                                        "items-1-text": "Học tập ở cơ sở",
                                                        "items-1-lead": catalog["X.TANBINH"].id,
                                                        "items-1-due_phrase": "trong tháng 5/2024"})
    assert response.status_code == 302
    [task] = _tasks()
    assert (task.lead_org.code, [o.code for o in task.coordinators]) == ("BTG", ["TTCT"])
    assert (task.due_phrase, task.due_date, task.original_due_date) == ("trong quý II/2024", date(2024, 6, 30), date(2024, 6, 30))
    assert task.kind is TaskKind.ONE_OFF
    assert [(i.text, i.lead_org and i.lead_org.code, i.due_date) for i in task.items] == [
        ("Học tập cấp huyện", None, None), ("Học tập ở cơ sở", "X.TANBINH", date(2024, 5, 31))]
    assert item_due(task.items[0]) == date(2024, 6, 30)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.task_id == task.id)).action == "create"
    # the Đề án in the title became a linked reference
    assert office_client.get(f"/directives/{notice.id}").get_data(as_text=True).count("09-ĐA/TU") >= 1


def test_a_task_without_items_gets_one_item_and_typed_date_wins(office_client, catalog, notice):
    assert _new(office_client, notice, title="Chuẩn bị Đại hội", lead=catalog["BTC"].id,
                due_phrase="đầu tháng 10/2024", due_date="2024-10-10").status_code == 302
    [task] = _tasks()
    assert (task.due_phrase, task.due_date) == ("đầu tháng 10/2024", date(2024, 10, 10))
    assert [i.text for i in task.items] == ["Chuẩn bị Đại hội"]


def test_edit_reorder_and_delete_tasks_and_items(office_client, catalog, notice):
    for title in ("Nhiệm vụ A", "Nhiệm vụ B", "Nhiệm vụ C"):
        _new(office_client, notice, title=title, lead=catalog["VP"].id, due_date="2024-06-30")
    a, b, c = _tasks()
    office_client.post_form(f"/directives/{notice.id}/tasks/{c.id}/move", {"direction": "up"})
    assert [t.title for t in _tasks()] == ["Nhiệm vụ A", "Nhiệm vụ C", "Nhiệm vụ B"]

    page = office_client.get(f"/directives/{notice.id}/tasks/{a.id}/edit").get_data(as_text=True)
    values = form_values(page, overrides={"task-title": "Nhiệm vụ A đã sửa", "task-lead": catalog["MTTQ"].id,
                                          "task-items-1-text": "Nội dung thêm", "task-items-1-lead": ""})
    assert post_values(office_client, f"/directives/{notice.id}/tasks/{a.id}/edit", values).status_code == 302
    db.session.expire_all()
    a = db.session.get(Task, a.id)
    assert (a.title, a.lead_org.code, [i.text for i in a.items]) == ("Nhiệm vụ A đã sửa", "MTTQ", ["Nhiệm vụ A", "Nội dung thêm"])
    second = a.items[1]
    office_client.post_form(f"/directives/{notice.id}/tasks/{a.id}/items/{second.id}/move", {"direction": "up"})
    db.session.expire_all()
    assert [i.text for i in db.session.get(Task, a.id).items] == ["Nội dung thêm", "Nhiệm vụ A"]
    office_client.post_form(f"/directives/{notice.id}/tasks/{a.id}/items/{second.id}/delete")
    db.session.expire_all()
    assert [i.text for i in db.session.get(Task, a.id).items] == ["Nhiệm vụ A"]

    assert office_client.post_form(f"/directives/{notice.id}/tasks/{b.id}/delete").status_code == 302
    assert [(t.ordinal, t.title) for t in _tasks()] == [(1, "Nhiệm vụ A đã sửa"), (2, "Nhiệm vụ C")]


def test_a_stale_edit_is_refused(office_client, catalog, notice):
    _new(office_client, notice, title="Nhiệm vụ", lead=catalog["VP"].id, due_date="2024-06-30")
    [task] = _tasks()
    page = office_client.get(f"/directives/{notice.id}/tasks/{task.id}/edit").get_data(as_text=True)
    first = form_values(page, overrides={"task-title": "Lần sửa thứ nhất"})
    second = form_values(page, overrides={"task-title": "Lần sửa thứ hai"})
    assert post_values(office_client, f"/directives/{notice.id}/tasks/{task.id}/edit", first).status_code == 302
    response = post_values(office_client, f"/directives/{notice.id}/tasks/{task.id}/edit", second)
    assert response.status_code == 409
    assert "người khác thay đổi" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "Lần sửa thứ nhất"


def test_all_communes_creates_one_item_per_active_commune_and_rolls_up(office_client, catalog, notice, factories):
    catalog["X.TANLONG"].is_active = False
    db.session.commit()
    assert _new(office_client, notice, title="Rà soát đảng viên", lead=catalog["BTC"].id, all_communes="y",
                due_phrase="6 tháng đầu năm 2024").status_code == 302
    [task] = _tasks()
    communes = [o for o in catalog.values() if o.kind is OrganisationKind.COMMUNE and o.is_active]
    assert task.is_all_communes and len(task.items) == len(communes) == 14
    assert {i.lead_org.code for i in task.items} == {o.code for o in communes}
    assert task.due_date == date(2024, 6, 30)

    # a commune officer sees the task (its item), another agency's officer does not
    commune_user = factories.user(Role.AGENCY_OFFICER, catalog["X.TANBINH"])
    assert task in notices.directive_tasks(commune_user, notice)
    assert notices.directive_tasks(factories.user(Role.AGENCY_OFFICER, catalog["HND"]), notice) == []

    for item in task.items[:7]:
        item.status, item.completed_on = TaskStatus.COMPLETED, date(2024, 5, 2)
    apply_rollup(task)
    assert (task.status, task.progress_percent) == (TaskStatus.IN_PROGRESS, 50)
    for item in task.items:
        item.status, item.completed_on = TaskStatus.COMPLETED, date(2024, 6, 1)
    apply_rollup(task)
    assert (task.status, task.progress_percent, task.completed_on) == (TaskStatus.COMPLETED, 100, date(2024, 6, 1))


def test_recurring_tasks_generate_the_next_occurrences_ahead(office_client, catalog, notice):
    assert _new(office_client, notice, title="Báo cáo tình hình dư luận xã hội", lead=catalog["BTG"].id,
                due_phrase="hằng quý").status_code == 302
    series, *occurrences = _tasks()
    assert (series.kind, series.recurrence, series.due_date) == (TaskKind.RECURRING, Recurrence.QUARTERLY, date(2024, 3, 31))
    assert [t.due_date for t in occurrences] == [date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31)]
    assert all(t.parent_task_id == series.id and t.lead_org_id == series.lead_org_id for t in occurrences)
    assert occurrences[1].title == "Báo cáo tình hình dư luận xã hội (quý III/2024)"

    # topping up is idempotent and only adds cycles beyond the horizon
    assert recurrence.generate_occurrences(None, series, today=date(2024, 3, 20)) == []
    added = recurrence.generate_occurrences(None, series, today=date(2024, 5, 1))  # Q2 is now the current cycle
    assert [t.due_date for t in added] == [date(2025, 3, 31)]
    assert recurrence.generate_occurrences(None, series, today=date(2024, 6, 30)) == []

    monthly = due_dates.resolve_due("hàng tháng", None, reference_date=date(2024, 3, 14))
    assert (monthly.kind, monthly.recurrence, monthly.due_date) == (TaskKind.RECURRING, Recurrence.MONTHLY, date(2024, 3, 31))


def test_continuous_tasks_have_no_deadline_and_are_never_overdue(office_client, catalog, notice):
    assert _new(office_client, notice, title="Thường xuyên nắm tình hình tư tưởng", lead=catalog["BTG"].id,
                due_phrase="thường xuyên").status_code == 302
    [task] = _tasks()
    assert (task.kind, task.due_date, task.due_phrase) == (TaskKind.CONTINUOUS, None, "thường xuyên")
    assert not task_is_overdue(task, date(2030, 1, 1))
    weekly = due_dates.resolve_due("hàng tuần", None, reference_date=date(2024, 3, 14))
    assert weekly.kind is TaskKind.CONTINUOUS


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": "  ", "lead": "BTG", "due_phrase": "trong quý II/2024"}, "Chưa nhập nội dung nhiệm vụ."),
    ({"title": "Nhiệm vụ", "lead": None, "due_phrase": "trong quý II/2024"}, "Chưa chọn cơ quan chủ trì."),
    ({"title": "Nhiệm vụ", "lead": 99999, "due_phrase": "trong quý II/2024"}, "Cơ quan chủ trì không có trong danh mục tổ chức."),
    ({"title": "Nhiệm vụ", "lead": "BTG", "coordinators": [99999], "due_phrase": "trong quý II/2024"},
     "Cơ quan phối hợp không có trong danh mục tổ chức."),
    ({"title": "Nhiệm vụ", "lead": "BTG", "due_date": "2024-03-01"}, "Hạn hoàn thành 01/03/2024 trước ngày họp/ban hành 14/03/2024."),
    ({"title": "Nhiệm vụ", "lead": "BTG", "due_phrase": "trong quý I/2023"}, "trước ngày họp/ban hành 14/03/2024"),
    ({"title": "Nhiệm vụ", "lead": "BTG", "due_phrase": "sớm nhất có thể"}, "Không nhận dạng được thời hạn “sớm nhất có thể”."),
    ({"title": "Nhiệm vụ", "lead": "BTG", "due_phrase": "trong tháng 13/2024"}, "Tháng 13 không hợp lệ"),
    ({"title": "Nhiệm vụ", "lead": "BTG"}, "Chưa nhập thời hạn"),
    ({"title": "Nhiệm vụ", "lead": "BTG", "due_date": "31/02/2024"}, "ngày “31/02/2024” không hợp lệ"),
    ({"title": "Nhiệm vụ", "lead": "BTG", "kind": "recurring", "due_phrase": "trong quý II/2024"},
     "Nhiệm vụ định kỳ cần chu kỳ"),
    ({"title": "Nhiệm vụ", "lead": "BTG", "due_phrase": "trong quý II/2024", "items-0-text": "A",
      "items-0-due_phrase": "trong quý IX/2024"}, "Quý “IX” không hợp lệ"),
])
def test_bad_task_input_is_refused_with_a_clear_message_and_nothing_saved(office_client, catalog, notice, fields, message):
    if fields.get("lead") in catalog:
        fields["lead"] = catalog[fields["lead"]].id
    fields = {k: v for k, v in fields.items() if v is not None}
    response = _new(office_client, notice, **fields)
    assert response.status_code in (422, 400)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentItem)) == 0


def test_inactive_agencies_cannot_be_assigned(catalog, notice):
    catalog["CTĐ"].is_active = False
    db.session.commit()
    with pytest.raises(ValidationFailed, match="đã ngừng hoạt động"):
        breakdown.add_task(None, notice, breakdown.TaskInput(title="X", lead_org_id=catalog["CTĐ"].id,
                                                           due_phrase="trong quý II/2024"))


def test_a_task_with_reports_cannot_be_deleted(office_client, catalog, notice, factories):
    from app.core.clock import now_utc
    from app.models import ProgressReport

    task = factories.task(catalog["BTG"], directive_=notice)
    author = factories.user(Role.AGENCY_OFFICER, catalog["BTG"])
    db.session.add(ProgressReport(task_id=task.id, organisation_id=catalog["BTG"].id, author_id=author.id,
                                  status=TaskStatus.IN_PROGRESS, reported_on=date(2024, 4, 1), created_at=now_utc()))
    db.session.commit()
    response = office_client.post_form(f"/directives/{notice.id}/tasks/{task.id}/delete", follow_redirects=True)
    assert "đã có báo cáo tiến độ, không thể xóa" in response.get_data(as_text=True)
    assert db.session.get(Task, task.id) is not None
