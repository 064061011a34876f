"""The task row lock every progress write takes before it checks and changes the task.

No lost updates: a lead report carries the task version it was written against; the task row is
locked (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and a stale version
is refused with :class:`~app.core.errors.Conflict` naming who changed what meanwhile (the version
check itself is :func:`app.tasks.services.check_version`).
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Task


def lock_task(task: Task) -> Task:
    """Re-read the task row under a write lock so the version check and the update are atomic.

    PostgreSQL waits here for a concurrent writer to commit (then sees its version); SQLite has
    no FOR UPDATE, but its POST transactions start with BEGIN IMMEDIATE and so never overlap.
    """
    # Fetching the row (not just executing) is what refreshes the loaded task with populate_existing.
    db.session.execute(
        sa.select(Task).where(Task.id == task.id).with_for_update(of=Task).execution_options(populate_existing=True)
    ).scalar_one()
    return task
