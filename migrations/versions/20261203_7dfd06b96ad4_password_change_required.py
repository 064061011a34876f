"""Accounts given a first password by an administrator must choose their own; the per-user login
counters (replaced by the login_throttle table) go

Revision ID: 7dfd06b96ad4
Revises: e4b7c2a91f36
Create Date: 2026-12-03 04:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7dfd06b96ad4'
down_revision = 'e4b7c2a91f36'
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite >= 3.35 drops columns in place): a batch copy of "user" would have to
# drop the table that every other table's foreign keys point at.

def upgrade():
    op.add_column('user', sa.Column('password_change_required', sa.Boolean(), nullable=False,
                                    server_default=sa.false()))
    op.drop_column('user', 'failed_logins')
    op.drop_column('user', 'locked_until')


def downgrade():
    op.add_column('user', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('user', sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.drop_column('user', 'password_change_required')
