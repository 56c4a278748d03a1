"""the summaries' refresh runs its costly statements through PostgreSQL functions, whose plans the
server keeps for as long as a connection lives (issue 16's write cost)

Planning the refresh's statements cost PostgreSQL more than running them (3-5 ms to plan the grade
rows of one audit, 0.3 ms to run), and no plan outlived its request: psycopg drops its prepared
statements at every rollback. Each kind gets a function for its rows (``<rows table>_of``) and one
for adding deltas to its counts (``<summary>_add``), compiled from the kinds' own statements in
``audit.domain.summaries``; ``flask rebuild-summaries`` writes them again and ``flask
check-summaries`` reports any that differ from the code. Nothing on SQLite, which plans in-process.

Revision ID: f16i0a1b2c3d
Revises: f16h0a1b2c3d
Create Date: 2026-11-28 21:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f16i0a1b2c3d'
down_revision = 'f16h0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    from audit.domain.summaries import install_functions

    install_functions(op.get_bind())


def downgrade():
    from audit.domain.summaries import functions

    if op.get_bind().dialect.name != 'postgresql':
        return
    for function in functions():
        op.execute(f'DROP FUNCTION IF EXISTS {function.signature}')
