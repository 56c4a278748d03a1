"""The question figures (audit.reporting.questions) are read from the answer summary
(audit.models.summary_answers), kept by audit.domain.summaries. Randomised, with fixed seeds, on
both databases: after every change (submit with varied answers, amend an answer after submission,
an answer changed straight on a completed audit, a draft's autosave, moderate, cancel, delete under
retention) the summary equals a rebuild and the figures equal the old count from the answers
themselves, kept here as the oracle. A draft's autosave of its answers must not touch the summary.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import Integer, cast, func, select

from audit.domain import audit_answers, summaries
from audit.domain.audit_answers import AnswerValues, DraftValues, OverallValues
from audit.domain.audits import audit_with_everything
from audit.extensions import db
from audit.models import (
    Answer,
    AnswerSummary,
    AnswerType,
    Audit,
    AuditAnswerRow,
    AuditTool,
    AuditToolVersion,
    QuestionOption,
    ToolQuestion,
    ToolSection,
    User,
)
from audit.models.summaries import PERIODS
from audit.reporting import questions
from audit.reporting.figures import ReportScope
from tests.querycount import count_queries
from tests.test_grade_summary import (
    World,
    _cancel,
    _completed,
    _delete_under_retention,
    _grade_key_of,
    _moderate,
    _when,
)

# An amendment of the answers alone keeps the audit's own words (they are not posted).
KEEP_WORDS = frozenset(
    {"strengths", "areas_for_development", "child_family_feedback", "participants", "practitioner_reflection"}
)
EVERYTHING = ReportScope(date.today() - timedelta(days=800), date.today() + timedelta(days=1))


def _old_question_figures(scope: ReportScope) -> list[questions.QuestionFigure]:
    """The figures as counted before the summary: from the answers of the completed audits."""
    counted = (
        select(Answer.question_id, Answer.choice, Answer.option_id, func.count().label("audits"))
        .join(Audit, Audit.id == Answer.audit_id)
        .where(*scope.completed_audits())
        .group_by(Answer.question_id, Answer.choice, Answer.option_id)
        .subquery()
    )
    rows = db.session.execute(
        select(AuditTool.slug, ToolQuestion.key, counted.c.choice, QuestionOption.key)
        .add_columns(cast(func.sum(counted.c.audits), Integer))
        .select_from(counted)
        .join(ToolQuestion, ToolQuestion.id == counted.c.question_id)
        .join(ToolSection, ToolSection.id == ToolQuestion.section_id)
        .join(AuditToolVersion, AuditToolVersion.id == ToolSection.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .outerjoin(QuestionOption, QuestionOption.id == counted.c.option_id)
        .where(ToolQuestion.answer_type.in_(questions.COUNTED_TYPES), *scope.sections())
        .group_by(AuditTool.slug, ToolQuestion.key, counted.c.choice, QuestionOption.key)
    ).all()  # fmt: skip
    answers: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for slug, key, choice, option_key, audits in rows:
        value = option_key if option_key is not None else choice
        if value is not None:
            answers[(slug, key)][value] += int(audits or 0)
    if not answers:
        return []
    known = questions.known_questions(sorted({slug for slug, _key in answers}))
    return [
        questions._figure(question, answers[identity]) for identity, question in known.items() if identity in answers
    ]


def _scopes(world: World) -> list[ReportScope]:
    tool_id = db.session.scalar(select(AuditTool.id).where(AuditTool.slug == "child-protection"))
    theme = db.session.scalar(
        select(ToolSection.theme).join(ToolQuestion).where(ToolQuestion.answer_type == AnswerType.CHOICE.value).limit(1)
    )
    middle = ReportScope(date.today() - timedelta(days=200), date.today() - timedelta(days=17))  # edge days
    return [
        EVERYTHING,
        middle,
        replace(EVERYTHING, team_ids=(world.teams[0].id,)),
        replace(middle, tool_ids=(tool_id,)),
        replace(EVERYTHING, themes=(theme,)),
    ]


def _random_answers(audit: Audit, rng: random.Random, skip: float = 0.3) -> dict[int, AnswerValues]:
    """A varied answer to the audit's yes/no and choice questions, some (``skip``) left as they are."""
    found: dict[int, AnswerValues] = {}
    for section in audit.tool_version.sections:
        for question in section.questions:
            if rng.random() < skip:
                continue
            if question.answer_type == AnswerType.YES_NO_NA.value:
                found[question.id] = AnswerValues(choice=rng.choice(["yes", "no", "na"]), evidence="Seen.")
            elif question.answer_type == AnswerType.CHOICE.value:
                found[question.id] = AnswerValues(option=rng.choice(question.options).key, evidence="Seen.")
    return found


def _submit(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    audit = audit_with_everything(world.draft())
    auditor = db.session.get(User, audit.auditor_id)
    overall = OverallValues(
        grade=_grade_key_of(audit, audit.overall_grade_id), rationale="R.", above_inadequate_reason="Safe now."
    )
    values = DraftValues(
        answers=_random_answers(audit, world.rng),
        strengths="S.",
        areas_for_development="A.",
        overall=overall if audit.tool_version.asks_overall_grade else None,
    )
    audit_answers.save_draft(audit, values, auditor, audit.version)
    moment = _when(world.rng)
    monkeypatch.setattr(audit_answers, "utcnow", lambda: moment)
    assert audit_answers.submit(audit, auditor) == []
    monkeypatch.undo()


def _amend_answer(world: World) -> None:
    """Amend the answers of a completed audit, as a leader does after submission."""
    candidates = _completed()
    if not candidates:
        return
    audit = audit_with_everything(world.rng.choice(candidates).id)
    # Every one answered again: an answer blanked by _change_answer would refuse the amendment.
    values = DraftValues(answers=_random_answers(audit, world.rng, skip=0), keep=KEEP_WORDS)
    audit_answers.amend_if_complete(
        audit, values, db.session.get(User, world.leader.id), "Corrected", expected_version=audit.version
    )


def _change_answer(world: World) -> None:
    """An answer of a completed audit changed straight through the ORM, with no amendment, its audit
    loaded in the session or not: the flush alone must refresh it. Sometimes left blank."""
    candidates = _completed()
    if not candidates:
        return
    audit_id = world.rng.choice(candidates).id
    db.session.expire_all()  # the audit's status is not known to the session: looked up
    if world.rng.random() < 0.5:
        db.session.get(Audit, audit_id)  # known: no look-up
    answer = world.rng.choice(
        db.session.scalars(
            select(Answer)
            .join(ToolQuestion)
            .where(Answer.audit_id == audit_id, ToolQuestion.answer_type.in_(questions.COUNTED_TYPES))
        ).all()
    )
    if answer.question.answer_type == AnswerType.CHOICE.value:
        answer.option_id = world.rng.choice([None, *(option.id for option in answer.question.options)])
    else:
        answer.choice = world.rng.choice([None, "yes", "no", "na"])
    db.session.flush()


def _autosave(world: World) -> None:
    """A draft's autosave changing its answers sends nothing to the summaries."""
    audit = audit_with_everything(world.draft())
    values = DraftValues(answers=_random_answers(audit, world.rng), strengths="Typed.")
    with count_queries(world.app) as counted:
        assert audit_answers.save_draft(audit, values, db.session.get(User, audit.auditor_id), audit.version)
    assert not [statement for statement in counted.statements if "summary" in statement or "_rows" in statement]


OPERATIONS = [
    (_submit, 4),
    (_amend_answer, 3),
    (_change_answer, 2),
    (_autosave, 1),
    (_moderate, 2),
    (_cancel, 1),
    (_delete_under_retention, 1),
]


def _check(world: World, step: str) -> None:
    db.session.flush()
    assert summaries.differences() == [], step
    for scope in _scopes(world):
        assert questions.question_figures(scope) == _old_question_figures(scope), f"{step}: {scope}"


@pytest.mark.parametrize("seed", [1, 2])
def test_question_figures_from_the_summary_equal_the_count_from_the_answers(app, make, monkeypatch, seed):
    rng = random.Random(seed)
    world = World(app, make, rng)
    done = {operation.__name__: 0 for operation, _weight in OPERATIONS}
    for step in range(36):
        operation = rng.choices([op for op, _ in OPERATIONS], weights=[weight for _, weight in OPERATIONS])[0]
        with app.app_context():
            operation(world, monkeypatch) if operation is _submit else operation(world)
            db.session.commit()
            _check(world, f"step {step}: {operation.__name__}")
        done[operation.__name__] += 1
    assert all(done.values()), done  # every kind of change was made at least once
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditAnswerRow))
        found = questions.question_figures(EVERYTHING)
        assert {figure.key for figure in found}, "some question was answered"
        assert any(share.count for figure in found for share in figure.shares if figure.answer_type == "choice")


def test_an_amended_answer_moves_the_figure_and_a_drafts_answers_count_nothing(app, make, monkeypatch):
    world = World(app, make, random.Random(5))
    with app.app_context():
        _submit(world, monkeypatch)
        db.session.commit()
        audit = _completed()[0]
        question = db.session.scalars(
            select(ToolQuestion)
            .join(ToolSection)
            .where(
                ToolSection.tool_version_id == audit.tool_version_id,
                ToolQuestion.answer_type == AnswerType.YES_NO_NA.value,
            )
        ).first()
        amended = audit_with_everything(audit.id)
        audit_answers.amend_if_complete(
            amended,
            DraftValues(answers={question.id: AnswerValues(choice="no", evidence="Not seen.")}, keep=KEEP_WORDS),
            db.session.get(User, world.leader.id),
            "Corrected",
            expected_version=amended.version,
        )
        db.session.commit()
        slug = audit.tool_version.tool.slug
        figure = next(f for f in questions.question_figures(EVERYTHING) if (f.tool_slug, f.key) == (slug, question.key))
        assert (figure.share("yes").count, figure.share("no").count) == (0, 1)  # type: ignore[union-attr]
        kept = db.session.scalars(select(AnswerSummary).where(AnswerSummary.question_id == question.id)).all()
        assert {(row.period, row.choice, row.audits) for row in kept} == {(period, "no", 1) for period in PERIODS}

        world.draft()  # answered yes throughout, not submitted
        db.session.commit()
        assert questions.question_figures(EVERYTHING) == _old_question_figures(EVERYTHING)
        assert db.session.scalar(select(func.count(AuditAnswerRow.audit_id.distinct()))) == 1
        assert summaries.differences() == []
