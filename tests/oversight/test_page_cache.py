"""The rendered rows of the overdue review and the agency inbox are reused while the data holds
(app.tasks.page_reuse): each user still gets their own CSRF token, each agency its own tasks, and
any change made through the services, or a reminder sent, shows on the next request."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.core import audit
from app.core.enums import ReminderKind, ReminderState, Role, TaskStatus
from app.extensions import db
from app.models import ReminderLog
from app.oversight.routes import CSRF_MARK
from tests.oversight.test_overdue import D

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _reminded(html: str, task_id: int) -> str:
    row = html.split(f'data-task-id="{task_id}"', 1)[1].split("</tr>", 1)[0]
    return re.search(r"(\d+) lần", row).group(1)


def test_review_rows_are_reused_with_each_users_token(cache_on, client, make_client, factories, travel):
    travel(D)
    a = factories.org("A")
    task = factories.task(a, due=D - timedelta(days=3), status=TaskStatus.IN_PROGRESS, title="Việc trễ")
    chief, deputy = factories.user(Role.OFFICE_CHIEF), factories.user(Role.OFFICE_CHIEF)
    db.session.commit()
    client.login(chief)
    first = client.get("/oversight/overdue").get_data(as_text=True)
    other = make_client()
    other.login(deputy)
    second = other.get("/oversight/overdue").get_data(as_text=True)
    # The same cached rows, each with the token of its own session, and the token works.
    (mine,), (theirs,) = set(TOKEN_RE.findall(first)), set(TOKEN_RE.findall(second))
    assert mine != theirs and CSRF_MARK not in first
    assert _reminded(first, task.id) == _reminded(second, task.id) == "0"
    # A reminder sent by the scheduler (no audit event) shows on the next request.
    db.session.add(ReminderLog(dedupe_key="x", kind=ReminderKind.OVERDUE, task_id=task.id, recipient_email="a@x.vn",
                               state=ReminderState.SENT, claimed_at=datetime(2024, 7, 15, 1, tzinfo=UTC),
                               sent_at=datetime(2024, 7, 15, 2, tzinfo=UTC)))
    db.session.commit()
    assert _reminded(client.get("/oversight/overdue").get_data(as_text=True), task.id) == "1"
    response = other.post(f"/oversight/tasks/{task.id}/remind",
                          data={"csrf_token": theirs, "item_id": "", "next": "/oversight/overdue"})
    assert response.status_code == 302 and "csrf" not in response.get_data(as_text=True).lower()


def test_inbox_groups_are_reused_per_agency_until_a_change(cache_on, app, client, make_client, factories, travel):
    travel(D)
    a, b = factories.org("A"), factories.org("B")
    task = factories.task(a, due=D + timedelta(days=20), title="Việc của A")
    factories.task(b, due=D + timedelta(days=20), title="Việc của B")
    officer_a, officer_b = factories.user(Role.AGENCY_OFFICER, a), factories.user(Role.AGENCY_OFFICER, b)
    db.session.commit()
    client.login(officer_a)
    other = make_client()
    other.login(officer_b)
    assert "Việc của A" in client.get("/progress/inbox").get_data(as_text=True)
    html_b = other.get("/progress/inbox").get_data(as_text=True)
    assert "Việc của B" in html_b and "Việc của A" not in html_b
    # A change behind the services' back (no audit) waits for the time limit …
    task.title = "Việc của A, đã sửa"
    db.session.commit()
    assert "Việc của A, đã sửa" not in client.get("/progress/inbox").get_data(as_text=True)
    # … an audited change (every service writes one) shows at once.
    audit.record(None, "update", task, task_id=task.id, summary="sửa tên")
    db.session.commit()
    assert "Việc của A, đã sửa" in client.get("/progress/inbox").get_data(as_text=True)
    # A deleted task goes at once too (its audit event names it as the entity, without task_id).
    gone = factories.task(a, due=D + timedelta(days=25), title="Việc sẽ xóa")
    newer = factories.task(a, due=D + timedelta(days=26), title="Việc mới hơn")  # gone is not the newest task
    audit.record(None, "create", newer, task_id=newer.id)
    db.session.commit()
    assert "Việc sẽ xóa" in client.get("/progress/inbox").get_data(as_text=True)
    audit.record(None, "delete", gone, summary="xóa")
    db.session.delete(gone)
    db.session.commit()
    assert "Việc sẽ xóa" not in client.get("/progress/inbox").get_data(as_text=True)
    task.title = "Việc của A, sửa lần hai"
    db.session.commit()
    app.config["OVERSIGHT_CACHE_SECONDS"] = 0
    try:
        assert "sửa lần hai" in client.get("/progress/inbox").get_data(as_text=True)
    finally:
        app.config.pop("OVERSIGHT_CACHE_SECONDS")


def test_inbox_filters_and_language_are_part_of_the_key(cache_on, client, factories, travel):
    travel(D)
    a = factories.org("A")
    factories.task(a, due=D - timedelta(days=2), title="Việc quá hạn")
    factories.task(a, due=D + timedelta(days=20), title="Việc còn hạn")
    officer = factories.user(Role.AGENCY_OFFICER, a)
    db.session.commit()
    client.login(officer)
    assert "Việc còn hạn" in client.get("/progress/inbox").get_data(as_text=True)
    only_overdue = client.get("/progress/inbox?group=overdue").get_data(as_text=True)
    assert "Việc quá hạn" in only_overdue and "Việc còn hạn" not in only_overdue
    searched = client.get("/progress/inbox?q=con+han").get_data(as_text=True)
    assert "Việc còn hạn" in searched and "Việc quá hạn" not in searched


def test_review_keeps_a_bounded_number_of_row_pages(cache_on, client, factories, travel, monkeypatch):
    from app.oversight import overdue_review, routes

    monkeypatch.setattr(routes, "ROW_PAGES_KEPT", 2)
    travel(D)
    factories.task(factories.org("A"), due=D - timedelta(days=3), title="Việc trễ")
    chief = factories.user(Role.OFFICE_CHIEF)
    db.session.commit()
    client.login(chief)
    for sort in ("late", "recent", "late&kind=one_off"):
        assert "Việc trễ" in client.get(f"/oversight/overdue?sort={sort}").get_data(as_text=True)
    assert len(overdue_review.overdue_snapshot(D).summaries["rows_html"]) <= 2


def test_fingerprint_sees_a_change_committed_out_of_id_order(app, factories, travel):
    """On PostgreSQL, event 100 can commit after event 101: the page built in between must go."""
    from app.models import AuditEvent
    from app.tasks import page_reuse

    travel(D)
    task = factories.task(factories.org("A"), due=D - timedelta(days=3))
    at = datetime(2024, 7, 15, 1, tzinfo=UTC)
    for event_id in (1000, 1002):
        db.session.add(AuditEvent(id=event_id, action="update", entity_type="Task", entity_id=task.id,
                                  task_id=task.id, created_at=at))
    db.session.commit()
    before = page_reuse.data_fingerprint(D)
    db.session.add(AuditEvent(id=1001, action="update", entity_type="Task", entity_id=task.id, task_id=task.id,
                              created_at=at))
    db.session.commit()
    assert page_reuse.data_fingerprint(D) != before
