"""measure history and performance indicators

Each plan measure's value recorded per UK day (``measure_values``), so its trend between board
meetings can be drawn; and performance indicators imported as monthly figures
(``performance_indicators``, ``indicator_values``), which a measure may be bound to.

Downgrade drops the three tables: the history and the imported figures go with them.

Revision ID: d14a0a1b2c3d
Revises: c13b0a1b2c3d
Create Date: 2026-11-28 12:04:52.101105

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd14a0a1b2c3d'
down_revision = 'c13b0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('performance_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_indicators')),
    sa.UniqueConstraint('key', name=op.f('uq_performance_indicators_key'))
    )
    op.create_table('indicator_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_indicator_values_imported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['indicator_id'], ['performance_indicators.id'], name=op.f('fk_indicator_values_indicator_id_performance_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_values')),
    sa.UniqueConstraint('indicator_id', 'month', name='uq_indicator_values_indicator_month')
    )
    op.create_table('measure_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Double(), nullable=True),
    sa.Column('numerator', sa.Integer(), nullable=True),
    sa.Column('denominator', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['measure_id'], ['plan_measures.id'], name=op.f('fk_measure_values_measure_id_plan_measures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure_values')),
    sa.UniqueConstraint('measure_id', 'recorded_on', name='uq_measure_values_measure_day')
    )


def downgrade():
    op.drop_table('measure_values')
    op.drop_table('indicator_values')
    op.drop_table('performance_indicators')
