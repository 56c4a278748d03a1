"""choice and number answers and judgement areas

Questions may now be answered from a list of options the tool file gives (``choice``: the answer
stores ``option_id``, not ``choice``, which stays yes/no/not applicable) or with a whole number
(``number``, between the question's optional ``number_min`` and ``number_max``). The inspection
framework's judgement areas become a table, and tools and their sections say which areas they
evidence. Existing questions and answers are untouched; the areas are filled by ``load-tools``.

Downgrade keeps every question and answer: choice and number questions become text questions,
their answers written as the option's label or the number, and the areas are dropped.

Revision ID: c13a0a1b2c3d
Revises: 8d4f3b2a1c09
Create Date: 2026-11-28 11:35:00.789224

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c13a0a1b2c3d'
down_revision = '8d4f3b2a1c09'
branch_labels = None
depends_on = None

OLD_TYPES = "answer_type IN ('grade', 'yes_no_na', 'date', 'text')"
NEW_TYPES = "answer_type IN ('grade', 'yes_no_na', 'date', 'text', 'choice', 'number')"


def upgrade():
    op.create_table('judgement_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('framework', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judgement_areas')),
    sa.UniqueConstraint('key', name=op.f('uq_judgement_areas_key'))
    )
    op.create_table('audit_tool_judgement_areas',
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['judgement_areas.id'], name=op.f('fk_audit_tool_judgement_areas_area_id_judgement_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tool_id'], ['audit_tools.id'], name=op.f('fk_audit_tool_judgement_areas_tool_id_audit_tools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tool_id', 'area_id', name=op.f('pk_audit_tool_judgement_areas'))
    )
    op.create_table('tool_section_judgement_areas',
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['judgement_areas.id'], name=op.f('fk_tool_section_judgement_areas_area_id_judgement_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['tool_sections.id'], name=op.f('fk_tool_section_judgement_areas_section_id_tool_sections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('section_id', 'area_id', name=op.f('pk_tool_section_judgement_areas'))
    )
    op.create_table('tool_question_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['tool_questions.id'], name=op.f('fk_tool_question_options_question_id_tool_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tool_question_options')),
    sa.UniqueConstraint('question_id', 'key', name='uq_tool_question_options_question_key')
    )
    with op.batch_alter_table('tool_question_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tool_question_options_question_id'), ['question_id'], unique=False)

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('option_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('number_value', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_answers_option_id'), ['option_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_answers_option_id_tool_question_options'), 'tool_question_options', ['option_id'], ['id'])

    with op.batch_alter_table('tool_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_min', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('number_max', sa.Integer(), nullable=True))
        batch_op.drop_constraint(op.f('ck_tool_questions_known_answer_type'), type_='check')
        batch_op.create_check_constraint(op.f('ck_tool_questions_known_answer_type'), NEW_TYPES)


def downgrade():
    # Keep what was answered, in words: an option's label, or the number.
    op.execute(
        "UPDATE answers SET text_value = (SELECT label FROM tool_question_options"
        " WHERE tool_question_options.id = answers.option_id) WHERE option_id IS NOT NULL"
    )
    op.execute(
        "UPDATE answers SET text_value = CAST(number_value AS VARCHAR(20)) WHERE number_value IS NOT NULL"
    )
    op.execute("UPDATE tool_questions SET answer_type = 'text' WHERE answer_type IN ('choice', 'number')")

    with op.batch_alter_table('tool_questions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tool_questions_known_answer_type'), type_='check')
        batch_op.create_check_constraint(op.f('ck_tool_questions_known_answer_type'), OLD_TYPES)
        batch_op.drop_column('number_max')
        batch_op.drop_column('number_min')

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_answers_option_id_tool_question_options'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_answers_option_id'))
        batch_op.drop_column('number_value')
        batch_op.drop_column('option_id')

    with op.batch_alter_table('tool_question_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tool_question_options_question_id'))

    op.drop_table('tool_question_options')
    op.drop_table('tool_section_judgement_areas')
    op.drop_table('audit_tool_judgement_areas')
    op.drop_table('judgement_areas')
