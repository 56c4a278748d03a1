"""question answer summary: the yes/no and choice answers of completed audits counted per UK day and
month, by team, tool version, question and answer (issue 16), so the question figures cost the same
whatever the number of audits. Filled from what is already there, in this migration's transaction.

Revision ID: f16e0a1b2c3d
Revises: f16d0a1b2c3d
Create Date: 2026-11-28 15:35:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f16e0a1b2c3d"
down_revision = "f16d0a1b2c3d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_answer_rows",
        sa.Column("audit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("question_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("tool_version_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=3), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("audit_id", "question_id", name=op.f("pk_audit_answer_rows")),
    )
    op.create_table(
        "answer_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=5), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("tool_version_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=3), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("audits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_summary")),
        sa.UniqueConstraint(
            "period",
            "day",
            "team_id",
            "tool_version_id",
            "question_id",
            "choice",
            "option_id",
            name="uq_answer_summary_key",
        ),
    )
    from audit.domain.summaries import rebuild

    rebuild(op.get_bind(), only=("audit_answer_rows",))


def downgrade():
    op.drop_table("answer_summary")
    op.drop_table("audit_answer_rows")
