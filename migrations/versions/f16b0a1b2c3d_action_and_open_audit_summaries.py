"""action and open-audit summaries: the actions of completed audits counted per UK period,
by the theme they are shown under, state and due date; and the open audits counted per team, tool
version and due date (issue 16); and an index of the re-audits by submission time. Filled from what is already there, in this migration's transaction.

Revision ID: f16b0a1b2c3d
Revises: f16a0a1b2c3d
Create Date: 2026-11-28 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f16b0a1b2c3d'
down_revision = 'f16a0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_action_rows',
    sa.Column('action_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('tool_version_id', sa.Integer(), nullable=False),
    sa.Column('theme_section_id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('open_due', sa.Date(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('action_id', name=op.f('pk_audit_action_rows'))
    )
    op.create_index('ix_audit_action_rows_audit_id', 'audit_action_rows', ['audit_id'], unique=False)
    op.create_index('ix_audit_action_rows_examples', 'audit_action_rows', ['theme', 'open_due', 'due_date'], unique=False)
    op.create_table('action_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=5), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('tool_version_id', sa.Integer(), nullable=False),
    sa.Column('theme_section_id', sa.Integer(), nullable=False),
    sa.Column('open_due', sa.Date(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.Column('actions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_summary')),
    sa.UniqueConstraint('period', 'day', 'team_id', 'tool_version_id', 'theme_section_id', 'open_due', 'on_time', name='uq_action_summary_key')
    )
    op.create_table('open_audit_rows',
    sa.Column('audit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('tool_version_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_open_audit_rows'))
    )
    op.create_table('open_audit_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('tool_version_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('audits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_audit_summary')),
    sa.UniqueConstraint('team_id', 'tool_version_id', 'due_date', name='uq_open_audit_summary_key')
    )
    op.create_index(
        'ix_audits_reaudits_submitted_at', 'audits', ['submitted_at'], unique=False,
        sqlite_where=sa.text('follows_audit_id IS NOT NULL'), postgresql_where=sa.text('follows_audit_id IS NOT NULL'),
    )
    from audit.domain.summaries import rebuild

    # The grade and pair summaries again too: they now count by week, quarter and year as well.
    rebuild(op.get_bind(), only=("audit_grade_rows", "audit_pair_rows", "audit_action_rows", "open_audit_rows"))


def downgrade():
    op.drop_index('ix_audits_reaudits_submitted_at', table_name='audits')
    op.drop_table('open_audit_summary')
    op.drop_table('open_audit_rows')
    op.drop_table('action_summary')
    op.drop_index('ix_audit_action_rows_examples', table_name='audit_action_rows')
    op.drop_index('ix_audit_action_rows_audit_id', table_name='audit_action_rows')
    op.drop_table('audit_action_rows')
