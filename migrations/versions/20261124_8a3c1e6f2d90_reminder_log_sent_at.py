"""Index on reminder_log.sent_at: the newest send is part of the list pages' fingerprint

Revision ID: 8a3c1e6f2d90
Revises: 5d2e8f0a7b41
Create Date: 2026-11-24 01:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8a3c1e6f2d90'
down_revision = '5d2e8f0a7b41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_log_sent_at', ['sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_log_sent_at')
