"""The audits behind a figure: the list a leader opens from a percentage on the dashboard.

Each figure counts audits (unit: audits), so its list is the audits it counted, by the same rule
and from the same place: the grade summary (``audit.domain.summaries``), whose rows per audit
(``audit_grade_rows``) the figures add up (``grade_summary``).

- for a theme, the audits in scope that graded the theme, with the theme's final grade (the worst
  final grade of the audit's sections of that theme, not applicable not counted: ``THEME_ONCE_RULE``):
  each audit's row for the theme, kept under the theme's first section in its tool version;
- without a theme, the audits in scope with a final overall grade, with that grade (the row of
  section ``OVERALL``);
- narrowed, if asked, to the good-or-better grades (the figure's numerator) or the others, and to a
  group of the child's characteristics (``equality``).

Most recent first: by the UK day of submission, newest first, and within one day by audit id,
highest first (the rows carry the day, not the time, so the newest page is read from the end of an
index on (section, day, audit), not sorted from the whole period).

Three queries a page, whatever the number of audits: the theme's sections, the count and the page.
The count is read from the period counts, as the figure is, except with a characteristic
(the counts do not carry the child's characteristics): then it counts the period's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, func, or_, select, union_all

from audit.domain.bounded import page_within
from audit.extensions import db
from audit.models import (
    Audit,
    AuditGradeRow,
    AuditTool,
    AuditToolVersion,
    Case,
    GradeSummary,
    ScaleGrade,
    Team,
    ToolSection,
    User,
)
from audit.models.summaries import NO_GRADE, OVERALL
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


def _section_ids(scope: ReportScope, figure: FigureFilter) -> list[int]:
    """The summary's section ids the figure reads: ``OVERALL``, or the sections of the theme (the
    theme's rows are under its first section in each tool version) of the tools asked for."""
    if figure.theme is None:
        return [OVERALL]
    query = select(ToolSection.id).where(ToolSection.theme == figure.theme).order_by(ToolSection.id)
    if scope.tool_ids:
        versions = select(AuditToolVersion.id).where(AuditToolVersion.tool_id.in_(scope.tool_ids))
        query = query.where(ToolSection.tool_version_id.in_(versions))
    return list(db.session.scalars(query))


def _counted(
    summary: type[AuditGradeRow] | type[GradeSummary], figure: FigureFilter, viewer: User
) -> list[ColumnElement[bool]]:
    """Conditions on the summary's rows or counts, beyond the period and the scope's filters: a
    final grade (not applicable is not counted), the viewer's team, good or better if asked."""
    conditions: list[ColumnElement[bool]] = [summary.final_grade_id != NO_GRADE]
    if not viewer.is_service_wide:
        conditions.append(summary.team_id == viewer.team_id)
    if figure.grade is not None:
        good = select(ScaleGrade.id).where(ScaleGrade.good_or_better.is_(figure.grade == "good-or-better"))
        conditions.append(summary.final_grade_id.in_(good))
    return conditions


def _in_scope(scope: ReportScope) -> list[ColumnElement[bool]]:
    """Conditions on ``audit_grade_rows`` for the audits in scope, as ``ReportScope.summarised``
    puts them on the counts: the UK days, the teams, the tools and the themes asked for."""
    row = AuditGradeRow
    conditions: list[ColumnElement[bool]] = [row.day >= scope.start, row.day <= scope.end]
    if scope.team_ids:
        conditions.append(row.team_id.in_(scope.team_ids))
    if scope.tool_ids:
        versions = select(AuditToolVersion.id).where(AuditToolVersion.tool_id.in_(scope.tool_ids))
        conditions.append(row.tool_version_id.in_(versions))
    if scope.themes:  # the audit's tool covers one of the themes
        covering = select(ToolSection.tool_version_id).where(ToolSection.theme.in_(scope.themes))
        conditions.append(row.tool_version_id.in_(covering))
    return conditions


def _case_records(figure: FigureFilter, audit_id: Any) -> ColumnElement[bool]:
    """The audit's case records the figure's group, looked up for each row in turn: a correlated
    subquery, so that PostgreSQL walks the index newest first and stops at the page, instead of
    joining every case of the group (it guesses the group small) and sorting the period."""
    assert figure.characteristic is not None
    column = {name: column for name, _label, column in CHARACTERISTICS}[figure.characteristic]
    recorded = (
        select(func.coalesce(func.trim(column), ""))
        .join(Audit, Audit.case_id == Case.id)
        .where(Audit.id == audit_id)
        .scalar_subquery()
    )
    return recorded == (figure.group or "")


def _of_group(figure: FigureFilter) -> Select[Any]:
    """The audits whose case records the figure's group of a characteristic."""
    assert figure.characteristic is not None
    return (
        select(Audit.id)
        .join(Case, Case.id == Audit.case_id)
        .where(_characteristic(figure.characteristic, figure.group))
    )


def _total(scope: ReportScope, figure: FigureFilter, viewer: User, section_ids: list[int]) -> int:
    """How many audits the list holds: from the period counts, as the figure is counted,
    unless a characteristic of the child narrows it (the counts do not carry them)."""
    if not section_ids:
        return 0
    if figure.characteristic is None:
        summary = GradeSummary
        query = select(func.sum(summary.audits)).where(
            *scope.summarised(summary), summary.section_id.in_(section_ids), *_counted(summary, figure, viewer)
        )
    else:
        # The group's audits as a set of ids, found from the cases once: SQLite reads each row's
        # audit and case otherwise (0.5 s, not 0.05 s, over 85,000 rows).
        row = AuditGradeRow
        query = select(func.count()).where(
            row.section_id.in_(section_ids),
            *_in_scope(scope),
            *_counted(row, figure, viewer),
            row.audit_id.in_(_of_group(figure)),
        )
    return int(db.session.execute(query).scalar() or 0)


def _page(scope: ReportScope, figure: FigureFilter, viewer: User, section_ids: list[int], page: int) -> Select[Any]:
    """One page of the rows, newest first: each section's newest ``page`` pages read from the end of
    the (section, day, audit) index, then merged, so no page sorts the whole period."""
    row = AuditGradeRow
    newest = []
    for section_id in section_ids:
        part = select(row.audit_id, row.day, row.final_grade_id).where(
            row.section_id == section_id, *_in_scope(scope), *_counted(row, figure, viewer)
        )
        if figure.characteristic is not None:
            part = part.where(_case_records(figure, row.audit_id))
        newest.append(part.order_by(row.day.desc(), row.audit_id.desc()).limit(page * PAGE_SIZE).subquery())
    merged = union_all(*(select(*part.c) for part in newest)).subquery()
    return (
        select(
            Audit.id,
            Case.reference,
            Team.name,
            AuditTool.name,
            merged.c.day,
            ScaleGrade.label,
            ScaleGrade.good_or_better,
        )
        .select_from(merged)
        .join(Audit, Audit.id == merged.c.audit_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(AuditToolVersion, AuditToolVersion.id == Audit.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .join(ScaleGrade, ScaleGrade.id == merged.c.final_grade_id)
        .order_by(merged.c.day.desc(), merged.c.audit_id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )


def audits_behind(scope: ReportScope, figure: FigureFilter, viewer: User, page: int = 1) -> AuditsBehindPage:
    """A page of the audits the figure counted that ``viewer`` may see, most recent first."""
    section_ids = _section_ids(scope, figure)
    total = _total(scope, figure, viewer, section_ids)
    page, pages = page_within(total, page, PAGE_SIZE)
    rows = db.session.execute(_page(scope, figure, viewer, section_ids, page)).all() if total else []
    return AuditsBehindPage(
        [
            AuditBehind(audit_id, reference, team, tool, _date(day), grade, bool(good))
            for audit_id, reference, team, tool, day, grade, good in rows
        ],
        total,
        page,
        pages,
    )


def _date(value: date | str) -> date:
    """A day read through a union: SQLite may give it back as text."""
    return value if isinstance(value, date) else date.fromisoformat(value)
