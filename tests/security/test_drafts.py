"""A draft notice and everything under it exist only for the office, the office chief, the committee
and admins until it is issued (issue 16, item 1).

Scripted as an attacker with an agency account would try it: every page, search, list, API call and
feed that could name the draft is opened and must show no trace of it; writes on its task are refused
and change nothing; the reminder run e-mails nobody about it, and scorecards do not count it.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from app.auth.services import issue_api_token
from app.core.clock import today_local
from app.core.enums import DirectiveStatus, Role
from app.core.periods import Period
from app.extensions import db
from app.models import Task
from app.oversight import agency_scorecards, overdue_review
from tests.reminders.conftest import no_digests, tick
from tests.security.world import SECRET, build_world, table_fingerprint

pytestmark = pytest.mark.usefixtures("_frozen")


@pytest.fixture
def _frozen():
    with time_machine.travel(date(2024, 7, 15), tick=False):
        yield


def _draft_world():
    """The security district: its draft notice (number 199) has an overdue task of the own agency."""
    w = build_world()
    draft_task = db.session.scalar(sa.select(Task).where(Task.directive_id == w.draft.id))
    return w, draft_task


def _no_trace(response, where: str, draft_ids: tuple[int, int]) -> None:
    """Neither the draft's words nor a link to the draft or its task (by id) is in the answer."""
    assert response.status_code < 500, where
    body = response.get_data(as_text=True)
    directive_id, task_id = draft_ids
    assert SECRET not in body, f"{where} shows the draft"
    for trace in (f"/directives/{directive_id}\"", f"/tasks/{task_id}\""):
        assert trace not in body, f"{where} links to the draft"


def test_an_agency_account_sees_no_trace_of_a_draft_anywhere(app, make_client):
    w, draft_task = _draft_world()
    feed_token = w.calendar_token(w.user(Role.AGENCY_OFFICER))
    ids = (w.draft.id, draft_task.id)
    for role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD):
        browser = make_client()
        assert browser.login(w.user(role)).status_code == 302
        for url in ("/", "/tasks/", "/tasks/?q=d%E1%BB%B1+th%E1%BA%A3o", "/progress/inbox", "/progress/inbox?q=thảo",
                    "/directives/", "/directives/?q=199-TB/HU", "/directives/?q=Dự+thảo",
                    "/directives/?status=draft", "/directives/references?q=Thông+báo+số+199-TB/HU",
                    f"/directives/meetings/{w.meeting.id}", "/oversight/search?q=dự+thảo",
                    "/oversight/search?q=dự+thảo&kind=directive", "/oversight/search?q=dự+thảo&kind=task",
                    "/oversight/search?q=199&kind=directive", "/oversight/scorecards",
                    "/oversight/explanations", "/oversight/charts/completion.json", "/notifications",
                    f"/oversight/calendar/{feed_token}.ics"):
            _no_trace(browser.get(url), f"{role.value} GET {url}", ids)
        for url in (f"/tasks/{draft_task.id}", f"/directives/{w.draft.id}",
                    f"/progress/tasks/{draft_task.id}/report", f"/progress/tasks/{draft_task.id}/extension"):
            assert browser.get(url).status_code == 404, url

        before = table_fingerprint()
        report = browser.post_form(f"/progress/tasks/{draft_task.id}/report",
                                   data={"status": "in_progress", "progress_percent": "50", "result_text": "Thử."})
        extension = browser.post_form(f"/progress/tasks/{draft_task.id}/extension",
                                      data={"requested_due_date": "2024-09-30", "reason": "Thử gia hạn."})
        assert (report.status_code, extension.status_code) == (404, 404)
        assert table_fingerprint() == before

        token = issue_api_token(w.user(role))
        db.session.commit()
        api = make_client()
        headers = {"Authorization": f"Bearer {token}"}
        for url in ("/api/v1/tasks", "/api/v1/tasks?q=thảo", "/api/v1/directives", f"/api/v1/meetings/{w.meeting.id}",
                    "/api/v1/meetings"):
            _no_trace(api.get(url, headers=headers), f"API {url}", ids)
        assert api.get(f"/api/v1/tasks/{draft_task.id}", headers=headers).status_code == 404
        assert api.get(f"/api/v1/directives/{w.draft.id}", headers=headers).status_code == 404
        posted = api.post(f"/api/v1/tasks/{draft_task.id}/progress-reports", headers=headers,
                          json={"status": "in_progress", "progress_percent": 40, "result_text": "Thử."})
        assert posted.status_code == 404
        assert table_fingerprint() == before


def test_oversight_roles_see_the_draft_and_its_task(app, make_client):
    w, draft_task = _draft_world()
    for role in (Role.ADMIN, Role.COMMITTEE, Role.OFFICE, Role.OFFICE_CHIEF):
        browser = make_client()
        browser.login(w.user(role))
        assert browser.get(f"/tasks/{draft_task.id}").status_code == 200
        assert SECRET in browser.get("/oversight/search?q=dự+thảo&kind=directive").get_data(as_text=True)
        assert SECRET in browser.get("/directives/?q=199-TB/HU").get_data(as_text=True)


def test_issuing_the_draft_shows_it_to_the_agency(app, make_client):
    w, draft_task = _draft_world()
    w.draft.status = DirectiveStatus.ISSUED
    db.session.commit()
    browser = make_client()
    browser.login(w.user(Role.AGENCY_OFFICER))
    assert browser.get(f"/tasks/{draft_task.id}").status_code == 200
    assert "Nhiệm vụ dự thảo" in browser.get("/progress/inbox").get_data(as_text=True)


def test_reminders_scorecards_and_overdue_review_ignore_drafts(app, smtp, factories):
    w, draft_task = _draft_world()
    no_digests()
    result = tick(today_local())
    assert result.claimed == 0
    assert [m.subject for m in smtp.messages] == []
    period = Period.quarter(2024, 3)
    cards = agency_scorecards.scorecards(period, today_local(), organisation_ids=[w.own.id])
    assert [c.total for c in cards] == [0]
    assert [u for u in overdue_review.build_overdue_snapshot(today_local()).units if u.task_id == draft_task.id] == []
    # Issued, the same task is late work like any other: reminded and counted.
    w.draft.status = DirectiveStatus.ISSUED
    db.session.commit()
    assert tick(today_local(), 9).claimed > 0
    assert [c.total for c in agency_scorecards.scorecards(period, today_local(), organisation_ids=[w.own.id])] == [1]


def test_the_office_cannot_remind_or_question_an_agency_about_a_draft_task(app, make_client, smtp):
    w, draft_task = _draft_world()
    chief = make_client()
    chief.login(w.user(Role.OFFICE_CHIEF))
    before = table_fingerprint()
    remind = chief.post_form(f"/oversight/tasks/{draft_task.id}/remind", {"message": "Khẩn trương."})
    explain = chief.post_form(f"/oversight/tasks/{draft_task.id}/explanation", {"message": "Vì sao chậm?"})
    assert remind.status_code in (302, 422) and explain.status_code in (302, 422)
    assert table_fingerprint() == before
    assert smtp.messages == []


def test_a_task_carried_over_into_a_draft_conclusion_stays_with_its_agency(app, make_client):
    """Carry-over moves an unfinished task into the next session's draft conclusion: the agency
    already has it, so it stays in its inbox while the new conclusion is drafted."""
    from app.core.clock import now_utc
    from app.models import TaskCarryOver

    w, draft_task = _draft_world()
    task = w.task("own")
    db.session.add(TaskCarryOver(task_id=task.id, from_directive_id=task.directive_id, to_directive_id=w.draft.id,
                                 previous_due_date=task.due_date, new_due_date=date(2024, 9, 30),
                                 carried_at=now_utc()))
    task.directive_id = w.draft.id
    db.session.commit()
    browser = make_client()
    browser.login(w.user(Role.AGENCY_OFFICER))
    assert browser.get(f"/tasks/{task.id}").status_code == 200
    assert browser.get(f"/tasks/{draft_task.id}").status_code == 404
    inbox = browser.get("/progress/inbox").get_data(as_text=True)
    assert task.title in inbox and SECRET not in inbox
