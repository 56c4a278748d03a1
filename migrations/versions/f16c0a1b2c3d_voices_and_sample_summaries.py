"""voices and sample summaries: the completed audits counted per UK period by the themes they
judged and whether they recorded the family's feedback and the practitioner's reflection; and by
the programme they came from (or re-audit, or neither) (issue 16). Filled from what is already
there, in this migration's transaction.

Revision ID: f16c0a1b2c3d
Revises: f16b0a1b2c3d
Create Date: 2026-11-28 15:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f16c0a1b2c3d'
down_revision = 'f16b0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_voice_rows',
    sa.Column('audit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('section_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('tool_version_id', sa.Integer(), nullable=False),
    sa.Column('family', sa.Boolean(), nullable=False),
    sa.Column('reflection', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('audit_id', 'section_id', name=op.f('pk_audit_voice_rows'))
    )
    op.create_table('voice_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=5), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('tool_version_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('family', sa.Boolean(), nullable=False),
    sa.Column('reflection', sa.Boolean(), nullable=False),
    sa.Column('audits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_summary')),
    sa.UniqueConstraint('period', 'day', 'team_id', 'tool_version_id', 'section_id', 'family', 'reflection', name='uq_voice_summary_key')
    )
    op.create_table('audit_sample_rows',
    sa.Column('audit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('tool_version_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('reaudit', sa.Boolean(), nullable=False),
    sa.Column('family', sa.Boolean(), nullable=False),
    sa.Column('reflection', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_audit_sample_rows'))
    )
    op.create_table('sample_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=5), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('tool_version_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('reaudit', sa.Boolean(), nullable=False),
    sa.Column('family', sa.Boolean(), nullable=False),
    sa.Column('reflection', sa.Boolean(), nullable=False),
    sa.Column('audits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_summary')),
    sa.UniqueConstraint('period', 'day', 'team_id', 'tool_version_id', 'programme_id', 'reaudit', 'family', 'reflection', name='uq_sample_summary_key')
    )
    from audit.domain.summaries import rebuild

    rebuild(op.get_bind(), only=("audit_voice_rows", "audit_sample_rows"))


def downgrade():
    op.drop_table('sample_summary')
    op.drop_table('audit_sample_rows')
    op.drop_table('voice_summary')
    op.drop_table('audit_voice_rows')
