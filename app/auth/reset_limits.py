"""How often "Quên mật khẩu" may be asked: per e-mail address and per client address, within
``PASSWORD_RESET_WINDOW_SECONDS`` (counters in the ``login_throttle`` table, keyed by hashes).

Every request is counted the same way whether or not the address has an account, so the limits tell
nobody who has one: over the per-address limit the answer is the usual one and no mail goes out;
over the per-client limit the page says so (that is about the asker, not the address)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app

from app.auth.throttle import count_attempt
from app.core.clock import now_utc
from app.core.database import write_intent
from app.extensions import db

CLIENT = "client"
ADDRESS = "address"


def window() -> timedelta:
    return timedelta(seconds=current_app.config["PASSWORD_RESET_WINDOW_SECONDS"])


def _key(kind: str, value: str) -> str:
    return f"reset-{kind}:" + hashlib.sha256(value.encode()).hexdigest()


def over_limit(email: str, client_address: str | None) -> str | None:
    """Count this request (own short transaction) and say which limit it passed: CLIENT, ADDRESS or None."""
    cfg = current_app.config
    now = now_utc()
    db.session.commit()
    with write_intent():
        client = count_attempt(_key(CLIENT, client_address or "-"), now, window())
        address = count_attempt(_key(ADDRESS, (email or "").strip().lower()), now, window())
        db.session.commit()
    if client > cfg["PASSWORD_RESET_MAX_PER_CLIENT"]:
        return CLIENT
    if address > cfg["PASSWORD_RESET_MAX_PER_ADDRESS"]:
        return ADDRESS
    return None
