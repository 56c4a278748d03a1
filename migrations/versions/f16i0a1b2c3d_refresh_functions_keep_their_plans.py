"""the summaries' refresh runs on PostgreSQL through functions, whose plans the server keeps for as
long as a connection lives, and each table of counts has an index of its counts at 0 (issue 16's
write cost)

Planning the refresh's statements cost PostgreSQL more than running them (3-5 ms to plan the grade
rows of one audit, 0.3 ms to run), and no plan outlived its request: psycopg drops its prepared
statements at every rollback. Each kind gets a function for its rows (``<rows table>_of``) and one
that refreshes it for some audits (``<rows table>_refresh``), compiled from the kinds' own
statements in ``audit.domain.summaries``; ``flask rebuild-summaries`` writes them again and ``flask
check-summaries`` reports any that differ from the code. The partial indexes of counts at 0 are
empty between transactions; the refresh finds through them the counts it brought to 0. SQLite,
which plans in-process, gets the indexes (so its schema matches the models) and no functions.

Revision ID: f16i0a1b2c3d
Revises: f16h0a1b2c3d
Create Date: 2026-11-28 21:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f16i0a1b2c3d'
down_revision = 'f16h0a1b2c3d'
branch_labels = None
depends_on = None

COUNTS = (
    ('grade_summary', 'audits'),
    ('pair_summary', 'pairs'),
    ('action_summary', 'actions'),
    ('open_audit_summary', 'audits'),
    ('answer_summary', 'audits'),
    ('voice_summary', 'audits'),
    ('sample_summary', 'audits'),
    ('equality_summary', 'audits'),
    ('programme_status_summary', 'audits'),
)


def upgrade():
    from audit.domain.summaries import install_functions

    for table, count in COUNTS:
        at_zero = sa.text(f'{count} = 0')
        op.create_index(f'ix_{table}_zero', table, [count], unique=False, postgresql_where=at_zero, sqlite_where=at_zero)
    install_functions(op.get_bind())


def downgrade():
    from audit.domain.summaries import functions

    if op.get_bind().dialect.name == 'postgresql':
        for function in functions():
            op.execute(f'DROP FUNCTION IF EXISTS {function.signature}')
    for table, _count in COUNTS:
        op.drop_index(f'ix_{table}_zero', table_name=table)
