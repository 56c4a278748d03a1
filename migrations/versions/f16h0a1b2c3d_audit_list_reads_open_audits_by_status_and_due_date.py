"""the audit list reads the open audits by due date: a partial index of the open audits (assigned
or in progress) on (due date, submitted time), so the list's open audits, soonest due first, and
its overdue filter are read from it rather than by scanning and sorting every audit (issue 16)

Partial, so that no other query is drawn to it: SQLite uses a partial index only for a query that
names its condition as written (the open statuses as literals, not bound parameters), and without
statistics it would otherwise take a status index for any equality on status (a full index on
status made the submitted filter's page 20 sort 65,000 audits: 31 ms became 58 ms).

Revision ID: f16h0a1b2c3d
Revises: f16g0a1b2c3d
Create Date: 2026-11-28 18:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f16h0a1b2c3d'
down_revision = 'f16g0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_audits_open_due', 'audits', ['due_date', 'submitted_at'], unique=False,
        sqlite_where=sa.text("status IN ('assigned', 'in_progress')"),
        postgresql_where=sa.text("status IN ('assigned', 'in_progress')"),
    )


def downgrade():
    op.drop_index('ix_audits_open_due', table_name='audits')
