"""Pages: the admin's policy form and working-day overrides, the reminder log, the office chief's
list of reminders that need a person; each role's allowed and refused actions."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.core.clock import now_utc
from app.core.enums import ReminderKind, ReminderState, Role
from app.extensions import db
from app.models import AuditEvent, ReminderLog, Setting, WorkdayOverride
from app.reminders.policy import DEFAULT_POLICY, SETTING_KEY, load_policy

POLICY_FORM = {k: (", ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v))
               for k, v in DEFAULT_POLICY.to_dict().items()}
POLICY_FORM = {k: ("y" if v is True else v) for k, v in POLICY_FORM.items() if v is not False}


def as_role(factories, client, role):
    user = factories.user(role)
    client.login(user)
    return user


def add_log(state, *, attempts=1, next_attempt_at=None, email="canbo@phunghiep.example", subject="[Nhắc việc] Việc A"):
    row = ReminderLog(dedupe_key=f"due_today:0:{email}:{state}:{attempts}", kind=ReminderKind.DUE_TODAY, recipient_email=email,
                      due_date=date(2024, 6, 19), subject=subject, state=state, attempts=attempts,
                      next_attempt_at=next_attempt_at, claimed_at=now_utc() - timedelta(hours=2))
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("role", [Role.OFFICE_CHIEF, Role.OFFICE, Role.COMMITTEE, Role.AGENCY_HEAD, Role.AGENCY_OFFICER])
def test_only_the_admin_edits_the_policy_and_the_calendar(factories, client, role):
    as_role(factories, client, role)
    assert client.get("/reminders/").status_code == 403
    assert client.get("/reminders/workdays").status_code == 403
    assert client.post_form("/reminders/", {**POLICY_FORM, "overdue_every_working_days": "5"}).status_code == 403
    assert client.post_form("/reminders/workdays", {"day": "20/06/2024", "is_working_day": "0"}).status_code == 403
    assert db.session.get(Setting, SETTING_KEY) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkdayOverride)) == 0


def test_anonymous_users_are_sent_to_the_login_page(client):
    for url in ("/reminders/", "/reminders/workdays", "/reminders/log", "/reminders/attention"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_sees_the_policy_form_with_the_defaults_and_the_menu_link(factories, client):
    as_role(factories, client, Role.ADMIN)
    page = client.get("/reminders/").get_data(as_text=True)
    assert 'value="7, 3, 1"' in page and "Chính sách nhắc việc" in page
    assert 'href="/reminders/"' in client.get("/").get_data(as_text=True)
    assert "flask scheduler run" in page  # no scheduler has reported yet


def test_admin_changes_the_policy(factories, client):
    admin = as_role(factories, client, Role.ADMIN)
    response = client.post_form("/reminders/", {**POLICY_FORM, "before_due_working_days": "5, 2", "overdue_every_working_days": "2",
                                                "chief_digest_weekday": "4"})
    assert response.status_code == 302
    policy = load_policy()
    assert policy.before_due_working_days == (5, 2) and policy.overdue_every_working_days == 2 and policy.chief_digest_weekday == 4
    assert db.session.scalar(sa.select(AuditEvent.actor_id).where(AuditEvent.entity_type == "Setting")) == admin.id


def test_a_bad_policy_is_refused_with_a_vietnamese_message_and_nothing_changes(factories, client):
    as_role(factories, client, Role.ADMIN)
    response = client.post_form("/reminders/", {**POLICY_FORM, "escalate_to_head_after": "10", "escalate_to_chief_after": "7"})
    assert response.status_code == 200
    assert "phải tăng dần" in response.get_data(as_text=True)
    response = client.post_form("/reminders/", {**POLICY_FORM, "overdue_every_working_days": "ba"})
    assert "phải là số nguyên" in response.get_data(as_text=True)
    assert db.session.get(Setting, SETTING_KEY) is None


def test_admin_adds_edits_and_deletes_a_working_day_override(factories, client):
    as_role(factories, client, Role.ADMIN)
    response = client.post_form("/reminders/workdays", {"day": "22/06/2024", "is_working_day": "1", "note": "Làm bù"})
    assert response.status_code == 302
    row = db.session.scalar(sa.select(WorkdayOverride))
    assert (row.day, row.is_working_day, row.note) == (date(2024, 6, 22), True, "Làm bù")
    page = client.get("/reminders/workdays?year=2024").get_data(as_text=True)
    assert "22/06/2024" in page and "Ngày Chiến thắng" in page and "Làm bù (thứ Bảy làm việc)" in page
    assert client.post_form(f"/reminders/workdays/{row.id}", {"day": "2024-06-21", "is_working_day": "0", "note": "Nghỉ"}).status_code == 302
    db.session.expire_all()
    assert (row.day, row.is_working_day) == (date(2024, 6, 21), False)
    assert client.post_form(f"/reminders/workdays/{row.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkdayOverride)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "WorkdayOverride")) == 3


def test_bad_override_input_is_refused_and_nothing_changes(factories, client):
    as_role(factories, client, Role.ADMIN)
    client.post_form("/reminders/workdays", {"day": "22/06/2024", "is_working_day": "1"})
    for data, message in (({"day": "31/02/2024", "is_working_day": "0"}, "Ngày không hợp lệ"),
                          ({"day": "22/06/2024", "is_working_day": "0"}, "đã có điều chỉnh"),
                          ({"day": "", "is_working_day": "0"}, "Ngày không hợp lệ")):
        response = client.post_form("/reminders/workdays", data)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert [(r.day, r.is_working_day) for r in db.session.scalars(sa.select(WorkdayOverride))] == [(date(2024, 6, 22), True)]
    assert client.post_form("/reminders/workdays/99999/delete").status_code == 404
    assert client.get("/reminders/workdays/99999").status_code == 404
    assert client.post("/reminders/workdays/1/delete").status_code == 400  # no CSRF token


@pytest.mark.parametrize("role, allowed", [(Role.ADMIN, True), (Role.OFFICE, True), (Role.OFFICE_CHIEF, True),
                                           (Role.COMMITTEE, False), (Role.AGENCY_HEAD, False), (Role.AGENCY_OFFICER, False)])
def test_the_reminder_log_is_for_the_office(factories, client, role, allowed):
    add_log(ReminderState.SENT, subject="[Nhắc việc] Việc đã gửi")
    as_role(factories, client, role)
    response = client.get("/reminders/log")
    assert response.status_code == (200 if allowed else 403)
    if allowed:
        assert "[Nhắc việc] Việc đã gửi" in response.get_data(as_text=True)


def test_log_filters_and_odd_query_strings_never_fail(factories, client):
    add_log(ReminderState.SENT, subject="[Nhắc việc] Việc đã gửi", email="a@phunghiep.example")
    add_log(ReminderState.FAILED, subject="[Nhắc việc] Việc lỗi", email="b@phunghiep.example", next_attempt_at=now_utc())
    as_role(factories, client, Role.OFFICE)
    page = client.get("/reminders/log?state=failed").get_data(as_text=True)
    assert "Việc lỗi" in page and "Việc đã gửi" not in page
    assert "Việc đã gửi" in client.get("/reminders/log?q=A@PHUNGHIEP").get_data(as_text=True)
    for url in ("/reminders/log?state=bogus&kind=%00&after=abc", "/reminders/log?after=-1", "/reminders/workdays?year=99999"):
        assert client.get(url).status_code in (200, 403)


def test_the_chief_resends_an_interrupted_reminder_and_dismisses_a_given_up_one(factories, client):
    stuck = add_log(ReminderState.CLAIMED, next_attempt_at=now_utc() - timedelta(hours=1), subject="[Nhắc việc] Bị gián đoạn")
    given_up = add_log(ReminderState.FAILED, attempts=6, subject="[Nhắc việc] Hết lượt gửi lại", email="x@phunghiep.example")
    in_flight = add_log(ReminderState.CLAIMED, next_attempt_at=now_utc(), subject="[Nhắc việc] Đang gửi", email="y@phunghiep.example")
    chief = as_role(factories, client, Role.OFFICE_CHIEF)
    page = client.get("/reminders/attention").get_data(as_text=True)
    assert "Bị gián đoạn" in page and "Hết lượt gửi lại" in page and "Đang gửi" not in page
    assert client.post_form(f"/reminders/attention/{stuck.id}/resend").status_code == 302
    assert client.post_form(f"/reminders/attention/{given_up.id}/dismiss").status_code == 302
    db.session.expire_all()
    assert stuck.state is ReminderState.FAILED and stuck.next_attempt_at is not None
    assert given_up.state is ReminderState.SKIPPED
    actions = set(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == chief.id)))
    assert {"reminder_resend", "reminder_dismiss"} <= actions
    # Not (or no longer) in need of a person: refused, nothing changes.
    response = client.post_form(f"/reminders/attention/{in_flight.id}/resend", follow_redirects=True)
    assert "không ở trạng thái cần xử lý" in response.get_data(as_text=True)
    db.session.expire_all()
    assert in_flight.state is ReminderState.CLAIMED
    assert client.post_form("/reminders/attention/99999/resend").status_code == 404
    assert client.post_form(f"/reminders/attention/{given_up.id}/explode").status_code == 404


@pytest.mark.parametrize("role", [Role.OFFICE, Role.COMMITTEE, Role.AGENCY_HEAD, Role.AGENCY_OFFICER])
def test_other_roles_cannot_resolve_reminders(factories, client, role):
    stuck = add_log(ReminderState.CLAIMED, next_attempt_at=now_utc() - timedelta(hours=1))
    as_role(factories, client, role)
    assert client.get("/reminders/attention").status_code == 403
    assert client.post_form(f"/reminders/attention/{stuck.id}/resend").status_code == 403
    db.session.expire_all()
    assert stuck.state is ReminderState.CLAIMED


def test_admin_sees_scheduler_processes_and_the_stale_banner(factories, client):
    from app.reminders.heartbeats import record_heartbeat

    as_role(factories, client, Role.ADMIN)
    assert 'data-testid="scheduler-banner"' in client.get("/").get_data(as_text=True)
    record_heartbeat("may-chu:4242", is_leader=True, started_at=now_utc(), now=now_utc(), tick_summary="đã gửi 3 thư")
    db.session.commit()
    page = client.get("/reminders/").get_data(as_text=True)
    assert "may-chu:4242" in page and "đã gửi 3 thư" in page
    assert 'data-testid="scheduler-banner"' not in page
