"""audits behind a figure from the grade summary: each figure's newest audits read from the end of
an index on (section, day, audit) of audit_grade_rows, not sorted from the whole period

Revision ID: f16a0a1b2c3d
Revises: e16b0a1b2c3d
Create Date: 2026-11-28 14:55:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f16a0a1b2c3d'
down_revision = 'e16b0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_audit_grade_rows_section_day', 'audit_grade_rows', ['section_id', 'day', 'audit_id'], unique=False
    )


def downgrade():
    op.drop_index('ix_audit_grade_rows_section_day', table_name='audit_grade_rows')
