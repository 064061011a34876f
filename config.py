"""Application settings.

Every setting is read from the environment (names below) with a documented default; the README's
"Configuration" table lists them. ``create_app()`` picks the class from ``APP_ENV``
(``development`` by default, ``production``, ``testing``).
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Strict boolean: ``MAIL_USE_TLS=false`` means False (not "set, so True")."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be one of true/false/1/0/yes/no, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_str(name: str, default: str | None = None) -> str | None:
    raw = os.environ.get(name)
    return default if raw in (None, "") else raw


class Config:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key")
    SQLALCHEMY_DATABASE_URI = env_str("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'tracker.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    #: Public base URL used in e-mail links (reminders are sent outside any request).
    BASE_URL = env_str("BASE_URL", "http://127.0.0.1:5000")

    # Flask-Mail: its own setting names. The default is the local sink started by `make run`.
    MAIL_SERVER = env_str("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = env_int("MAIL_PORT", 8025)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = env_str("MAIL_USERNAME")
    MAIL_PASSWORD = env_str("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = env_str("MAIL_DEFAULT_SENDER", "Văn phòng Huyện ủy <vanphong@phunghiep.example>")
    MAIL_SUPPRESS_SEND = env_bool("MAIL_SUPPRESS_SEND", False)
    #: Flask-Mail has no timeout option; our sender sets this on the SMTP socket.
    MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 10)

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = env_str("TIMEZONE", "Asia/Ho_Chi_Minh")
    LANGUAGES = ("vi", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = env_int("SESSION_LIFETIME_SECONDS", 8 * 3600)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    #: Uploads (signed notices, evidence) live outside the web root and are served by a checked view.
    UPLOAD_DIR = env_str("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 1024 * 1024

    # argon2id cost (OWASP ASVS 5.0 App. C: t>=3 with m>=12 MiB); tests lower it for speed.
    ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 65536)
    ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 2)
    LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
    #: One-time links e-mailed to people: an invitation to set a first password, a password reset.
    INVITATION_VALID_HOURS = env_int("INVITATION_VALID_HOURS", 7 * 24)
    PASSWORD_RESET_VALID_MINUTES = env_int("PASSWORD_RESET_VALID_MINUTES", 60)
    #: "Quên mật khẩu" requests within the window: per e-mail address (beyond it no mail is sent, the
    #: answer is the same) and per client address (beyond it the page asks to wait).
    PASSWORD_RESET_WINDOW_SECONDS = env_int("PASSWORD_RESET_WINDOW_SECONDS", 3600)
    PASSWORD_RESET_MAX_PER_ADDRESS = env_int("PASSWORD_RESET_MAX_PER_ADDRESS", 3)
    PASSWORD_RESET_MAX_PER_CLIENT = env_int("PASSWORD_RESET_MAX_PER_CLIENT", 20)
    #: Wrong passwords from one client address (any accounts) before it is locked for the window.
    LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 30)
    #: Server-side session lifetimes: idle (no request) and absolute (since login).
    SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 2 * 3600)
    SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", env_int("SESSION_LIFETIME_SECONDS", 8 * 3600))

    #: Scheduler: the heartbeat older than this shows the admin banner.
    SCHEDULER_STALE_MINUTES = env_int("SCHEDULER_STALE_MINUTES", 15)
    SCHEDULER_TICK_MINUTES = env_int("SCHEDULER_TICK_MINUTES", 5)
    SCHEDULER_LOCK_FILE = env_str("SCHEDULER_LOCK_FILE", str(INSTANCE_DIR / "scheduler.lock"))

    #: The office chief's overdue review reuses today's snapshot per process while nothing changed.
    OVERSIGHT_CACHE = env_bool("OVERSIGHT_CACHE", True)
    OVERSIGHT_CACHE_SECONDS = env_int("OVERSIGHT_CACHE_SECONDS", 120)

    #: District identity used in generated documents (the demo tenant by default).
    DISTRICT_NAME = env_str("DISTRICT_NAME", "Phụng Hiệp")
    PROVINCE_PARTY_NAME = env_str("PROVINCE_PARTY_NAME", "Đảng bộ tỉnh Hậu Giang")

    TESTING = False
    DEBUG = False

    @classmethod
    def validate(cls) -> None:
        """Hook for configurations that must refuse to start on missing settings."""


class DevelopmentConfig(Config):
    DEBUG = env_bool("FLASK_DEBUG", False)


class TestingConfig(Config):
    TESTING = True
    OVERSIGHT_CACHE = False
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = env_str("TEST_DATABASE_URL", "sqlite://")
    MAIL_SUPPRESS_SEND = True
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    BASE_URL = "http://localhost"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @classmethod
    def validate(cls) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"Production configuration refuses to start without: {', '.join(missing)}")


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("APP_ENV", "development").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, got {name!r}")
    return CONFIGS[name]
