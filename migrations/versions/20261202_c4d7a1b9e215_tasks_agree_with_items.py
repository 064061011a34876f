"""Repair tasks whose status disagrees with their content items (the whole-task rule, app.tasks.rollup)

Before this revision a whole-task completion (by the office, or by confirming a whole-task proposal)
changed the task and left its items open, a whole-task proposal left them as they were, and three
roll-ups disagreed.  Apply the whole-task rule to what was recorded, then the one roll-up:

- a completed task completes each open item on the task's completion date;
- a task proposed for completion proposes each item neither completed nor proposed;
- every task with items then takes the roll-up of its items (status, percent, completion date).

Each changed row's version is bumped, so a form opened before the repair is refused as stale.
Downgrade leaves the data as repaired (the old disagreement is not worth restoring).

Revision ID: c4d7a1b9e215
Revises: 8a3c1e6f2d90
Create Date: 2026-12-02 18:10:00

"""
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4d7a1b9e215'
down_revision = '8a3c1e6f2d90'
branch_labels = None
depends_on = None

task = sa.table(
    'task', sa.column('id', sa.Integer), sa.column('status', sa.String), sa.column('progress_percent', sa.Integer),
    sa.column('completed_on', sa.Date), sa.column('version_id', sa.Integer),
)
item = sa.table(
    'content_item', sa.column('id', sa.Integer), sa.column('task_id', sa.Integer), sa.column('status', sa.String),
    sa.column('progress_percent', sa.Integer), sa.column('completed_on', sa.Date), sa.column('version_id', sa.Integer),
)

COMPLETED, PROPOSED = 'completed', 'completion_proposed'


class _Row:
    """A row as the roll-up reads it (status, percent, completion date)."""

    def __init__(self, status, percent, completed_on):
        self.status, self.progress_percent, self.completed_on = status, percent, completed_on


def upgrade():
    from app.tasks.rollup import rollup_completed_on, rollup_percent, rollup_status

    bind = op.get_bind()
    tasks = {r.id: r for r in bind.execute(sa.select(task.c.id, task.c.status, task.c.completed_on,
                                                       task.c.progress_percent))}
    items = defaultdict(list)
    for r in bind.execute(sa.select(item.c.id, item.c.task_id, item.c.status, item.c.progress_percent,
                                    item.c.completed_on).order_by(item.c.task_id, item.c.id)):
        items[r.task_id].append(r)
    for task_id, rows in items.items():
        owner = tasks.get(task_id)
        if owner is None:
            continue
        new_items = []
        for r in rows:
            status, percent, done = r.status, r.progress_percent, r.completed_on
            if owner.status == COMPLETED and status != COMPLETED:
                status, percent, done = COMPLETED, 100, owner.completed_on
            elif owner.status == PROPOSED and status not in (COMPLETED, PROPOSED):
                status, done = PROPOSED, None
            if (status, percent, done) != (r.status, r.progress_percent, r.completed_on):
                bind.execute(item.update().where(item.c.id == r.id).values(
                    status=status, progress_percent=percent, completed_on=done, version_id=item.c.version_id + 1))
            new_items.append(_Row(status, percent, done))
        status = rollup_status(i.status for i in new_items)
        percent = rollup_percent(new_items)
        done = rollup_completed_on(i.completed_on for i in new_items) if status == COMPLETED else None
        if (status, percent, done) != (owner.status, owner.progress_percent, owner.completed_on):
            bind.execute(task.update().where(task.c.id == task_id).values(
                status=status, progress_percent=percent, completed_on=done, version_id=task.c.version_id + 1))


def downgrade():
    pass
