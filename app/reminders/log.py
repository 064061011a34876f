"""Reading the reminder log: one page of it, and how many rows are in each state."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.enums import ReminderKind, ReminderState
from app.core.search import like_contains
from app.extensions import db
from app.models import ReminderLog


def list_log(*, state: str | None = None, kind: str | None = None, query: str | None = None,
             after_id: int | None = None, limit: int = 50) -> tuple[list[ReminderLog], int | None]:
    """One page of the reminder log, newest first, keyset-paginated on the id."""
    stmt = sa.select(ReminderLog).order_by(ReminderLog.id.desc()).limit(limit + 1)
    if state:
        stmt = stmt.where(ReminderLog.state == ReminderState.coerce(state))
    if kind:
        stmt = stmt.where(ReminderLog.kind == ReminderKind.coerce(kind))
    if query:
        text = query.strip()
        stmt = stmt.where(sa.or_(like_contains(ReminderLog.recipient_email, text), like_contains(ReminderLog.subject, text)))
    if after_id:
        stmt = stmt.where(ReminderLog.id < after_id)
    rows = list(db.session.scalars(stmt))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def state_counts() -> dict[ReminderState, int]:
    return {ReminderState.coerce(state): n for state, n in db.session.execute(
        sa.select(ReminderLog.state, sa.func.count()).group_by(ReminderLog.state))}
