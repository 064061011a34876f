"""Login throttling (issue 16, item 4): atomic counters, no write lock while hashing, the same work
and answer for unknown and real accounts, per-address limits, and lockouts in the audit log."""

from __future__ import annotations

import sqlite3
import threading
import time

import sqlalchemy as sa

from app.auth import services as auth_services
from app.auth.services import LoginRefused, authenticate
from app.auth.throttle import account_key
from app.core.enums import Role
from app.core.security import hash_password
from app.extensions import db
from app.models import AuditEvent, LoginThrottle
from tests.conftest import PASSWORD

WRONG = "wrong-password-123"
GENERIC = "Email hoặc mật khẩu không đúng."
LOCKED = "tạm khóa"


def _post_login(client, email: str, password: str, address: str = "127.0.0.1"):
    token = client.csrf_token("/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def _lockouts() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.summary).where(AuditEvent.action == "lockout")))


def test_a_failure_is_counted_for_the_account_from_that_address(client, factories):
    user = factories.user(Role.OFFICE)
    assert GENERIC in _post_login(client, user.email, WRONG).get_data(as_text=True)
    assert db.session.get(LoginThrottle, account_key(user.email, "127.0.0.1")).failures == 1


def test_a_lockout_from_one_address_does_not_lock_the_owner_out_elsewhere(client, make_client, factories, app):
    user = factories.user(Role.OFFICE)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _post_login(client, user.email, WRONG, "203.0.113.9")
    assert LOCKED in _post_login(client, user.email, PASSWORD, "203.0.113.9").get_data(as_text=True)
    owner = make_client()
    assert _post_login(owner, user.email, PASSWORD, "10.0.0.5").status_code == 302
    assert _lockouts() == [f"Tạm khóa đăng nhập tài khoản {user.email} từ địa chỉ 203.0.113.9"]


def test_unknown_and_real_accounts_get_the_same_answers(client, factories, app):
    user = factories.user(Role.OFFICE)
    for email in (user.email, "khong-ton-tai@phunghiep.example"):
        answers = [_post_login(client, email, WRONG).get_data(as_text=True)
                   for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1)]
        assert all(GENERIC in a for a in answers[:-1]), email
        assert LOCKED in answers[-1], email


def test_one_address_guessing_through_many_accounts_is_locked(client, factories, app):
    user = factories.user(Role.OFFICE)
    chief = factories.user(Role.OFFICE_CHIEF)
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    try:
        for n in range(6):
            _post_login(client, f"nguoi{n}@phunghiep.example", WRONG, "198.51.100.7")
        refused = _post_login(client, user.email, PASSWORD, "198.51.100.7").get_data(as_text=True)
        assert "Quá nhiều lần đăng nhập sai từ máy này" in refused
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 30
    assert _lockouts() == ["Tạm khóa đăng nhập từ địa chỉ 198.51.100.7 (quá nhiều lần sai)"]
    # The office chief reads it in the audit log.
    client.login(chief)
    assert "198.51.100.7" in client.get("/admin/audit").get_data(as_text=True)


def test_concurrent_wrong_passwords_lock_at_the_limit(app, factories, monkeypatch):
    """40 guesses at once: only the limit's number of passwords is checked, and the account locks."""
    email = factories.user(Role.OFFICE).email
    db.session.commit()
    checked = []
    real_verify = auth_services.verify_password

    def counting_verify(stored, password):
        checked.append(stored)
        return real_verify(stored, password)

    monkeypatch.setattr(auth_services, "verify_password", counting_verify)
    outcomes: list[str] = []
    start = threading.Barrier(40)

    def guess():
        with app.app_context():
            start.wait()
            try:
                authenticate(email, WRONG, client_address="192.0.2.1")
                outcomes.append("in")
            except LoginRefused as refused:
                outcomes.append(refused.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert len(outcomes) == 40 and "in" not in outcomes
    assert len(checked) == limit
    assert sum(LOCKED in o for o in outcomes) == 40 - limit
    assert len(_lockouts()) == 1
    db.session.expire_all()
    assert db.session.get(LoginThrottle, account_key(email, "192.0.2.1")).locked_until is not None


def test_no_write_transaction_is_held_while_the_password_is_hashed(app, factories, monkeypatch):
    user = factories.user(Role.OFFICE)
    db.session.commit()
    seen = []
    real_verify = auth_services.verify_password

    def probing_verify(stored, password):
        seen.append(db.session().in_transaction())
        # Another writer can take the write lock at once (SQLite: BEGIN IMMEDIATE, no waiting).
        if db.engine.dialect.name == "sqlite":
            other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            finally:
                other.close()
        else:
            with db.engine.connect() as other:
                other.execute(sa.text("SELECT 1 FROM login_throttle FOR UPDATE NOWAIT"))
                other.rollback()
        return real_verify(stored, password)

    monkeypatch.setattr(auth_services, "verify_password", probing_verify)
    from app.core.database import write_intent

    with write_intent():  # as in a POST request
        for password in (WRONG, PASSWORD):
            try:
                authenticate(user.email, password, client_address="192.0.2.2")
            except LoginRefused:
                pass
            db.session.commit()
    assert seen == [False, False]


def test_unknown_accounts_take_as_long_as_real_ones(client, factories, app):
    """With a real argon2 cost (about 0.1–0.2 s a check), an unknown e-mail costs within 50 ms of a
    real one.  The test client serves the request in this thread and argon2 runs single-threaded
    here (parallelism 1), so this thread's CPU time is the work the login did, whatever else the
    shared machine is running; the fastest of five tries each is compared."""
    user = factories.user(Role.OFFICE)
    saved = {k: app.config[k] for k in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")}
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=32768, ARGON2_PARALLELISM=1)
    try:
        user.password_hash = hash_password(PASSWORD)  # stored at this cost, as production stores it
        db.session.commit()
        # Not counted: the warm-up creates the process's dummy hash at this cost.
        _post_login(client, "warm-up@phunghiep.example", WRONG, "192.0.2.50")
        timings: dict[str, list[float]] = {"real": [], "unknown": []}
        for n in range(5):
            for kind, email in (("real", user.email), ("unknown", "ai-do@phunghiep.example")):
                began = time.thread_time()
                answer = _post_login(client, email, WRONG, f"192.0.2.{60 + n}").get_data(as_text=True)
                timings[kind].append(time.thread_time() - began)
                assert GENERIC in answer
    finally:
        app.config.update(saved)
    real, unknown = min(timings["real"]), min(timings["unknown"])
    assert real > 0.02, "the check must cost something for the comparison to mean anything"
    assert abs(real - unknown) < 0.050, (real, unknown)
