"""Authentication and account services (no Flask request objects; callers pass what they know)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.core import audit
from app.core.clock import now_utc
from app.core.database import write_intent
from app.core.enums import Role
from app.core.errors import ValidationFailed
from app.core.security import (
    dummy_password_hash,
    hash_password,
    new_token,
    password_problem,
    token_hash,
    verify_password,
)
from app.extensions import db
from app.models import Notification, Organisation, User, UserSession

#: How often a session's last-seen time is written (not on every request).
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


class LoginRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str, *, client_address: str | None = None) -> User:
    """Check the password under the login throttle (:mod:`app.auth.throttle`).

    Unknown addresses, accounts without a password and real accounts do the same work (an argon2
    check, against a dummy hash when there is no real one) and get the same answers.  No write
    transaction is open while the hash is checked: on SQLite that would hold the only write lock."""
    from app.auth import throttle

    generic = _("Email hoặc mật khẩu không đúng.")
    try:
        slots = throttle.claim(email, client_address)
    except throttle.Throttled as refused:
        if refused.scope == "address":
            raise LoginRefused(_("Quá nhiều lần đăng nhập sai từ máy này. Vui lòng thử lại sau.")) from None
        raise LoginRefused(_("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau.")) from None
    with write_intent(False):
        user = find_user_by_email(email)
        stored_hash = user.password_hash if user is not None and user.password_hash else None
        db.session.commit()  # end the read: nothing is held while argon2 runs
    matches = verify_password(stored_hash or dummy_password_hash(), password) and stored_hash is not None
    if not matches:
        throttle.record_failure(slots)
        raise LoginRefused(generic)
    throttle.record_success(slots)
    if not user.is_active:
        raise LoginRefused(_("Tài khoản đã bị vô hiệu hóa."))
    user.last_login_at = now_utc()
    return user


def start_session(user: User, *, user_agent: str | None = None, ip_address: str | None = None) -> str:
    """Create a revocable login session and return the token the cookie will carry."""
    token = new_token()
    now = now_utc()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            user_agent=(user_agent or "")[:255],
            ip_address=ip_address,
        )
    )
    return token


def load_session(token: str) -> User | None:
    """The user behind a cookie token, or None if the session was revoked or the user deactivated."""
    # With the bell's unread count, which every page shows: one statement for who is asking.
    row = db.session.execute(
        sa.select(UserSession, Notification.unread_count_of(UserSession.user_id))
        .where(UserSession.token_hash == token_hash(token), UserSession.revoked_at.is_(None))
    ).first()
    if row is None or not row[0].user.is_active:
        return None
    session, unread = row
    user = session.user
    user.unread_count = unread
    now = now_utc()
    if session_expired(session, now):
        _end_expired_session(session.id, now)
        return None
    if now - session.last_seen_at > LAST_SEEN_RESOLUTION:
        _touch_session(session.id, now)
    user.session_token = token
    return user


def session_expired(session: UserSession, now) -> bool:
    """Past the idle lifetime (no request since) or the absolute one (since login), enforced here
    whatever the cookie says.  Idle time is measured from ``last_seen_at``, written every
    :data:`LAST_SEEN_RESOLUTION` at most."""
    cfg = current_app.config
    idle = timedelta(seconds=cfg["SESSION_IDLE_SECONDS"]) + LAST_SEEN_RESOLUTION
    return (now - session.created_at > timedelta(seconds=cfg["SESSION_ABSOLUTE_SECONDS"])
            or now - session.last_seen_at > idle)


def _end_expired_session(session_id: int, now) -> None:
    db.session.commit()
    with write_intent():
        db.session.execute(sa.update(UserSession).where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
                           .values(revoked_at=now))
        db.session.commit()


def _touch_session(session_id: int, now) -> None:
    """Record activity in its own short write transaction (never upgrading a read lock on SQLite)."""
    from app.core.database import write_intent

    db.session.commit()
    with write_intent():
        db.session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
        db.session.commit()


def revoke_session(token: str) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == token_hash(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )


def revoke_all_sessions(user: User) -> int:
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )
    return result.rowcount or 0


def after_password_change(user: User, *, keep_session_token: str | None = None) -> str | None:
    """What a new password means for the account's other credentials (change or reset alike).

    Every login session but ``keep_session_token`` (the browser that changed it, if any) ends, and
    an API token in use is replaced; the new token is returned, to be shown once, else None."""
    stmt = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_session_token:
        stmt = stmt.where(UserSession.token_hash != token_hash(keep_session_token))
    db.session.execute(stmt.values(revoked_at=now_utc()))
    if user.api_token_hash is None:
        return None
    return issue_api_token(user)


def active_sessions(user: User) -> list[UserSession]:
    """The user's live sessions (not revoked, not past their lifetimes), most recent first."""
    now = now_utc()
    return [session for session in db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
            .order_by(UserSession.last_seen_at.desc())
    ) if not session_expired(session, now)]


def revoke_session_by_id(user: User, session_id: int) -> bool:
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == session_id, UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )
    return bool(result.rowcount)


def get_organisation_by_code(code: str) -> Organisation:
    org = db.session.scalar(sa.select(Organisation).where(Organisation.code == code.strip()))
    if org is None:
        raise ValidationFailed(_("Không có tổ chức mã %(code)s.", code=code), field="organisation")
    return org


def create_user(
    actor,
    *,
    email: str,
    name: str,
    role: Role | str,
    organisation: Organisation,
    password: str | None = None,
    title: str | None = None,
    locale: str = "vi",
) -> User:
    email = email.strip().lower()
    if find_user_by_email(email) is not None:
        raise ValidationFailed(_("Email %(email)s đã được sử dụng.", email=email), field="email")
    try:
        role = Role.coerce(role)
    except ValueError:
        raise ValidationFailed(_("Vai trò không hợp lệ: %(role)s.", role=role), field="role") from None
    if password is not None:
        set_password_checked(None, password)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        organisation=organisation,
        title=title,
        locale=locale,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(user)
    audit.record(actor, "create", user, summary=f"{email} ({role.value}, {organisation.code})",
                 after={"email": email, "role": role.value, "organisation": organisation.code})
    return user


def set_password_checked(user: User | None, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ValidationFailed(problem, field="password")
    if user is not None:
        user.password_hash = hash_password(password)


def set_active(actor, user: User, active: bool) -> None:
    """Deactivating also revokes every session, so old cookies stop working at once."""
    before = user.is_active_account
    user.is_active_account = active
    if not active:
        revoke_all_sessions(user)
    audit.record(actor, "update", user, summary=user.email, before={"is_active": before}, after={"is_active": active})


def issue_api_token(user: User) -> str:
    """A new bearer token (replacing any previous one); only its hash is stored."""
    token = new_token()
    user.api_token_hash = token_hash(token)
    user.api_token_created_at = now_utc()
    return token


def revoke_api_token(user: User) -> None:
    user.api_token_hash = None
    user.api_token_created_at = None


def user_for_api_token(token: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.api_token_hash == token_hash(token)))
    return user if user is not None and user.is_active else None

