"""Sessions and tokens (issue 16, item 5): server-side idle and absolute lifetimes, a password change
ends the other sessions and replaces the API token, a new token is shown once and never put in the
cookie."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from app.auth.services import after_password_change, issue_api_token, user_for_api_token
from app.core.clock import now_utc
from app.core.enums import Role
from app.extensions import db
from app.models import UserSession
from tests.conftest import PASSWORD

NEW_PASSWORD = "mat-khau-moi-2024"


def _cookie_session(app, client) -> dict:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}


def test_an_idle_session_ends_on_the_server(app, client, factories):
    user = factories.user(Role.OFFICE)
    start = now_utc()
    with time_machine.travel(start, tick=False):
        client.login(user)
    idle = timedelta(seconds=app.config["SESSION_IDLE_SECONDS"])
    with time_machine.travel(start + idle - timedelta(minutes=1), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + 2 * idle + timedelta(minutes=10), tick=False):
        assert client.get("/").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(UserSession.revoked_at)) is not None


def test_an_active_session_still_ends_at_the_absolute_lifetime(app, client, factories):
    user = factories.user(Role.OFFICE)
    start = now_utc()
    with time_machine.travel(start, tick=False):
        client.login(user)
    absolute = timedelta(seconds=app.config["SESSION_ABSOLUTE_SECONDS"])
    step, moment = timedelta(minutes=50), start
    while moment + step < start + absolute:
        moment += step
        with time_machine.travel(moment, tick=False):
            assert client.get("/").status_code == 200, moment - start
    with time_machine.travel(start + absolute + timedelta(minutes=1), tick=False):
        assert client.get("/").status_code == 302


def test_a_password_change_ends_other_sessions_and_replaces_the_api_token(client, make_client, factories):
    user = factories.user(Role.OFFICE)
    old_token = issue_api_token(user)
    db.session.commit()
    other = make_client()
    other.login(user)
    client.login(user)
    response = client.post_form("/profile", {"pw-current_password": PASSWORD, "pw-new_password": NEW_PASSWORD,
                                             "pw-confirm": NEW_PASSWORD, "pw-submit": "1"})
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    new_token = re.search(r'data-testid="api-token">([^<]+)<', page).group(1)
    assert client.get("/").status_code == 200          # this browser stays in
    assert other.get("/").status_code == 302           # the other one is out
    assert user_for_api_token(old_token) is None
    assert user_for_api_token(new_token).id == user.id
    assert new_token not in client.get("/profile").get_data(as_text=True)  # shown once


def test_after_password_change_keeps_only_the_named_session(factories, make_client):
    user = factories.user(Role.AGENCY_OFFICER)
    for _ in range(3):
        make_client().login(user)
    assert after_password_change(user) is None  # no API token: none made
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                             .where(UserSession.revoked_at.is_(None))) == 0


def test_a_new_api_token_is_shown_once_and_never_in_the_cookie(app, client, factories):
    user = factories.user(Role.OFFICE)
    client.login(user)
    response = client.post_form("/profile/api-token", {"action": "issue"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = re.search(r'data-testid="api-token">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert user_for_api_token(token).id == user.id
    assert token not in str(_cookie_session(app, client))
    assert token not in client.get("/profile").get_data(as_text=True)
