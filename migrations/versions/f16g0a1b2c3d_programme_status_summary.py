"""programme status summary: every audit of an audit programme counted as it stands, per programme,
status and due date, so the programme pages show each programme's progress from a few rows of
counts rather than by reading its audits (issue 16). Filled from what is already there, in this
migration's transaction.

Revision ID: f16g0a1b2c3d
Revises: f16f0a1b2c3d
Create Date: 2026-11-28 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f16g0a1b2c3d'
down_revision = 'f16f0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programme_audit_rows',
    sa.Column('audit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_programme_audit_rows'))
    )
    op.create_table('programme_status_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('audits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_status_summary')),
    sa.UniqueConstraint('programme_id', 'status', 'due_date', name='uq_programme_status_summary_key')
    )
    from audit.domain.summaries import rebuild

    rebuild(op.get_bind(), only=("programme_audit_rows",))


def downgrade():
    op.drop_table('programme_status_summary')
    op.drop_table('programme_audit_rows')
