"""Password hashing (argon2id) and random tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"], parallelism=cfg["ARGON2_PARALLELISM"]
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASHES: dict[tuple, str] = {}


def dummy_password_hash() -> str:
    """A hash of a random password with the current cost: unknown accounts are checked against it,
    so they take as long as real ones (one per process and cost setting)."""
    cfg = current_app.config
    params = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    if params not in _DUMMY_HASHES:
        _DUMMY_HASHES[params] = hash_password(secrets.token_urlsafe(24))
    return _DUMMY_HASHES[params]


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: Password policy (ASVS 6.2): length is what matters; a short list of the worst passwords is refused.
MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = frozenset(
    {"1234567890", "12345678910", "password123", "matkhau123", "qwertyuiop", "0123456789", "abcdefghij"}
)


def password_problem(password: str) -> str | None:
    """A Vietnamese reason the password is refused, or None when it is acceptable."""
    from flask_babel import gettext as _

    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Mật khẩu phải có ít nhất %(n)d ký tự.", n=MIN_PASSWORD_LENGTH)
    if len(password) > 128:
        return _("Mật khẩu không được dài quá 128 ký tự.")
    if password.lower() in COMMON_PASSWORDS:
        return _("Mật khẩu quá phổ biến, vui lòng chọn mật khẩu khác.")
    return None
