"""audits may be cancelled

A leader may cancel an audit not yet submitted (audit.domain.programme.cancel_audit): the status
"cancelled" joins the typed column's CHECK constraint, and a cancelled audit, like an open one,
has no submission date. The reason is kept as a row of audit_amendments (no new table).

Downgrade: the old constraints cannot hold a cancelled audit, so each one goes back to the state
it was in when cancelled, worked out from started_at (in progress if the auditor had opened it,
otherwise not started). Its answers and the recorded cancellation (the amendment row, with the
reason) are kept; only the status is lost. Nothing is deleted.

Revision ID: bf17ee615c88
Revises: aaa21e7740f2
Create Date: 2026-11-28 07:29:04.207479

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bf17ee615c88'
down_revision = 'aaa21e7740f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audits_known_status'), type_='check')
        batch_op.drop_constraint(op.f('ck_audits_submitted_has_date'), type_='check')
        batch_op.create_check_constraint(
            'known_status', "status IN ('assigned', 'in_progress', 'submitted', 'moderated', 'cancelled')"
        )
        batch_op.create_check_constraint(
            'submitted_has_date', "status IN ('assigned', 'in_progress', 'cancelled') OR submitted_at IS NOT NULL"
        )


def downgrade():
    op.execute(
        "UPDATE audits SET status = CASE WHEN started_at IS NULL THEN 'assigned' ELSE 'in_progress' END"
        " WHERE status = 'cancelled'"
    )
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audits_known_status'), type_='check')
        batch_op.drop_constraint(op.f('ck_audits_submitted_has_date'), type_='check')
        batch_op.create_check_constraint(
            'known_status', "status IN ('assigned', 'in_progress', 'submitted', 'moderated')"
        )
        batch_op.create_check_constraint(
            'submitted_has_date', "status IN ('assigned', 'in_progress') OR submitted_at IS NOT NULL"
        )
