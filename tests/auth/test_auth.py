from datetime import timedelta

import sqlalchemy as sa

from app.auth.throttle import account_key
from app.core.enums import Role
from app.extensions import db
from app.models import AuditEvent, LoginThrottle, UserSession
from tests.conftest import PASSWORD


def test_every_page_but_login_requires_an_account(client):
    assert client.get("/").status_code == 302
    assert "/login" in client.get("/tasks/").headers["Location"]
    assert client.get("/login").status_code == 200


def test_login_and_logout(client, factories):
    user = factories.user(Role.OFFICE)
    response = client.login(user)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.post_form("/logout").status_code == 302
    assert client.get("/").status_code == 302
    assert db.session.scalar(sa.select(UserSession.revoked_at)) is not None


def test_wrong_password_is_refused_and_counted(client, factories):
    user = factories.user(Role.OFFICE)
    response = client.login(user, "wrong-password-123")
    assert response.status_code == 200
    assert "Email hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LoginThrottle, account_key(user.email, "127.0.0.1")).failures == 1


def test_account_locks_after_repeated_failures(client, factories, app):
    user = factories.user(Role.OFFICE)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.login(user, "wrong-password-123")
    response = client.login(user)  # even the right password is refused while locked
    assert "tạm khóa" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "lockout")) == 1


def test_deactivated_users_old_session_cookie_is_refused(client, make_client, factories):
    admin = factories.user(Role.ADMIN)
    victim = factories.user(Role.AGENCY_OFFICER)
    client.login(victim)
    assert client.get("/").status_code == 200

    admin_client = make_client()
    admin_client.login(admin)
    response = admin_client.post_form(f"/admin/users/{victim.id}", {
        "email": victim.email, "name": victim.name, "role": victim.role.value,
        "organisation_id": victim.organisation_id, "title": "",
    })  # is_active unchecked
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # the victim's cookie no longer works
    assert client.login(victim).status_code == 200  # and logging in again is refused
    assert "vô hiệu hóa" in client.login(victim).get_data(as_text=True)


def test_logout_revokes_the_cookie_even_if_replayed(client, make_client, factories):
    user = factories.user(Role.OFFICE)
    client.login(user)
    stolen = client.get_cookie("session")
    client.post_form("/logout")
    replay = make_client()
    replay.set_cookie(stolen.key, stolen.value)
    assert replay.get("/").status_code == 302


def test_csrf_is_enforced_on_forms(client, factories):
    user = factories.user(Role.OFFICE)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_open_redirect_after_login_is_ignored(client, factories):
    user = factories.user(Role.OFFICE)
    token = client.csrf_token("/login")
    response = client.post("/login?next=//evil.example/x", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_last_seen_is_throttled(client, factories):
    import time_machine

    user = factories.user(Role.OFFICE)
    client.login(user)
    first = db.session.scalar(sa.select(UserSession.last_seen_at))
    client.get("/")
    db.session.expire_all()
    assert db.session.scalar(sa.select(UserSession.last_seen_at)) == first
    with time_machine.travel(first + timedelta(minutes=6), tick=False):
        client.get("/")
    db.session.expire_all()
    assert db.session.scalar(sa.select(UserSession.last_seen_at)) > first


def test_the_menu_is_the_roles_own_in_the_users_language(make_client, factories):
    """The menu is rendered once per role and language (app.core.templating.nav_menu): each role
    still gets its own links, and each language its own words."""
    agency_org = factories.org("BTG", name="Ban Tuyên giáo Huyện ủy")
    officer, chief = factories.user(Role.AGENCY_OFFICER, agency_org), factories.user(Role.OFFICE_CHIEF)
    pages = {}
    for user in (officer, chief, officer):
        client = make_client()
        client.login(user)
        pages[user.role] = client.get("/tasks/").get_data(as_text=True)
    assert 'href="/progress/inbox"' in pages[Role.AGENCY_OFFICER]
    assert 'href="/oversight/overdue"' not in pages[Role.AGENCY_OFFICER]
    assert 'href="/oversight/overdue"' in pages[Role.OFFICE_CHIEF]
    assert 'href="/progress/inbox"' not in pages[Role.OFFICE_CHIEF]
    english = make_client()
    english.login(chief)
    english.post_form("/lang/en")
    page = english.get("/tasks/").get_data(as_text=True)
    assert ">Overdue<" in page and ">Quá hạn<" not in page
    assert ">Quá hạn<" in pages[Role.OFFICE_CHIEF]


def test_a_form_part_without_a_field_name_is_refused_cleanly(client, factories):
    """A multipart body whose part has no name (a broken header, found by fuzzing) gets a 400, not a
    server error from the CSRF check that walks the field names."""
    client.login(factories.user(Role.ADMIN))
    unnamed = b"--b\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n"
    for token in (b"", client.csrf_token("/").encode()):  # the CSRF check, and the view behind it
        body = (unnamed + b"--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token
                + b"\r\n--b--\r\n")
        response = client.post("/logout", data=body, content_type="multipart/form-data; boundary=b")
        assert response.status_code == 400
        assert "Yêu cầu không hợp lệ." in response.get_data(as_text=True)
        assert client.get("/").status_code == 200  # still logged in: nothing happened
