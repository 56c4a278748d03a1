"""plan measures name longer figures

A measure may now be bound to one audit tool's overall grade (``overall:<tool>``) or to a question's
answers (``question:<tool>:<question>:<answer>``), keys longer than the 60 characters the column
held.

Downgrade cuts a longer key to 60 characters: the older code then shows the measure as bound to a
figure that no longer exists, which asks a leader to choose again, rather than failing.

Revision ID: c13b0a1b2c3d
Revises: c12e0a1b2c3d
Create Date: 2026-11-28 12:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c13b0a1b2c3d'
down_revision = 'c12e0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_measures', schema=None) as batch_op:
        batch_op.alter_column('figure',
               existing_type=sa.VARCHAR(length=60),
               type_=sa.String(length=200),
               existing_nullable=False)


def downgrade():
    op.execute("UPDATE plan_measures SET figure = SUBSTR(figure, 1, 60) WHERE LENGTH(figure) > 60")
    with op.batch_alter_table('plan_measures', schema=None) as batch_op:
        batch_op.alter_column('figure',
               existing_type=sa.String(length=200),
               type_=sa.VARCHAR(length=60),
               existing_nullable=False)
