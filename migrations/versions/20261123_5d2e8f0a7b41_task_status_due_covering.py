"""Covering indexes for the reminder tick: task (status, due date, kind, lead), open content items

Revision ID: 5d2e8f0a7b41
Revises: c7db29a1c469
Create Date: 2026-11-23 23:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d2e8f0a7b41'
down_revision = 'c7db29a1c469'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_status_due')
        batch_op.create_index('ix_task_status_due', ['status', 'due_date', 'kind', 'lead_org_id'], unique=False)
    with op.batch_alter_table('content_item', schema=None) as batch_op:
        batch_op.create_index('ix_content_item_status_task', ['status', 'task_id', 'lead_org_id', 'due_date'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('content_item', schema=None) as batch_op:
        batch_op.drop_index('ix_content_item_status_task')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_status_due')
        batch_op.create_index('ix_task_status_due', ['status', 'due_date'], unique=False)
