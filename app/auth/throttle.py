"""Login throttling: per (account, client address) and per client address, atomic on every database.

An attempt first *claims* a slot in a short write transaction (an ``UPDATE … SET failures =
failures + 1 … RETURNING``: PostgreSQL row-locks it, SQLite's single writer serialises it), and only
a claim within the limit may check the password.  Forty concurrent wrong passwords therefore check
at most the limit's number of passwords and lock the account; none of this holds a write
transaction while argon2 runs.

The account counter is keyed by the e-mail *and* the client address, so nobody can lock a colleague
out from another machine; the per-address counter (a higher limit, across accounts) stops one
client from guessing through many accounts.  Unknown e-mail addresses are counted exactly like real
ones, so the answers never tell them apart.  Each lockout is written to the audit log, where the
office chief and the admins see it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.core import audit
from app.core.clock import now_utc
from app.core.database import write_intent
from app.extensions import db
from app.models import LoginThrottle


@dataclass(frozen=True)
class Slot:
    """One counter an attempt claimed: its key, its limit and the count after the claim."""

    key: str
    limit: int
    count: int
    label: str


class Throttled(Exception):
    """The account (from this address) or the address itself is locked for now."""

    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope


def account_key(email: str, address: str | None) -> str:
    return "acct:" + hashlib.sha256(f"{email.strip().lower()}|{address or '-'}".encode()).hexdigest()


def address_key(address: str | None) -> str:
    return "addr:" + hashlib.sha256((address or "-").encode()).hexdigest()


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"])


def _ensure_row(key: str, now: datetime) -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(LoginThrottle).values(key=key, failures=0, updated_at=now)
                       .on_conflict_do_nothing(index_elements=["key"]))


def count_attempt(key: str, now: datetime, window: timedelta, *, unless_locked: bool = False) -> int | None:
    """Count one attempt on ``key`` and return the count (atomic).  A count older than ``window``
    starts again from one.  With ``unless_locked``, a locked key counts nothing and gives None."""
    _ensure_row(key, now)
    t = LoginThrottle
    where = [t.key == key]
    values = {"failures": sa.case((t.updated_at < now - window, 1), else_=t.failures + 1), "updated_at": now}
    if unless_locked:
        where.append(sa.or_(t.locked_until.is_(None), t.locked_until <= now))
        values["locked_until"] = None
    return db.session.execute(sa.update(t).where(*where).values(**values).returning(t.failures)).scalar()


def _lock(slot: Slot, now: datetime) -> None:
    """Lock ``slot`` for the window; the one attempt that locks it writes the audit event."""
    t = LoginThrottle
    locked = db.session.execute(
        sa.update(t).where(t.key == slot.key, sa.or_(t.locked_until.is_(None), t.locked_until <= now))
        .values(locked_until=now + _window(), failures=0, updated_at=now)
    ).rowcount
    if locked:
        audit.record(None, "lockout", "login", summary=slot.label)


def claim(email: str, address: str | None) -> list[Slot]:
    """Claim an attempt for the account from this address and for the address (own transaction).

    Raises :class:`Throttled` (after committing the lock) when either is locked or over its limit."""
    cfg = current_app.config
    now = now_utc()
    wanted = [
        (account_key(email, address), cfg["LOGIN_MAX_FAILURES"], "account",
         f"Tạm khóa đăng nhập tài khoản {email.strip().lower()[:254]} từ địa chỉ {address or '-'}"),
        (address_key(address), cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"], "address",
         f"Tạm khóa đăng nhập từ địa chỉ {address or '-'} (quá nhiều lần sai)"),
    ]
    db.session.commit()
    slots: list[Slot] = []
    refused: str | None = None
    with write_intent():
        for key, limit, scope, label in wanted:
            count = count_attempt(key, now, _window(), unless_locked=True)
            slot = Slot(key, limit, count or 0, label)
            if count is None or count > limit:
                if count is not None:
                    _lock(slot, now)
                # A refused attempt checks no password: it is not counted further.
                refused = scope
                break
            slots.append(slot)
        db.session.commit()
    if refused:
        raise Throttled(refused)
    return slots


def record_failure(slots: list[Slot]) -> None:
    """A wrong password: the claims stand; a counter that reached its limit locks now."""
    full = [slot for slot in slots if slot.count >= slot.limit]
    if not full:
        return
    now = now_utc()
    with write_intent():
        for slot in full:
            _lock(slot, now)
        db.session.commit()


def record_success(slots: list[Slot]) -> None:
    """A right password: the account's counter starts again and the address gets its attempt back
    (so an office behind one address is not locked by its own colleagues' logins)."""
    t = LoginThrottle
    with write_intent():
        for slot in slots:
            value = 0 if slot.key.startswith("acct:") else sa.case((t.failures > 0, t.failures - 1), else_=0)
            db.session.execute(sa.update(t).where(t.key == slot.key).values(failures=value))
        db.session.commit()


def purge_stale(now: datetime | None = None) -> int:
    """Delete counters neither locked nor touched within the window (scheduler housekeeping); the
    "Quên mật khẩu" counters (:mod:`app.auth.reset_limits`) share the table, so the longer window wins."""
    now = now or now_utc()
    t = LoginThrottle
    keep = max(_window(), timedelta(seconds=current_app.config["PASSWORD_RESET_WINDOW_SECONDS"]))
    result = db.session.execute(sa.delete(t).where(t.updated_at < now - keep,
                                                   sa.or_(t.locked_until.is_(None), t.locked_until <= now)))
    return result.rowcount or 0
