"""Cookies and sessions: production cookie flags, no session fixation, revocation takes effect at once.

The production configuration is the one `APP_ENV=production` selects: it must mark the session
cookie Secure, HttpOnly and SameSite=Lax. The login cookie carries a random session token whose
hash is stored server-side (``user_session``); a login always starts a new one, so a cookie planted
before login (session fixation) never becomes an authenticated session.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import create_app
from app.core.enums import Role
from app.core.security import token_hash
from app.extensions import db
from app.models import UserSession
from config import CONFIGS, ProductionConfig
from tests.conftest import WebClient


def _session_cookie_headers(response, name: str = "session") -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def _attributes(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";")]
    attributes = {}
    for part in parts[1:]:
        key, _sep, value = part.partition("=")
        attributes[key.lower()] = value
    return attributes


def _cookie_value(client, name: str = "session") -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


@pytest.fixture
def production_app(monkeypatch, database_url, tmp_path):
    """The production configuration on the test database (it refuses to start without its secrets)."""
    monkeypatch.setenv("SECRET_KEY", "production-secret-for-the-cookie-test-0123456789")
    monkeypatch.setenv("DATABASE_URL", database_url)
    application = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database_url, UPLOAD_DIR=str(tmp_path),
                             ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=1024, ARGON2_PARALLELISM=1)
    application.test_client_class = WebClient
    yield application
    with application.app_context():
        db.engine.dispose()


def test_production_config_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_cookie_flags_are_strict():
    assert CONFIGS["production"] is ProductionConfig
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.REMEMBER_COOKIE_HTTPONLY is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"


def test_production_login_sets_a_secure_httponly_samesite_cookie(production_app, factories):
    user = factories.user(Role.AGENCY_OFFICER)
    with production_app.app_context():
        client = production_app.test_client()
        response = client.login(user)
    assert response.status_code == 302
    headers = _session_cookie_headers(response)
    assert headers, "login set no session cookie"
    for header in headers:
        attributes = _attributes(header)
        assert "secure" in attributes, header
        assert "httponly" in attributes, header
        assert attributes.get("samesite", "").lower() == "lax", header
    # Pages carry the strict headers in production too.
    with production_app.app_context():
        page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"


def test_session_id_changes_on_login_and_a_planted_cookie_stays_anonymous(client, make_client, factories):
    """Session fixation: the attacker's pre-login cookie is not the victim's logged-in session."""
    victim = factories.user(Role.OFFICE)
    attacker = make_client()
    attacker.get("/login")
    planted = _cookie_value(attacker)
    assert planted, "the login page sets a (CSRF) session cookie"

    # The victim's browser carries the planted cookie when logging in.
    client.set_cookie("session", planted)
    assert client.login(victim).status_code == 302
    after = _cookie_value(client)
    assert after and after != planted

    # The attacker's copy of the old cookie is still anonymous.
    attacker.set_cookie("session", planted)
    response = attacker.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_every_login_starts_a_new_server_side_session(make_client, factories):
    user = factories.user(Role.AGENCY_HEAD)
    first, second = make_client(), make_client()
    first.login(user)
    second.login(user)
    sessions = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(sessions) == 2
    assert len({s.token_hash for s in sessions}) == 2
    assert _cookie_value(first) != _cookie_value(second)
    # Both browsers work independently.
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 200


def test_logout_revokes_the_session_so_a_copied_cookie_stops_working(make_client, factories):
    user = factories.user(Role.AGENCY_OFFICER)
    browser = make_client()
    browser.login(user)
    stolen = _cookie_value(browser)
    thief = make_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 200

    browser.post_form("/logout")
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.location
    revoked = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)).one()
    assert revoked.revoked_at is not None


def test_revoking_another_session_from_the_profile_logs_that_browser_out(make_client, factories):
    user = factories.user(Role.OFFICE_CHIEF)
    laptop, phone = make_client(), make_client()
    laptop.login(user)
    phone.login(user)
    phone_session = db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id.desc())).first()
    response = laptop.post_form(f"/profile/sessions/{phone_session.id}/revoke")
    assert response.status_code == 302
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200


def test_deactivating_an_account_ends_its_sessions(make_client, factories):
    from app.auth.services import set_active

    admin = factories.user(Role.ADMIN)
    user = factories.user(Role.AGENCY_OFFICER)
    browser = make_client()
    browser.login(user)
    assert browser.get("/").status_code == 200
    set_active(admin, user, False)
    db.session.commit()
    assert browser.get("/").status_code == 302


def test_the_cookie_holds_a_token_not_the_user_id(make_client, factories):
    """What the cookie names is a random session token whose hash the server keeps, never a user id."""
    user = factories.user(Role.OFFICE)
    browser = make_client()
    browser.login(user)
    with browser.session_transaction() as session:
        token = session["_user_id"]
    assert token != str(user.id) and len(token) >= 32
    stored = db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == token_hash(token)))
    assert stored is not None and stored.user_id == user.id
    # A forged cookie naming a user id is not a session.
    forger = make_client()
    with forger.session_transaction() as session:
        session["_user_id"] = str(user.id)
    assert forger.get("/").status_code == 302
