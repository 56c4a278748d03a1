"""The figures of the audit reports: one function per figure, each computed in SQL with GROUP BY.

The dashboard, and later the PDF report, CSV and improvement plan, call these functions and
nothing else, so each figure is worked out in one place. Every function takes a ``ReportScope``:
the audits completed (submitted or moderated) with ``submitted_at`` in the date range, optionally
narrowed to teams, tools and themes. A percentage with nothing to count is ``None``, never an error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, Subquery, and_, case, cast, exists, func, select
from sqlalchemy.orm import aliased

from audit.clock import today
from audit.domain.audits import OPEN_STATUSES
from audit.extensions import db
from audit.models import (
    Action,
    Audit,
    AuditStatus,
    AuditToolVersion,
    ScaleGrade,
    SectionJudgement,
    Team,
    ToolSection,
)

COMPLETED = (AuditStatus.SUBMITTED.value, AuditStatus.MODERATED.value)
OPEN = tuple(status.value for status in OPEN_STATUSES)  # the domain's rule: one meaning of "open"


def percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` to one decimal place; None when there is nothing."""
    return round(100 * part / whole, 1) if whole else None


def percent_good_or_better(good_or_better: int, graded: int) -> float | None:
    """The headline measure: grades counted as good or better over graded answers (N/A excluded)."""
    return percent(good_or_better, graded)


@dataclass(frozen=True)
class ReportScope:
    start: date  # inclusive
    end: date  # inclusive
    team_ids: tuple[int, ...] = ()
    tool_ids: tuple[int, ...] = ()
    themes: tuple[str, ...] = ()

    def previous(self) -> ReportScope:
        """The period of the same length just before this one, with the same filters."""
        length = self.end - self.start + timedelta(days=1)
        return replace(self, start=self.start - length, end=self.start - timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def filters(self) -> dict[str, object]:
        """The scope as the filters a download records."""
        return {
            "from": self.start,
            "to": self.end,
            "team_ids": ",".join(map(str, self.team_ids)),
            "tool_ids": ",".join(map(str, self.tool_ids)),
            "themes": "; ".join(self.themes),
        }

    def completed_audits(self) -> list[ColumnElement[bool]]:
        """Conditions on ``Audit``: completed within the dates, in the teams and tools asked for."""
        return [
            Audit.status.in_(COMPLETED),
            Audit.submitted_at >= datetime.combine(self.start, time.min),
            Audit.submitted_at < datetime.combine(self.end + timedelta(days=1), time.min),
            *self.teams_and_tools(),
        ]

    def teams_and_tools(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.team_ids:
            conditions.append(Audit.team_id.in_(self.team_ids))
        if self.tool_ids:
            versions = select(AuditToolVersion.id).where(AuditToolVersion.tool_id.in_(self.tool_ids))
            conditions.append(Audit.tool_version_id.in_(versions))
        if self.themes:
            # An audit-level figure counts audits whose tool covers one of the themes.
            section = aliased(ToolSection)
            conditions.append(
                exists().where(section.tool_version_id == Audit.tool_version_id, section.theme.in_(self.themes))
            )
        return conditions

    def sections(self) -> list[ColumnElement[bool]]:
        """Conditions on ``ToolSection`` for the themes asked for."""
        return [ToolSection.theme.in_(self.themes)] if self.themes else []


# Grade distributions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeCount:
    key: str
    label: str
    position: int  # 0 is the best grade
    good_or_better: bool
    count: int


@dataclass(frozen=True)
class GradeDistribution:
    """How often each grade was given, with "not applicable" (or not graded) counted apart."""

    name: str  # the theme, team or "Overall"
    grades: list[GradeCount] = field(default_factory=list)
    not_applicable: int = 0

    @property
    def graded(self) -> int:
        return sum(grade.count for grade in self.grades)

    @property
    def good_or_better(self) -> int:
        return sum(grade.count for grade in self.grades if grade.good_or_better)

    @property
    def percent_good_or_better(self) -> float | None:
        return percent_good_or_better(self.good_or_better, self.graded)


def _distributions(
    rows: Iterable[tuple[str, str | None, str | None, int | None, bool | None, int]],
) -> list[GradeDistribution]:
    """Fold (name, grade key, label, position, good_or_better, count) rows into distributions;
    a row without a grade is the name's not-applicable count."""
    grades: dict[str, list[GradeCount]] = defaultdict(list)
    not_applicable: dict[str, int] = defaultdict(int)
    for name, key, label, position, good, count in rows:
        if key is None:
            not_applicable[name] += count
        else:
            grades[name].append(GradeCount(key, label or key, position or 0, bool(good), count))
    names = sorted(set(grades) | set(not_applicable))
    return [
        GradeDistribution(
            name,
            sorted(grades[name], key=lambda grade: (grade.position, grade.label)),
            not_applicable[name],
        )
        for name in names
    ]


def theme_grades(scope: ReportScope) -> list[GradeDistribution]:
    """Per theme, the count of each section grade the auditors gave, and N/A apart."""
    # Counted per section and grade id first, then named: looking up every judgement's section and
    # grade rows costs more than counting them. "audit_id + 0" keeps SQLite from reading the
    # judgements audit by audit (and then sorting them all to group them): it reads the section
    # and grade index in its own order and tests each audit_id against the audits in scope.
    counted = (
        select(
            SectionJudgement.section_id,
            SectionJudgement.grade_id,
            func.count(SectionJudgement.id).label("count"),
        )
        .where((SectionJudgement.audit_id + 0).in_(select(Audit.id).where(*scope.completed_audits())))
        .where((SectionJudgement.grade_id.is_not(None)) | SectionJudgement.not_applicable)
        .group_by(SectionJudgement.section_id, SectionJudgement.grade_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            ToolSection.theme,
            ScaleGrade.key,
            ScaleGrade.label,
            ScaleGrade.position,
            ScaleGrade.good_or_better,
            cast(func.sum(counted.c.count), Integer),
        )
        .select_from(counted)
        .join(ToolSection, ToolSection.id == counted.c.section_id)
        .outerjoin(ScaleGrade, ScaleGrade.id == counted.c.grade_id)
        .where(*scope.sections())
        .group_by(ToolSection.theme, ScaleGrade.key, ScaleGrade.label, ScaleGrade.position, ScaleGrade.good_or_better)
    ).all()
    return _distributions(rows)


def overall_grades(scope: ReportScope) -> GradeDistribution:
    """The audits' overall grades; audits without one (the tool does not ask) count apart."""
    rows = db.session.execute(
        select(
            ScaleGrade.key,
            ScaleGrade.label,
            ScaleGrade.position,
            ScaleGrade.good_or_better,
            func.count(Audit.id),
        )
        .select_from(Audit)
        .outerjoin(ScaleGrade, ScaleGrade.id == Audit.overall_grade_id)
        .where(*scope.completed_audits())
        .group_by(ScaleGrade.key, ScaleGrade.label, ScaleGrade.position, ScaleGrade.good_or_better)
    ).all()
    found = _distributions([("Overall", *row) for row in rows])
    return found[0] if found else GradeDistribution("Overall")


# Good or better over time and by team -----------------------------------------------------------


@dataclass(frozen=True)
class GoodOrBetter:
    theme: str
    group: str  # the period ("2026-03", "2026 Q1") or the team's name
    good_or_better: int
    graded: int

    @property
    def percent_good_or_better(self) -> float | None:
        return percent_good_or_better(self.good_or_better, self.graded)


def _graded_counts(scope: ReportScope, *keys: ColumnElement[Any]) -> Subquery:
    """A subquery of the graded section judgements of the audits in scope, counted per section id
    and ``keys`` (labelled expressions on ``Audit``): section_id, the keys, ``good`` and ``graded``.

    Grouped by ids and named afterwards by the caller: looking up each judgement's section and
    grade rows costs more than the counting (bench/reports.py, 100,000 audits)."""
    good_grades = select(ScaleGrade.id).where(ScaleGrade.good_or_better)
    return (
        select(
            SectionJudgement.section_id,
            *keys,
            func.sum(case((SectionJudgement.grade_id.in_(good_grades), 1), else_=0)).label("good"),
            func.count(SectionJudgement.id).label("graded"),
        )
        .join(Audit, Audit.id == SectionJudgement.audit_id)
        .where(SectionJudgement.grade_id.is_not(None), *scope.completed_audits())
        .group_by(SectionJudgement.section_id, *keys)
        .subquery()
    )


def period_key(year: int, month: int, by: Literal["month", "quarter"]) -> str:
    """The trend's key for a month: "2026-03" by month, "2026 Q1" by quarter (sorts in time order)."""
    return f"{year}-{month:02d}" if by == "month" else f"{year} Q{(month - 1) // 3 + 1}"


def theme_trend(scope: ReportScope, by: Literal["month", "quarter"] = "month") -> list[GoodOrBetter]:
    """% good or better per theme per month or quarter of submission, oldest first."""
    # Counted per day first (date() is the same function on SQLite and PostgreSQL), then by month:
    # one date per judgement costs less than a year and a month, and (section, day) counts are few.
    counted = _graded_counts(scope, func.date(Audit.submitted_at).label("day"))
    year = func.extract("year", counted.c.day)
    month = func.extract("month", counted.c.day)
    rows = db.session.execute(
        select(ToolSection.theme, year, month, func.sum(counted.c.good), func.sum(counted.c.graded))
        .select_from(counted)
        .join(ToolSection, ToolSection.id == counted.c.section_id)
        .where(*scope.sections())
        .group_by(ToolSection.theme, year, month)
    ).all()
    # The months are grouped in SQL; folding at most twelve month totals a year into quarters here
    # keeps the SQL the same on SQLite and PostgreSQL.
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for theme, row_year, row_month, good, graded in rows:
        row_year, row_month = int(row_year), int(row_month)
        period = period_key(row_year, row_month, by)
        totals[(theme, period)][0] += int(good or 0)
        totals[(theme, period)][1] += int(graded)
    return [GoodOrBetter(theme, period, good, graded) for (theme, period), (good, graded) in sorted(totals.items())]


def theme_by_team(scope: ReportScope) -> list[GoodOrBetter]:
    """% good or better per theme per team (the audit's team)."""
    counted = _graded_counts(scope, Audit.team_id.label("team_id"))
    rows = db.session.execute(
        select(ToolSection.theme, Team.name, func.sum(counted.c.good), func.sum(counted.c.graded))
        .select_from(counted)
        .join(ToolSection, ToolSection.id == counted.c.section_id)
        .join(Team, Team.id == counted.c.team_id)
        .where(*scope.sections())
        .group_by(ToolSection.theme, Team.id, Team.name)
        .order_by(ToolSection.theme, Team.name)
    ).all()
    return [GoodOrBetter(theme, team, int(good or 0), int(graded)) for theme, team, good, graded in rows]


# Audit and action counts ------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditCounts:
    completed: int
    moderated: int
    in_progress: int  # open now (not started or a draft), in the teams and tools asked for
    overdue: int  # open and past its due date

    @property
    def percent_moderated(self) -> float | None:
        return percent(self.moderated, self.completed)


def audit_counts(scope: ReportScope) -> AuditCounts:
    """Completed audits in the period and how many were moderated; and the audits open today.
    An open audit has no submitted date, so open and overdue are as at today, not the period."""
    completed, moderated = db.session.execute(
        select(
            func.count(Audit.id),
            func.sum(case((Audit.status == AuditStatus.MODERATED.value, 1), else_=0)),
        ).where(*scope.completed_audits())
    ).one()
    open_now, overdue = db.session.execute(
        select(
            func.count(Audit.id),
            func.sum(case((and_(Audit.due_date.is_not(None), Audit.due_date < today()), 1), else_=0)),
        ).where(Audit.status.in_(OPEN), *scope.teams_and_tools())
    ).one()
    return AuditCounts(int(completed), int(moderated or 0), int(open_now), int(overdue or 0))


@dataclass(frozen=True)
class ActionFigures:
    total: int
    open: int
    overdue: int  # open and past its due date
    completed: int
    completed_on_time: int

    @property
    def percent_on_time(self) -> float | None:
        return percent(self.completed_on_time, self.completed)


def _action_counts() -> tuple[ColumnElement[int], ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    """count, open, overdue, completed on time: the columns every action figure adds up."""
    is_open = Action.completed_at.is_(None)
    # date() of a timestamp is the same function on SQLite and PostgreSQL.
    on_time = and_(Action.completed_at.is_not(None), func.date(Action.completed_at) <= Action.due_date)
    return (
        func.count(Action.id),
        func.sum(case((is_open, 1), else_=0)),
        func.sum(case((and_(is_open, Action.due_date < today()), 1), else_=0)),
        func.sum(case((on_time, 1), else_=0)),
    )


def _action_figures(total: int, open_count: int | None, overdue: int | None, on_time: int | None) -> ActionFigures:
    open_count = int(open_count or 0)
    return ActionFigures(
        total=int(total),
        open=open_count,
        overdue=int(overdue or 0),
        completed=int(total) - open_count,
        completed_on_time=int(on_time or 0),
    )


def action_figures(scope: ReportScope) -> ActionFigures:
    """Actions arising from the audits in scope: open, overdue, and completed by their due date."""
    row = db.session.execute(
        select(*_action_counts()).join(Audit, Audit.id == Action.audit_id).where(*scope.completed_audits())
    ).one()
    return _action_figures(*row)


def audits_weak_in_theme(scope: ReportScope) -> Subquery:
    """A subquery of (theme, audit_id): the audits in scope that graded a section of the theme
    below good."""
    return (
        select(ToolSection.theme, SectionJudgement.audit_id)
        .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
        .join(ScaleGrade, ScaleGrade.id == SectionJudgement.grade_id)
        .join(Audit, Audit.id == SectionJudgement.audit_id)
        .where(ScaleGrade.good_or_better.is_(False), *scope.completed_audits(), *scope.sections())
        .distinct()
        .subquery()
    )


def theme_actions(scope: ReportScope) -> dict[str, ActionFigures]:
    """Per theme, the actions arising from the audits in scope that graded the theme below good:
    the actions that answer the weaknesses the theme's sections found. An action belongs to its
    audit, not to a section, so an audit weak in two themes counts its actions under both."""
    weak = audits_weak_in_theme(scope)
    rows = db.session.execute(
        select(weak.c.theme, *_action_counts())
        .select_from(weak)
        .join(Action, Action.audit_id == weak.c.audit_id)
        .group_by(weak.c.theme)
    ).all()
    return {theme: _action_figures(*counts) for theme, *counts in rows}
