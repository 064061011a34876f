"""Migration c4d7a1b9e215 repairs tasks recorded before the whole-task rule: their items follow them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask_migrate import downgrade, upgrade

from app.core.enums import TaskStatus
from app.extensions import db
from app.models import ContentItem, Task

MIGRATIONS = str(Path(__file__).resolve().parent.parent.parent / "migrations")


def _task(factories, lead, status, items, completed_on=None):
    task = factories.task(lead, status=status, completed_on=completed_on,
                          items=[(f"Nội dung {n}", None) for n in range(len(items))])
    for item, (item_status, done) in zip(task.items, items, strict=True):
        item.status, item.completed_on, item.progress_percent = item_status, done, 100 if done else 30
    return task


def test_tasks_completed_or_proposed_as_a_whole_take_their_items_along(factories):
    lead = factories.org("BTG")
    downgrade(directory=MIGRATIONS, revision="8a3c1e6f2d90")
    done_on = date(2024, 9, 10)
    completed = _task(factories, lead, TaskStatus.COMPLETED, [(TaskStatus.IN_PROGRESS, None),
                                                              (TaskStatus.COMPLETED, date(2024, 8, 1))], done_on)
    proposed = _task(factories, lead, TaskStatus.COMPLETION_PROPOSED, [(TaskStatus.NOT_STARTED, None)])
    # Written by the old all-communes roll-up: [in progress, not completed] gave "in progress".
    mixed = _task(factories, lead, TaskStatus.IN_PROGRESS, [(TaskStatus.IN_PROGRESS, None),
                                                            (TaskStatus.NOT_COMPLETED, None)])
    alone = factories.task(lead, status=TaskStatus.IN_PROGRESS)
    db.session.commit()
    ids = [t.id for t in (completed, proposed, mixed, alone)]
    versions = {t.id: t.version_id for t in (completed, proposed, mixed, alone)}
    open_item = (completed.items[0].id, completed.items[0].version_id)
    db.session.remove()

    upgrade(directory=MIGRATIONS)

    completed, proposed, mixed, alone = (db.session.get(Task, i) for i in ids)
    assert [(i.status, i.completed_on) for i in completed.items] == [(TaskStatus.COMPLETED, done_on),
                                                                     (TaskStatus.COMPLETED, date(2024, 8, 1))]
    assert (completed.status, completed.completed_on, completed.progress_percent) == (TaskStatus.COMPLETED, done_on, 100)
    assert [i.status for i in proposed.items] == [TaskStatus.COMPLETION_PROPOSED]
    assert proposed.status is TaskStatus.COMPLETION_PROPOSED
    assert mixed.status is TaskStatus.NOT_COMPLETED and mixed.version_id == versions[mixed.id] + 1
    assert alone.status is TaskStatus.IN_PROGRESS and alone.version_id == versions[alone.id]
    assert db.session.get(ContentItem, open_item[0]).version_id == open_item[1] + 1  # open forms are now stale
