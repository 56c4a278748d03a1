"""tool questions may be optional

A question marked required = false may be left blank on submission. Existing questions stay
required (server default true): sa.true() rather than the generated text('1'), which
PostgreSQL refuses for a boolean column.

Questions of earlier tool versions whose guidance tells the auditor to leave them blank are made
optional too: that guidance was always the intent (tests/test_tool_definitions.py now holds every
shipped tool to it), and audits already started on such a version would otherwise stay blocked
from submission until the auditor invented a date.

Revision ID: edb53ef120b0
Revises: b5ec4963bd73
Create Date: 2026-11-28 06:54:46.473503

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'edb53ef120b0'
down_revision = 'b5ec4963bd73'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tool_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute(
        sa.text("UPDATE tool_questions SET required = :optional WHERE lower(guidance) LIKE '%leave blank%'")
        .bindparams(optional=False)
    )


def downgrade():
    with op.batch_alter_table('tool_questions', schema=None) as batch_op:
        batch_op.drop_column('required')
