"""Declarative base shared by every model, and the column types they use."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from app.core.clock import now_utc
from app.core.errors import Conflict

# Deterministic constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite (which stores naive text) and PostgreSQL alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    # The type map lives on the registry: Flask-SQLAlchemy subclasses this base.
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)


def check_version(obj, expected_version: int | str | None, message=None) -> None:
    """The optimistic lock: refuse a save made from a form opened before someone else saved ``obj``.

    ``None`` means the caller carries no version (a system write).  ``message`` is the text of the
    refusal, or a function building it (only called when the version is stale)."""
    if expected_version is None:
        return
    try:
        stale = int(expected_version) != obj.version_id
    except (TypeError, ValueError):
        stale = True
    if not stale:
        return
    text = message() if callable(message) else message
    raise Conflict(text or _("Dữ liệu đã được người khác thay đổi trong lúc bạn sửa. Vui lòng tải lại trang và nhập lại."),
                   details={"current_version": obj.version_id})
