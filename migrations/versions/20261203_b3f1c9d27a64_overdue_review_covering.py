"""The open-task index covers the overdue review's scan: task (status, due date, kind, lead, directive,
completion), so an uncached review reads no task row

Revision ID: b3f1c9d27a64
Revises: 7dfd06b96ad4
Create Date: 2026-12-03 05:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3f1c9d27a64'
down_revision = '7dfd06b96ad4'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_task_status_due', table_name='task')
    op.create_index('ix_task_status_due', 'task',
                    ['status', 'due_date', 'kind', 'lead_org_id', 'directive_id', 'completed_on'], unique=False)


def downgrade():
    op.drop_index('ix_task_status_due', table_name='task')
    op.create_index('ix_task_status_due', 'task', ['status', 'due_date', 'kind', 'lead_org_id'], unique=False)
