"""What the themed report quotes: auditors' evidence for the strongest and weakest section grades
of each theme, and examples of the actions arising. Each item carries the case reference, never a
name; the audit tools ask auditors to write evidence without names.

Grades are final grades (the moderator's where the section was moderated, as every figure counts
them), so evidence a moderator graded below good is not quoted as a strength; the auditor's grade
is kept beside it where the two differ.

Each is one query for every theme at once: a window function numbers the candidates within their
theme and the query keeps the first few, so the number of queries does not grow with the themes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Subquery, and_, case, func, select
from sqlalchemy.orm import aliased

from audit.clock import to_local
from audit.extensions import db
from audit.models import Action, Audit, Case, ScaleGrade, SectionJudgement, Team, ToolSection, User
from audit.reporting.figures import ActionFigures, ReportScope
from audit.reporting.figures import _action_counts as action_counts
from audit.reporting.figures import _action_figures as action_figures_from
from audit.reporting.final_grades import FINAL_SECTION_GRADE_ID, with_moderation

QUOTES_PER_THEME = 3
ACTIONS_PER_THEME = 4


@dataclass(frozen=True)
class Quote:
    audit_id: int
    case_id: int
    case_reference: str
    team: str
    grade: str  # the final grade
    text: str
    submitted_on: date
    auditor_grade: str | None = None  # the auditor's, where a moderator gave a different one
    judgement_id: int = 0  # the section judgement quoted: what a lead chooses or excludes
    good_or_better: bool = False  # by the final grade: a strength, else an area for development


@dataclass
class ThemeEvidence:
    strengths: list[Quote] = field(default_factory=list)
    areas: list[Quote] = field(default_factory=list)


def theme_evidence(scope: ReportScope, per_theme: int = QUOTES_PER_THEME) -> dict[str, ThemeEvidence]:
    """Per theme, up to ``per_theme`` strengths (good or better, the best grades first) and areas for
    development (below good, the weakest first), the most recent first within a grade."""
    has_text = and_(SectionJudgement.evidence.is_not(None), func.length(func.trim(SectionJudgement.evidence)) > 0)
    # Strengths rank the best grade (lowest position) first; areas the weakest (highest) first.
    rank_position = case((ScaleGrade.good_or_better, ScaleGrade.position), else_=-ScaleGrade.position)
    # Ranked on the judgements alone; the case and team are looked up for the few quoted.
    judged = (
        select(
            ToolSection.theme.label("theme"),
            ScaleGrade.good_or_better.label("good"),
            FINAL_SECTION_GRADE_ID.label("grade_id"),
            SectionJudgement.grade_id.label("auditor_grade_id"),
            SectionJudgement.evidence.label("text"),
            SectionJudgement.audit_id.label("audit_id"),
            Audit.submitted_at.label("submitted_at"),
            rank_position.label("rank_position"),
            SectionJudgement.id.label("judgement_id"),
            # The same words copied into several audits are quoted once, from the latest audit.
            func.row_number()
            .over(
                partition_by=(ToolSection.theme, ScaleGrade.good_or_better, SectionJudgement.evidence),
                order_by=(rank_position, Audit.submitted_at.desc(), SectionJudgement.id.desc()),
            )
            .label("copy"),
        )
        .select_from(SectionJudgement)
        .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
        .join(Audit, Audit.id == SectionJudgement.audit_id)
    )
    candidates = (
        with_moderation(judged)
        .join(ScaleGrade, ScaleGrade.id == FINAL_SECTION_GRADE_ID)
        .where(has_text, *scope.completed_audits(), *scope.sections())
        .subquery()
    )
    ranked = (
        select(
            candidates,
            func.row_number()
            .over(
                partition_by=(candidates.c.theme, candidates.c.good),
                order_by=(
                    candidates.c.rank_position,
                    candidates.c.submitted_at.desc(),
                    candidates.c.judgement_id.desc(),
                ),
            )
            .label("rank"),
        )
        .where(candidates.c.copy == 1)
        .subquery()
    )
    auditor_grade = aliased(ScaleGrade)
    rows = db.session.execute(
        select(
            ranked,
            ScaleGrade.label.label("grade"),
            auditor_grade.label.label("auditor_grade"),
            Audit.case_id,
            Case.reference,
            Team.name.label("team"),
        )
        .join(ScaleGrade, ScaleGrade.id == ranked.c.grade_id)
        .outerjoin(auditor_grade, auditor_grade.id == ranked.c.auditor_grade_id)
        .join(Audit, Audit.id == ranked.c.audit_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .where(ranked.c.rank <= per_theme)
        .order_by(ranked.c.theme, ranked.c.good.desc(), ranked.c.rank)
    ).all()
    found: dict[str, ThemeEvidence] = defaultdict(ThemeEvidence)
    for row in rows:
        differs = row.auditor_grade_id != row.grade_id
        quote = Quote(
            row.audit_id,
            row.case_id,
            row.reference,
            row.team,
            row.grade,
            row.text.strip(),
            _day(row.submitted_at),
            (row.auditor_grade or "not graded") if differs else None,
            judgement_id=row.judgement_id,
            good_or_better=bool(row.good),
        )
        (found[row.theme].strengths if row.good else found[row.theme].areas).append(quote)
    return dict(found)


@dataclass(frozen=True)
class ActionExample:
    audit_id: int
    case_id: int
    case_reference: str
    description: str
    owner: str
    due_date: date
    completed: bool


def audit_action_theme(scope: ReportScope) -> Subquery:
    """A subquery of (theme, audit_id): for each audit in scope that graded a theme below good, the
    one theme its actions are shown under: the theme it graded lowest (final grades), the first
    such section in the tool where several tie.

    An action belongs to its audit, not to a section; counting an audit's actions under every theme
    it graded below good repeated the same actions under each of them (issue 14), so each audit's
    actions are given to one theme, by the rule ``ACTION_THEME_RULE`` says in words."""
    weak = (
        with_moderation(
            select(
                ToolSection.theme.label("theme"),
                SectionJudgement.audit_id.label("audit_id"),
                func.row_number()
                .over(
                    partition_by=SectionJudgement.audit_id,
                    order_by=(ScaleGrade.position.desc(), ToolSection.position, ToolSection.id),
                )
                .label("rank"),
            )
            .select_from(SectionJudgement)
            .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
            .join(Audit, Audit.id == SectionJudgement.audit_id)
        )
        .join(ScaleGrade, ScaleGrade.id == FINAL_SECTION_GRADE_ID)
        .where(ScaleGrade.good_or_better.is_(False), *scope.completed_audits(), *scope.sections())
        .subquery()
    )
    return select(weak.c.theme, weak.c.audit_id).where(weak.c.rank == 1).subquery()


ACTION_THEME_RULE = (
    "An action belongs to an audit, not to one section, so each audit's actions are shown under one theme "
    "only: the theme that audit graded lowest (final grades; the first such section of the tool where two "
    "tie). Actions are never repeated under several themes."
)


def theme_actions(scope: ReportScope) -> dict[str, ActionFigures]:
    """Per theme, the actions of the audits whose lowest-graded theme it is (``audit_action_theme``):
    each action counted under one theme."""
    owned = audit_action_theme(scope)
    rows = db.session.execute(
        select(owned.c.theme, *action_counts())
        .select_from(owned)
        .join(Action, Action.audit_id == owned.c.audit_id)
        .group_by(owned.c.theme)
    ).all()
    return {theme: action_figures_from(*counts) for theme, *counts in rows}


def theme_action_examples(scope: ReportScope, per_theme: int = ACTIONS_PER_THEME) -> dict[str, list[ActionExample]]:
    """Per theme, a few of the actions ``theme_actions`` counts under it: open ones first, the
    soonest due first."""
    weak = audit_action_theme(scope)
    # Ranked on the actions alone (no description carried through the sort); the few kept are
    # then looked up with their case and owner.
    ranked = (
        select(
            weak.c.theme,
            Action.id.label("action_id"),
            func.row_number()
            .over(
                partition_by=weak.c.theme,
                order_by=(Action.completed_at.is_not(None), Action.due_date, Action.id),
            )
            .label("rank"),
        )
        .select_from(weak)
        .join(Action, Action.audit_id == weak.c.audit_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            ranked.c.theme,
            Audit.id.label("audit_id"),
            Audit.case_id,
            Case.reference,
            Action.description,
            User.name.label("owner"),
            Action.due_date,
            Action.completed_at,
        )
        .select_from(ranked)
        .join(Action, Action.id == ranked.c.action_id)
        .join(Audit, Audit.id == Action.audit_id)
        .join(Case, Case.id == Audit.case_id)
        .join(User, User.id == Action.owner_id)
        .where(ranked.c.rank <= per_theme)
        .order_by(ranked.c.theme, ranked.c.rank)
    ).all()
    found: dict[str, list[ActionExample]] = defaultdict(list)
    for row in rows:
        found[row.theme].append(
            ActionExample(
                row.audit_id,
                row.case_id,
                row.reference,
                row.description,
                row.owner,
                row.due_date,
                row.completed_at is not None,
            )
        )
    return dict(found)


def _day(value: datetime | None) -> date:
    return to_local(value).date() if value else date.min
