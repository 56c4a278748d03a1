"""equality summary: each completed audit with a final overall grade, per characteristic of the
child as recorded on its case now, counted per UK period by team, tool version, value and
whether the grade is good or better (issue 16). Filled from what is already there, in this
migration's transaction.

Revision ID: f16d0a1b2c3d
Revises: f16c0a1b2c3d
Create Date: 2026-11-28 15:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f16d0a1b2c3d'
down_revision = 'f16c0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_equality_rows',
    sa.Column('audit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('characteristic', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('tool_version_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=60), nullable=False),
    sa.Column('good', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('audit_id', 'characteristic', name=op.f('pk_audit_equality_rows'))
    )
    op.create_table('equality_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=5), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('tool_version_id', sa.Integer(), nullable=False),
    sa.Column('characteristic', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=60), nullable=False),
    sa.Column('good', sa.Boolean(), nullable=False),
    sa.Column('audits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equality_summary')),
    sa.UniqueConstraint('period', 'day', 'team_id', 'tool_version_id', 'characteristic', 'value', 'good', name='uq_equality_summary_key')
    )
    from audit.domain.summaries import rebuild

    rebuild(op.get_bind(), only=("audit_equality_rows",))


def downgrade():
    op.drop_table('equality_summary')
    op.drop_table('audit_equality_rows')
