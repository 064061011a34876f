"""Each role's allowed and refused actions on progress, completion review and extensions, including
cross-agency attempts: a refusal is 403 (role) or 404 (another agency's task) and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.core.clock import now_utc, today_local
from app.core.enums import ExtensionState, ReviewState, TaskStatus
from app.extensions import db
from app.models import AuditEvent, ExtensionRequest, ProgressReport, Task
from tests.progress.helpers import count, fresh, report_payload

ROLES = ("officer", "head", "coord_officer", "other_officer", "office", "chief", "committee", "admin")


def _state(task_id: int) -> tuple:
    task = fresh(Task, task_id)
    reports = db.session.execute(sa.select(ProgressReport.id, ProgressReport.review_state)).all()
    extensions = db.session.execute(sa.select(ExtensionRequest.id, ExtensionRequest.state)).all()
    return (task.status, task.progress_percent, task.version_id, task.due_date, task.completed_on,
            sorted(reports), sorted(extensions), count(AuditEvent))


def _pending_proposal(world) -> ProgressReport:
    report = ProgressReport(task_id=world.task.id, organisation_id=world.lead.id, author_id=world.officer.id,
                            is_lead_report=True, status=TaskStatus.COMPLETION_PROPOSED, progress_percent=100,
                            result_text="Ban hành Kế hoạch số 175-KH/HU.", reported_on=today_local(),
                            created_at=now_utc(), review_state=ReviewState.PENDING)
    db.session.add(report)
    world.task.status = TaskStatus.COMPLETION_PROPOSED
    db.session.commit()
    return report


def _pending_extension(world) -> ExtensionRequest:
    ext = ExtensionRequest(task_id=world.task.id, organisation_id=world.lead.id, requested_by_id=world.officer.id,
                           current_due_date=world.task.due_date, requested_due_date=world.task.due_date + timedelta(days=30),
                           reason="Chờ hướng dẫn của cấp trên.", state=ExtensionState.PENDING, created_at=now_utc())
    db.session.add(ext)
    db.session.commit()
    return ext


def _check(client, world, role, allowed: dict, action) -> None:
    client.login(world.user(role))
    before = _state(world.task.id)
    status = action()
    expected = allowed.get(role, 403)
    assert status == expected, (role, status)
    if expected >= 400:
        assert _state(world.task.id) == before, f"{role}: refused but something changed"
    else:
        assert _state(world.task.id) != before, f"{role}: allowed but nothing changed"


REPORT_ALLOWED = {"officer": 302, "head": 302, "coord_officer": 302, "other_officer": 404, "office": 302,
                  "chief": 302, "admin": 302}


@pytest.mark.parametrize("role", ROLES)
def test_submit_progress_report(client, world, role):
    def action():
        return client.post_form(f"/progress/tasks/{world.task.id}/report", report_payload(1)).status_code

    _check(client, world, role, REPORT_ALLOWED, action)


@pytest.mark.parametrize("role", ROLES)
def test_open_report_form(client, world, role):
    client.login(world.user(role))
    assert client.get(f"/progress/tasks/{world.task.id}/report").status_code == {302: 200}.get(
        REPORT_ALLOWED.get(role, 403), REPORT_ALLOWED.get(role, 403))


@pytest.mark.parametrize("role", ROLES)
def test_confirm_completion(client, world, role):
    report = _pending_proposal(world)

    def action():
        return client.post_form(f"/progress/reports/{report.id}/confirm", {}).status_code

    _check(client, world, role, {"office": 302, "chief": 302, "admin": 302}, action)


@pytest.mark.parametrize("role", ROLES)
def test_return_completion(client, world, role):
    report = _pending_proposal(world)

    def action():
        return client.post_form(f"/progress/reports/{report.id}/return", {"reason": "Thiếu minh chứng"}).status_code

    _check(client, world, role, {"office": 302, "chief": 302, "admin": 302}, action)


@pytest.mark.parametrize("role", ROLES)
def test_request_extension(client, world, role):
    def action():
        new_due = (world.task.due_date + timedelta(days=20)).isoformat()
        return client.post_form(f"/progress/tasks/{world.task.id}/extension",
                                {"requested_due_date": new_due, "reason": "Chờ hướng dẫn"}).status_code

    # Coordinators may not ask (403); another agency does not even see the task (404).
    _check(client, world, role, {"officer": 302, "head": 302, "office": 302, "chief": 302, "other_officer": 404,
                                 "coord_officer": 403}, action)


@pytest.mark.parametrize("role", ROLES)
def test_decide_extension(client, world, role):
    ext = _pending_extension(world)

    def action():
        return client.post_form(f"/progress/extensions/{ext.id}/decide", {"approve": "1"}).status_code

    _check(client, world, role, {"committee": 302, "admin": 302}, action)


@pytest.mark.parametrize(("role", "url", "expected"), [
    *[(r, "/progress/reviews", 200 if r in ("office", "chief", "admin") else 403) for r in ROLES],
    *[(r, "/progress/extensions", 200 if r in ("committee", "admin") else 403) for r in ROLES],
    *[(r, "/progress/inbox", 200) for r in ROLES],
    *[(r, "/progress/indicators", 200) for r in ROLES],
])
def test_list_pages(client, world, role, url, expected):
    client.login(world.user(role))
    assert client.get(url).status_code == expected


def test_cross_agency_task_page_actions_are_hidden_and_refused(client, world, factories):
    foreign = factories.task(world.other, due=date(2031, 1, 31))
    client.login(world.officer)
    assert client.get(f"/tasks/{foreign.id}").status_code == 404
    assert client.get(f"/progress/tasks/{foreign.id}/report").status_code == 404
    assert client.get(f"/progress/tasks/{foreign.id}/extension").status_code == 404
    assert client.post_form(f"/progress/tasks/{foreign.id}/report", report_payload(1)).status_code == 404
    assert count(ProgressReport) == 0 and fresh(Task, foreign.id).version_id == 1


def test_task_page_shows_actions_per_permission(client, make_client, world):
    _pending_proposal(world)
    _pending_extension(world)
    pages = {}
    for role in ("officer", "coord_officer", "office", "committee"):
        browser = make_client()
        browser.login(world.user(role))
        pages[role] = browser.get(f"/tasks/{world.task.id}").get_data(as_text=True)
    assert 'data-testid="report-button"' in pages["officer"] and "/confirm" not in pages["officer"]
    assert "/decide" not in pages["officer"]
    assert 'data-testid="report-button"' in pages["coord_officer"]
    assert "/confirm" in pages["office"] and "/return" in pages["office"] and "/decide" not in pages["office"]
    assert "/decide" in pages["committee"] and 'data-testid="report-button"' not in pages["committee"]
    assert "/confirm" not in pages["committee"]
