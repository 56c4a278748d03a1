"""The audits behind a figure: the list a leader opens from a percentage on the dashboard.

Each figure counts audits (unit: audits), so its list is the audits it counted, by the same rule:

- for a theme, the audits in scope that graded the theme, with the theme's final grade (the worst
  final grade of the audit's sections of that theme, not applicable not counted: ``THEME_ONCE_RULE``);
- without a theme, the audits in scope with a final overall grade, with that grade;
- narrowed, if asked, to the good-or-better grades (the figure's numerator) or the others, and to a
  group of the child's characteristics (``equality``).

Two queries a page, whatever the number of audits: the count and the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from audit.clock import to_local
from audit.extensions import db
from audit.models import (
    Audit,
    AuditTool,
    AuditToolVersion,
    Case,
    Moderation,
    ScaleGrade,
    SectionJudgement,
    Team,
    ToolSection,
    User,
)
from audit.reporting import final_grades
from audit.reporting.equality import CHARACTERISTICS
from audit.reporting.figures import ReportScope

PAGE_SIZE = 50
GradeChoice = Literal["good-or-better", "not-good"]
GRADE_CHOICES: tuple[GradeChoice, ...] = ("good-or-better", "not-good")


@dataclass(frozen=True)
class FigureFilter:
    """Which figure's audits: a theme's or the overall grade's, and which of them."""

    theme: str | None = None  # None: the final overall grade
    grade: GradeChoice | None = None  # None: every audit the figure counted
    characteristic: str | None = None  # "ethnicity", "disability", "age_band" or "gender"
    group: str | None = None  # the value recorded on the case; None with a characteristic: not recorded


@dataclass(frozen=True)
class AuditBehind:
    audit_id: int
    reference: str
    team: str
    tool: str
    submitted_on: date  # the UK date
    grade: str  # the final grade counted: the theme's or the overall one
    good_or_better: bool


@dataclass(frozen=True)
class AuditsBehindPage:
    audits: list[AuditBehind]
    total: int
    page: int
    pages: int


def _characteristic(key: str, group: str | None) -> ColumnElement[bool]:
    column = {name: column for name, _label, column in CHARACTERISTICS}[key]
    if group is None:
        return or_(column.is_(None), func.trim(column) == "")
    return func.trim(column) == group


def _graded(scope: ReportScope, figure: FigureFilter) -> Any:
    """A subquery of (audit_id, grade_id): each audit the figure counted and its final grade."""
    if figure.theme is None:
        return (
            select(Audit.id.label("audit_id"), final_grades.FINAL_OVERALL_GRADE_ID.label("grade_id"))
            .select_from(Audit)
            .outerjoin(Moderation, Moderation.audit_id == Audit.id)
            .where(*scope.completed_audits(), final_grades.FINAL_OVERALL_GRADE_ID.is_not(None))
            .subquery()
        )
    # The worst final grade of the audit's sections of the theme, named again on the tool's scale.
    grade = aliased(ScaleGrade)
    worst = (
        final_grades.with_moderation(
            select(
                SectionJudgement.audit_id,
                Audit.tool_version_id,
                func.max(grade.position).label("worst"),
            )
            .select_from(SectionJudgement)
            .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
            .join(Audit, Audit.id == SectionJudgement.audit_id)
        )
        .join(grade, grade.id == final_grades.FINAL_SECTION_GRADE_ID)
        .where(ToolSection.theme == figure.theme, *scope.completed_audits())
        .group_by(SectionJudgement.audit_id, Audit.tool_version_id)
        .subquery()
    )
    named = aliased(ScaleGrade)
    return (
        select(worst.c.audit_id, named.id.label("grade_id"))
        .select_from(worst)
        .join(AuditToolVersion, AuditToolVersion.id == worst.c.tool_version_id)
        .join(named, and_(named.scale_id == AuditToolVersion.scale_id, named.position == worst.c.worst))
        .subquery()
    )


def _query(scope: ReportScope, figure: FigureFilter, viewer: User, *columns: Any) -> Select[Any]:
    graded = _graded(scope, figure)
    query = (
        select(*columns)
        .select_from(graded)
        .join(Audit, Audit.id == graded.c.audit_id)
        .join(ScaleGrade, ScaleGrade.id == graded.c.grade_id)
        .join(Case, Case.id == Audit.case_id)
    )
    conditions: list[ColumnElement[bool]] = []
    if not viewer.is_service_wide:
        conditions.append(Audit.team_id == viewer.team_id)
    if figure.grade is not None:
        conditions.append(ScaleGrade.good_or_better.is_(figure.grade == "good-or-better"))
    if figure.characteristic is not None:
        conditions.append(_characteristic(figure.characteristic, figure.group))
    return query.where(*conditions)


def audits_behind(scope: ReportScope, figure: FigureFilter, viewer: User, page: int = 1) -> AuditsBehindPage:
    """A page of the audits the figure counted that ``viewer`` may see, most recent first."""
    total = int(db.session.execute(_query(scope, figure, viewer, func.count())).scalar_one())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        _query(
            scope,
            figure,
            viewer,
            Audit.id,
            Case.reference,
            Team.name,
            AuditTool.name,
            Audit.submitted_at,
            ScaleGrade.label,
            ScaleGrade.good_or_better,
        )
        .join(Team, Team.id == Audit.team_id)
        .join(AuditToolVersion, AuditToolVersion.id == Audit.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .order_by(Audit.submitted_at.desc(), Audit.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return AuditsBehindPage(
        [
            AuditBehind(audit_id, reference, team, tool, to_local(submitted).date(), grade, bool(good))
            for audit_id, reference, team, tool, submitted, grade, good in rows
        ],
        total,
        page,
        pages,
    )
