"""notifications, scheduled runs and report jobs

The email outbox (``notifications``, written in the same transaction as the event that causes
it), each person's choice of immediate or daily-digest delivery per kind, the record that keeps a
daily job to one run per UK date across several workers, and reports built in the background.

Revision ID: c12e0a1b2c3d
Revises: c13a0a1b2c3d
Create Date: 2026-11-28 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c12e0a1b2c3d'
down_revision = 'c13a0a1b2c3d'
branch_labels = None
depends_on = None

KINDS = (
    "'audit_assigned', 'audit_due_soon', 'audit_overdue', 'reflection_requested', 'moderation_outcome', "
    "'supervision_to_acknowledge', 'action_due_soon', 'action_overdue', 'concern_raised', "
    "'concern_escalated', 'digest'"
)


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(name='known_kind', native_enum=False, create_constraint=False, length=40), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('dedupe_key', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('in_digest', sa.Boolean(), nullable=False),
        sa.Column('digest_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.Enum(name='known_status', native_enum=False, create_constraint=False, length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f('ck_notifications_known_kind')),
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name=op.f('ck_notifications_known_status')),
        sa.ForeignKeyConstraint(['digest_id'], ['notifications.id'], name=op.f('fk_notifications_digest_id_notifications')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_digest_id'), ['digest_id'], unique=False)
        batch_op.create_index('ix_notifications_status_next_attempt', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(name='known_kind', native_enum=False, create_constraint=False, length=40), nullable=False),
        sa.Column('digest', sa.Boolean(), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f('ck_notification_preferences_known_kind')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences')),
    )

    op.create_table(
        'scheduled_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job', sa.String(length=60), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_runs')),
        sa.UniqueConstraint('job', 'day', name='uq_scheduled_runs_job_day'),
    )

    op.create_table(
        'report_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('parameters', sa.Text(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('status', sa.Enum(name='known_status', native_enum=False, create_constraint=False, length=20), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_report_jobs_known_status')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_report_jobs_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_jobs')),
    )
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_jobs_requested_by_id'), ['requested_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_jobs_requested_by_id'))
    op.drop_table('report_jobs')
    op.drop_table('scheduled_runs')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_created')
        batch_op.drop_index('ix_notifications_status_next_attempt')
        batch_op.drop_index(batch_op.f('ix_notifications_digest_id'))
    op.drop_table('notifications')
