"""Overdue review: figures against hand-computed expectations (a small hand-built district, the demo
district at several dates, and a generated dataset), filters, keyset pages and the snapshot cache."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.core.enums import OrganisationKind, Role, TaskKind, TaskStatus
from app.core.periods import parse_period
from app.extensions import db
from app.models import ContentItem, Task
from app.oversight import overdue_pages, overdue_review
from app.oversight.overdue_review import OverdueFilters
from tests.oversight.conftest import oracle_overdue

D = date(2024, 7, 15)


@pytest.fixture
def district(factories):
    """Two agencies and a commune; every kind of unit the rules distinguish, as of 15/7/2024."""
    a = factories.org("A", name="Ban Tuyên giáo", order=1)
    b = factories.org("B", name="Ban Tổ chức", order=2)
    commune = factories.org("XTB", name="Đảng ủy xã Tân Bình", kind=OrganisationKind.COMMUNE, order=30)
    q1 = factories.directive(number="198", issued_on=date(2024, 3, 18))
    q2 = factories.directive(number="210", issued_on=date(2024, 6, 25))
    t = {}
    t["a3"] = factories.task(a, directive_=q1, due=D - timedelta(days=3), status=TaskStatus.IN_PROGRESS, title="A 3 ngày")
    t["a7"] = factories.task(a, directive_=q1, due=D - timedelta(days=7), status=TaskStatus.NOT_COMPLETED, title="A 7 ngày")
    t["a8"] = factories.task(a, directive_=q2, due=D - timedelta(days=8), status=TaskStatus.COMPLETION_PROPOSED, title="A 8 ngày")
    t["b45"] = factories.task(b, directive_=q1, due=D - timedelta(days=45), status=TaskStatus.NOT_STARTED, title="B 45 ngày")
    t["b30"] = factories.task(b, directive_=q1, due=D - timedelta(days=30), kind=TaskKind.RECURRING, title="B 30 ngày")
    # Not overdue: due today, completed (late or not), continuous with a past date, no due date.
    factories.task(a, directive_=q1, due=D, title="hạn hôm nay")
    factories.task(a, directive_=q1, due=D - timedelta(days=20), status=TaskStatus.COMPLETED,
                   completed_on=D - timedelta(days=2), title="hoàn thành trễ")
    factories.task(b, directive_=q1, due=D - timedelta(days=60), kind=TaskKind.CONTINUOUS, title="thường xuyên")
    factories.task(b, directive_=q1, due=None, title="không hạn")
    # A task with items: one completed, one open (the commune's), one with its own earlier due date.
    t["items"] = factories.task(b, directive_=q1, due=D + timedelta(days=30), status=TaskStatus.IN_PROGRESS, title="Có nội dung",
                                items=[("Nội dung đã xong", None), ("Nội dung của xã", commune), ("Nội dung hạn riêng", None)])
    items = t["items"].items
    items[0].status, items[0].completed_on = TaskStatus.COMPLETED, D - timedelta(days=40)
    items[1].due_date = D - timedelta(days=10)
    items[2].due_date = D - timedelta(days=2)
    items[0].due_date = D - timedelta(days=50)
    # A task completed as a whole closes its items, whatever their own status.
    whole = factories.task(a, directive_=q1, due=D - timedelta(days=5), status=TaskStatus.COMPLETED,
                           completed_on=D - timedelta(days=6), items=[("nội dung chưa cập nhật", None)])
    t["whole"] = whole
    db.session.commit()
    return {"a": a, "b": b, "commune": commune, "q1": q1, "q2": q2, **t}


def _summary(as_of=D, **kw):
    return overdue_review.overdue_summary(OverdueFilters(as_of=as_of, **kw))


def test_summary_by_agency_and_bucket(district):
    summary = _summary()
    got = {a.organisation_id: a.buckets for a in summary.agencies}
    assert got == {
        district["a"].id: {"1-7": 2, "8-30": 1, "30+": 0},
        district["b"].id: {"1-7": 1, "8-30": 1, "30+": 1},
        district["commune"].id: {"1-7": 0, "8-30": 1, "30+": 0},
    }
    assert summary.total == 7
    assert [a.name for a in summary.agencies] == ["Ban Tuyên giáo", "Ban Tổ chức", "Đảng ủy xã Tân Bình"]
    assert summary.agency(district["b"].id).oldest_due == D - timedelta(days=45)
    assert got == oracle_overdue(D)


def test_rows_most_late_first_with_days_late(district):
    page = overdue_pages.overdue_page(OverdueFilters(as_of=D))
    assert [(r.title, r.days_late, r.bucket) for r in page.rows] == [
        ("B 45 ngày", 45, "30+"), ("B 30 ngày", 30, "8-30"), ("Nội dung của xã", 10, "8-30"), ("A 8 ngày", 8, "8-30"),
        ("A 7 ngày", 7, "1-7"), ("A 3 ngày", 3, "1-7"), ("Nội dung hạn riêng", 2, "1-7"),
    ]
    item_row = page.rows[2]
    assert item_row.item_id is not None and item_row.task_title == "Có nội dung"
    assert item_row.organisation_id == district["commune"].id
    recent = overdue_pages.overdue_page(OverdueFilters(as_of=D, sort="recent"))
    assert [r.title for r in recent.rows] == [r.title for r in reversed(page.rows)]


def test_filters(district):
    def titles(**kw):
        return [r.title for r in overdue_pages.overdue_page(OverdueFilters(as_of=D, **kw)).rows]

    assert titles(agency_id=district["a"].id) == ["A 8 ngày", "A 7 ngày", "A 3 ngày"]
    assert titles(bucket="8-30") == ["B 30 ngày", "Nội dung của xã", "A 8 ngày"]
    assert titles(bucket="30+") == ["B 45 ngày"]
    assert titles(directive_id=district["q2"].id) == ["A 8 ngày"]
    assert titles(kind=TaskKind.RECURRING) == ["B 30 ngày"]
    assert titles(period=parse_period("2024-Q2")) == ["B 45 ngày", "B 30 ngày"]
    assert titles(period=parse_period("2024-Q3")) == ["Nội dung của xã", "A 8 ngày", "A 7 ngày", "A 3 ngày",
                                                              "Nội dung hạn riêng"]
    # The summary ignores agency and bucket (it shows where lateness is); the list narrows.
    assert _summary(agency_id=district["a"].id, bucket="1-7").total == 7


def test_keyset_pages_cover_every_row_once(district):
    seen, cursor = [], None
    for _ in range(10):
        page = overdue_pages.overdue_page(OverdueFilters(as_of=D), cursor=cursor, limit=2)
        seen += [(r.task_id, r.item_id) for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7
    assert overdue_pages.parse_cursor("garbage") is None
    assert overdue_pages.overdue_page(OverdueFilters(as_of=D), cursor="garbage").rows  # bad cursor: first page


def test_as_of_a_past_date_counts_work_completed_since(district):
    # "hoàn thành trễ" (due D-20, completed D-2) was 8 days late on D-12, and the whole-task completion
    # (D-6) closes its item only from that day on.
    before = {r.title: r.days_late for r in overdue_pages.overdue_page(OverdueFilters(as_of=D - timedelta(days=12))).rows}
    assert before["hoàn thành trễ"] == 8
    assert "nội dung chưa cập nhật" not in before  # due D-5: not yet due on D-12
    on = {r.title for r in overdue_pages.overdue_page(OverdueFilters(as_of=D - timedelta(days=3))).rows}
    assert "hoàn thành trễ" in on and "nội dung chưa cập nhật" not in on
    assert oracle_overdue(D - timedelta(days=12)) == {a.organisation_id: a.buckets
                                                     for a in _summary(as_of=D - timedelta(days=12)).agencies}


def test_row_shows_last_report_reminders_escalation_and_explanation(district, factories):
    from app.core.clock import now_utc
    from app.core.enums import ReminderKind, ReminderState
    from app.models import ExplanationRequest, ProgressReport, ReminderLog

    task = district["b45"]
    officer = factories.user(Role.AGENCY_OFFICER, district["b"])
    chief = factories.user(Role.OFFICE_CHIEF)
    now = now_utc()
    for i, (text, on) in enumerate([("cũ", date(2024, 6, 1)), ("mới nhất", date(2024, 7, 1))]):
        db.session.add(ProgressReport(task_id=task.id, organisation_id=district["b"].id, author_id=officer.id,
                                      status=TaskStatus.IN_PROGRESS, progress_percent=30 + i, result_text=text,
                                      reported_on=on, created_at=now + timedelta(seconds=i)))
    for kind, state in [(ReminderKind.OVERDUE, ReminderState.SENT), (ReminderKind.ESCALATION_CHIEF, ReminderState.SENT),
                        (ReminderKind.ESCALATION_COMMITTEE, ReminderState.FAILED)]:
        db.session.add(ReminderLog(dedupe_key=f"{kind}:{task.id}", kind=kind, task_id=task.id, recipient_email="x@y.example",
                                   state=state, claimed_at=now, sent_at=now if state is ReminderState.SENT else None))
    db.session.add(ExplanationRequest(task_id=task.id, requested_by_id=chief.id, message="Vì sao chậm?", requested_at=now))
    db.session.commit()
    row = overdue_pages.overdue_page(OverdueFilters(as_of=D, agency_id=district["b"].id)).rows[0]
    assert (row.title, row.last_report_text, row.last_report_percent) == ("B 45 ngày", "mới nhất", 31)
    assert row.reminders_sent == 2 and row.escalation_level == 2  # the failed committee escalation does not count
    assert row.explanation_state == "Chờ giải trình"


# --------------------------------------------------------------------------------------------
# Demo district (domain.md AS-09)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def demo(travel):
    from app.demo.seed import seed_demo_district

    travel(date(2024, 7, 1))
    seed_demo_district()
    db.session.commit()


@pytest.mark.parametrize(("as_of", "expected"), [
    (date(2024, 6, 30), None),
    (date(2024, 7, 1), (1, "1-7")),
    (date(2024, 7, 9), (9, "8-30")),
    (date(2024, 8, 15), (46, "30+")),
])
def test_demo_district_overdue_list(demo, as_of, expected):
    from app.demo.catalog import TAN_BINH_ITEM_TEXT

    rows = overdue_pages.overdue_page(OverdueFilters(as_of=as_of)).rows
    if expected is None:
        assert rows == []
        return
    assert len(rows) == 1
    row = rows[0]
    assert row.title == TAN_BINH_ITEM_TEXT
    assert row.due == date(2024, 6, 30) and (row.days_late, row.bucket) == expected
    assert row.agency == "Đảng ủy xã Tân Bình"
    assert row.last_report_text.startswith("Xã đã đạt 17/19 tiêu chí")


def test_demo_carried_over_item_with_new_due_date_is_not_overdue(demo):
    task = db.session.scalar(sa.select(Task).join(ContentItem).where(ContentItem.text.startswith("Xây dựng hoàn thành 19")))
    for item in task.items:
        if item.status is not TaskStatus.COMPLETED:
            item.due_date = date(2024, 9, 30)
    task.due_date = date(2024, 9, 30)
    db.session.commit()
    assert overdue_pages.overdue_page(OverdueFilters(as_of=date(2024, 7, 1))).rows == []


# --------------------------------------------------------------------------------------------
# Generated dataset, checked against the plain-Python recount
# --------------------------------------------------------------------------------------------


@pytest.fixture
def generated(app):
    from app.bench_seed import seed_bench

    seed_bench(tasks=500, agencies=6, years=2, end=date(2024, 9, 30), seed=7, password="Mat-khau-bench-2024")
    db.session.commit()


@pytest.mark.parametrize("as_of", [date(2024, 9, 30), date(2024, 6, 1), date(2023, 12, 31)])
def test_generated_dataset_matches_recount(generated, as_of):
    summary = _summary(as_of=as_of)
    assert summary.total > 0
    assert {a.organisation_id: a.buckets for a in summary.agencies} == oracle_overdue(as_of)
    rows, truncated = overdue_pages.overdue_rows(OverdueFilters(as_of=as_of))
    assert not truncated and len(rows) == summary.total
    assert [r.due for r in rows] == sorted(r.due for r in rows)


# --------------------------------------------------------------------------------------------
# Today's snapshot is cached per process while the fingerprint holds
# --------------------------------------------------------------------------------------------


def test_cached_snapshot_is_rebuilt_after_any_change(cache_on, factories, travel):
    from app.core import audit

    travel(D)
    a = factories.org("A")
    task = factories.task(a, due=D - timedelta(days=3), status=TaskStatus.IN_PROGRESS)
    first = overdue_review.overdue_snapshot(D)
    assert overdue_review.overdue_snapshot(D) is first  # nothing changed: reused
    # A status change made without the services (no audit) still changes the fingerprint.
    task.status, task.completed_on = TaskStatus.COMPLETED, D
    db.session.commit()
    second = overdue_review.overdue_snapshot(D)
    assert second is not first and second.units == []
    # A new task (due before today) is seen.
    factories.task(a, due=D - timedelta(days=1))
    assert len(overdue_review.overdue_snapshot(D).units) == 1
    # An audited change (here: agency reassignment through the audit log) is seen.
    other = factories.org("B")
    third = overdue_review.overdue_snapshot(D)
    t2 = db.session.scalar(sa.select(Task).where(Task.status != TaskStatus.COMPLETED))
    t2.lead_org_id = other.id
    audit.record(None, "update", t2, task_id=t2.id, summary="đổi cơ quan")
    db.session.commit()
    fourth = overdue_review.overdue_snapshot(D)
    assert fourth is not third and fourth.units[0].org_id == other.id
    # An audited event about no task, directive or agency (a login) keeps the snapshot.
    audit.record(None, "login", factories.user(Role.OFFICE_CHIEF), summary="đăng nhập")
    db.session.commit()
    assert overdue_review.overdue_snapshot(D) is fourth
    # An edited directive (its number shows on every row) is seen.
    audit.record(None, "update", t2.directive, summary="sửa số")
    db.session.commit()
    assert overdue_review.overdue_snapshot(D) is not fourth


def test_cached_snapshot_expires(cache_on, app, factories, travel):
    travel(D)
    factories.task(factories.org("A"), due=D - timedelta(days=3))
    first = overdue_review.overdue_snapshot(D)
    app.config["OVERSIGHT_CACHE_SECONDS"] = 0
    try:
        assert overdue_review.overdue_snapshot(D) is not first
    finally:
        app.config.pop("OVERSIGHT_CACHE_SECONDS")


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


def test_page_for_each_role(client, make_client, district, factories, travel):
    travel(D)
    chief = factories.user(Role.OFFICE_CHIEF)
    client.login(chief)
    html = client.get("/oversight/overdue").get_data(as_text=True)
    assert 'data-testid="ageing-summary"' in html and "B 45 ngày" in html and "Nhắc ngay" in html
    assert "quá hạn 45 ngày" in html
    filtered = client.get(f"/oversight/overdue?agency={district['a'].id}&bucket=1-7").get_data(as_text=True)
    assert "A 3 ngày" in filtered and "B 45 ngày" not in filtered
    for role, status in [(Role.COMMITTEE, 200), (Role.OFFICE, 200), (Role.ADMIN, 200), (Role.AGENCY_HEAD, 403),
                         (Role.AGENCY_OFFICER, 403)]:
        other = make_client()
        other.login(factories.user(role, district["a"]))
        response = other.get("/oversight/overdue")
        assert response.status_code == status, role
        if role is Role.COMMITTEE:
            assert "Nhắc ngay" not in response.get_data(as_text=True)  # the committee reads; the office reminds


def test_bad_filters_are_ignored_with_a_message(client, district, factories, travel):
    travel(D)
    client.login(factories.user(Role.OFFICE_CHIEF))
    response = client.get("/oversight/overdue?as_of=31-02-2024&period=2024-Q9&agency=abc&after=x.y.z&bucket=99")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "không hợp lệ" in html and "B 45 ngày" in html


def test_unit_action_page(client, district, factories, travel):
    travel(D)
    client.login(factories.user(Role.OFFICE_CHIEF))
    item = district["items"].items[1]
    html = client.get(f"/oversight/tasks/{district['items'].id}/actions?item={item.id}").get_data(as_text=True)
    assert "Nội dung của xã" in html and "quá hạn 10 ngày" in html and "Gửi nhắc việc" in html
    assert client.get("/oversight/tasks/999999/actions").status_code == 404
    assert client.get(f"/oversight/tasks/{district['items'].id}/actions?item=999999").status_code == 404
