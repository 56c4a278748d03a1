"""cases may be closed

A case is open while closed_on is empty (every existing case stays open). case_import_uploads
holds a case CSV between its preview and the admin's confirmation: server-side, bound to the
admin, reached by a random token, deleted when applied or expired.

Revision ID: aaa21e7740f2
Revises: edb53ef120b0
Create Date: 2026-11-28 07:27:27.248465

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'aaa21e7740f2'
down_revision = 'edb53ef120b0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_import_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('full_export', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_import_uploads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_import_uploads')),
    sa.UniqueConstraint('token', name=op.f('uq_case_import_uploads_token'))
    )
    with op.batch_alter_table('case_import_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_import_uploads_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_import_uploads_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_closed_on'), ['closed_on'], unique=False)



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_closed_on'))
        batch_op.drop_column('closed_on')

    with op.batch_alter_table('case_import_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_import_uploads_user_id'))
        batch_op.drop_index(batch_op.f('ix_case_import_uploads_created_at'))

    op.drop_table('case_import_uploads')
