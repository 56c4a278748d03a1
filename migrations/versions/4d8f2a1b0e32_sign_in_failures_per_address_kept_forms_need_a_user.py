"""sign-in failures counted per address; kept forms always have a user

Adds `sign_in_address_failures` (one row per failed sign-in, by client address, kept for the
15-minute window), so one address can no longer try password after password across accounts.

`preserved_forms.user_id` becomes required (and indexed, for the per-user limit): a kept post is
now only ever stored for the user whose session or page expired. Rows without a user, which
anyone signing in on the same browser could have been shown, are deleted first; they would have
expired within a day anyway.

Downgrade drops the address table (its counts are lost, which only lifts the throttle early) and
makes `user_id` optional again; no kept form is deleted.

Revision ID: 4d8f2a1b0e32
Revises: 3c7e1f0a9d21
Create Date: 2026-11-28 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4d8f2a1b0e32'
down_revision = '3c7e1f0a9d21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_address_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('failed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_address_failures'))
    )
    with op.batch_alter_table('sign_in_address_failures', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_address_failures_address_at', ['client_address', 'failed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_address_failures_failed_at'), ['failed_at'], unique=False)

    op.execute(sa.text("DELETE FROM preserved_forms WHERE user_id IS NULL"))
    with op.batch_alter_table('preserved_forms', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_preserved_forms_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('preserved_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_preserved_forms_user_id'))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)

    with op.batch_alter_table('sign_in_address_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_address_failures_failed_at'))
        batch_op.drop_index('ix_sign_in_address_failures_address_at')

    op.drop_table('sign_in_address_failures')
