"""statistics on which judgements have evidence: PostgreSQL is told how many section judgements have
text, so the newest-first read of quotes for the themed report walks the audits by date instead of
sorting every judgement of the period (issue 16)

Without them the planner took ``length(trim(evidence)) > 0`` to hold for a third of the rows it
already thought few, chose to sort the period's judgements (544,000 at 100,000 audits, spilling to
disk) and took 0.8 s where walking the newest audits takes 0.18 s. SQLite has no such statistics
and already walks the index.

Revision ID: f16f0a1b2c3d
Revises: f16e0a1b2c3d
Create Date: 2026-11-28 17:50:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f16f0a1b2c3d'
down_revision = 'f16e0a1b2c3d'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        'CREATE STATISTICS st_section_judgements_evidence_length ON (length(trim(evidence))) FROM section_judgements'
    )
    # Statistics are gathered by ANALYZE (a sample of the table, seconds at a million audits); without
    # this they would wait for autovacuum.
    op.execute('ANALYZE section_judgements')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP STATISTICS IF EXISTS st_section_judgements_evidence_length')
