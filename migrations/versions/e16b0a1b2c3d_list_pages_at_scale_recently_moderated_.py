"""list pages at scale: the moderation page's recently moderated audits read from the end of an
index on moderated_at, not sorted from every moderated audit (issue 16, part B)

Revision ID: e16b0a1b2c3d
Revises: e16a0a1b2c3d
Create Date: 2026-11-28 12:42:13.869101

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e16b0a1b2c3d'
down_revision = 'e16a0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audits_moderated_at', 'audits', ['moderated_at'], unique=False)


def downgrade():
    op.drop_index('ix_audits_moderated_at', table_name='audits')
