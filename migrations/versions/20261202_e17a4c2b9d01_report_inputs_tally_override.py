"""Report inputs: an agency's own tally sentence and difficulties; an indicator's start date;
the Red Cross is an association, not one of the five đoàn thể chính trị - xã hội

Revision ID: e17a4c2b9d01
Revises: 4b9e2c7d1a53
Create Date: 2026-12-02 18:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e17a4c2b9d01'
down_revision = '4b9e2c7d1a53'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agency_period_input', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tally_text', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('difficulties_text', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))
    # Hội Chữ thập đỏ was stored as a đoàn thể chính trị - xã hội (domain.md §1.3 lists five without it).
    op.execute(sa.text("UPDATE organisation SET kind = 'association' "
                       "WHERE kind = 'mass_org' AND lower(name) LIKE :red_cross").bindparams(red_cross='%chữ thập đỏ%'))


def downgrade():
    op.execute(sa.text("UPDATE organisation SET kind = 'mass_org' WHERE kind = 'association'"))
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_column('starts_on')
    with op.batch_alter_table('agency_period_input', schema=None) as batch_op:
        batch_op.drop_column('difficulties_text')
        batch_op.drop_column('tally_text')
