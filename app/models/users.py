"""Accounts, their login sessions and API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, TimestampMixin
from app.core.enums import Role, enum_column
from app.models.organisations import Organisation


class User(UserMixin, TimestampMixin, Base):
    """Người dùng: belongs to one organisation and has one role."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Chức danh shown in signatures and lists ("Chánh Văn phòng").
    title: Mapped[str | None] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    locale: Mapped[str] = mapped_column(sa.String(8), default="vi")
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    #: "item": one e-mail per reminder; "daily": one digest a day.
    notification_mode: Mapped[str] = mapped_column(sa.String(16), default="item")
    #: SHA-256 of the API bearer token; the token itself is shown once by `flask users token`.
    api_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    api_token_created_at: Mapped[datetime | None]
    #: SHA-256 of the calendar (ICS) feed token.
    calendar_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: The password was set by an administrator (`flask users create --password-stdin`): the person
    #: must choose their own at the first login before doing anything else.
    password_change_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    last_login_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    # Flask-Login asks `is_active` to refuse deactivated accounts.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.is_active_account

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class UserSession(Base):
    """A login: the cookie holds a random token whose hash is stored here, so it can be revoked."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed-login counters: one row per (account, client address) and one per client address.

    ``key`` is a hash (attempted e-mail addresses of strangers are not stored).  A login attempt
    first claims a slot here atomically, then checks the password, so concurrent guesses cannot
    pass the limit (see :mod:`app.auth.throttle`)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
