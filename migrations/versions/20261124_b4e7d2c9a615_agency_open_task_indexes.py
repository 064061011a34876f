"""Indexes for an agency's open tasks: task (lead, status); task_coordinator (organisation, task) covering

Revision ID: b4e7d2c9a615
Revises: 8a3c1e6f2d90
Create Date: 2026-11-24 01:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b4e7d2c9a615'
down_revision = '8a3c1e6f2d90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_lead_status', ['lead_org_id', 'status'], unique=False)
    with op.batch_alter_table('task_coordinator', schema=None) as batch_op:
        batch_op.drop_index('ix_task_coordinator_organisation_id')
        batch_op.create_index('ix_task_coordinator_org_task', ['organisation_id', 'task_id'], unique=False)


def downgrade():
    with op.batch_alter_table('task_coordinator', schema=None) as batch_op:
        batch_op.drop_index('ix_task_coordinator_org_task')
        batch_op.create_index('ix_task_coordinator_organisation_id', ['organisation_id'], unique=False)
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_lead_status')
