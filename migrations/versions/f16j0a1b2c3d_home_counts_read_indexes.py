"""a person's own work is counted from indexes: the submitted audits waiting for their
practitioner's reflection and the moderation outcomes their auditor has not read have partial
indexes, and the indexes of a person's open actions and of an auditor's audits hold the due date
(the auditor's also the audit's id, for PostgreSQL), so the home page's counts and lists and My
audits' reflections no longer read each audit, moderation or action whole; a programme's audits
are indexed with their team and case, which its page orders them by (issue 16, the list pages'
growth)

Revision ID: f16j0a1b2c3d
Revises: f16i0a1b2c3d
Create Date: 2026-11-29 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f16j0a1b2c3d'
down_revision = 'f16i0a1b2c3d'
branch_labels = None
depends_on = None

AWAITING_REFLECTION = "status = 'submitted' AND practitioner_reflection IS NULL"


def upgrade():
    op.create_index(
        'ix_audits_awaiting_reflection', 'audits', ['case_id', 'submitted_at', 'status', 'practitioner_reflection'], unique=False,
        sqlite_where=sa.text(AWAITING_REFLECTION),
        postgresql_where=sa.text(AWAITING_REFLECTION),
    )
    op.drop_index('ix_actions_owner_open', table_name='actions')
    op.create_index('ix_actions_owner_open', 'actions', ['owner_id', 'completed_at', 'due_date'], unique=False)
    op.drop_index('ix_audits_auditor_status', table_name='audits')
    op.create_index('ix_audits_auditor_status', 'audits', ['auditor_id', 'status', 'due_date', 'id'], unique=False)
    op.drop_index('ix_audits_programme_id', table_name='audits')
    op.create_index('ix_audits_programme_team_case', 'audits', ['programme_id', 'team_id', 'case_id'], unique=False)
    op.create_index(
        'ix_moderations_unread', 'moderations', ['audit_id', 'outcome_read_at', 'created_at'], unique=False,
        sqlite_where=sa.text("outcome_read_at IS NULL"),
        postgresql_where=sa.text("outcome_read_at IS NULL"),
    )


def downgrade():
    op.drop_index('ix_moderations_unread', table_name='moderations')
    op.drop_index('ix_audits_programme_team_case', table_name='audits')
    op.create_index('ix_audits_programme_id', 'audits', ['programme_id'], unique=False)
    op.drop_index('ix_audits_auditor_status', table_name='audits')
    op.create_index('ix_audits_auditor_status', 'audits', ['auditor_id', 'status'], unique=False)
    op.drop_index('ix_actions_owner_open', table_name='actions')
    op.create_index('ix_actions_owner_open', 'actions', ['owner_id', 'completed_at'], unique=False)
    op.drop_index('ix_audits_awaiting_reflection', table_name='audits')
