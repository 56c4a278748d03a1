"""The figures of the audit reports: one function per figure, each computed in SQL with GROUP BY.

The dashboard, and later the PDF report, CSV and improvement plan, call these functions and
nothing else, so each figure is worked out in one place. Every function takes a ``ReportScope``:
the audits completed (submitted or moderated) with ``submitted_at`` in the date range, optionally
narrowed to teams, tools and themes. A percentage with nothing to count is ``None``, never an error.

Every grade figure counts **final grades** (see ``final_grades``): a section's grade is the
moderator's where the section was moderated, otherwise the auditor's; an audit's overall grade
likewise. Each is worked out in SQL in the query that counts it, and each figure also carries the
auditors' own count (the "auditor-only" figure) so the reports can show how far moderation moved it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from audit.clock import utc_start_of
from audit.domain.audits import OPEN_STATUSES
from audit.domain.summaries import due_before_today
from audit.extensions import db
from audit.models import (
    ActionSummary,
    Audit,
    AuditStatus,
    AuditTool,
    AuditToolVersion,
    GradeSummary,
    OpenAuditSummary,
    ScaleGrade,
    Team,
    ToolSection,
)
from audit.models.summaries import NO_GRADE, NOT_OPEN, OVERALL, Within, tiles

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
    def years(self) -> range:
        """The years the scope's times fall in (with one either side, for its previous period)."""
        return range(self.start.year - 1, self.end.year + 2)

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
            # The UK days asked for (an audit submitted at 00:30 BST on 1 October is October's).
            Audit.submitted_at >= utc_start_of(self.start),
            Audit.submitted_at < utc_start_of(self.end + timedelta(days=1)),
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

    def summarised(self, summary: Any, within: Within = None) -> list[ColumnElement[bool]]:
        """Conditions on a summary table (``audit.models.summaries``) for the completed audits in
        scope: the few whole days, weeks, months, quarters and years that tile the dates
        (``tiles``), so a year costs about 17 groups of counts whatever the audits number. A figure
        grouped by month or quarter passes ``within`` so that no group of counts spans two."""
        dates = or_(
            *(
                and_(summary.period == period, summary.day.in_(starts))
                for period, starts in tiles(self.start, self.end, within).items()
            )
        )
        return [dates, *self.summarised_now(summary)]

    def summarised_now(self, summary: Any) -> list[ColumnElement[bool]]:
        """Conditions on a summary table for the scope's teams and tools, whatever the dates: the
        open audits' counts (``OpenAuditSummary``), which are as at today."""
        conditions: list[ColumnElement[bool]] = []
        if self.team_ids:
            conditions.append(summary.team_id.in_(self.team_ids))
        if self.tool_ids:
            versions = select(AuditToolVersion.id).where(AuditToolVersion.tool_id.in_(self.tool_ids))
            conditions.append(summary.tool_version_id.in_(versions))
        if self.themes:  # as teams_and_tools: the audit's tool covers one of the themes
            covering = select(ToolSection.tool_version_id).where(ToolSection.theme.in_(self.themes))
            conditions.append(summary.tool_version_id.in_(covering))
        return conditions


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
    grades: list[GradeCount] = field(default_factory=list)  # final grades
    not_applicable: int = 0
    auditor_good_or_better: int = 0  # the same items by the auditors' grades alone
    auditor_graded: int = 0

    @property
    def graded(self) -> int:
        return sum(grade.count for grade in self.grades)

    @property
    def good_or_better(self) -> int:
        return sum(grade.count for grade in self.grades if grade.good_or_better)

    @property
    def percent_good_or_better(self) -> float | None:
        return percent_good_or_better(self.good_or_better, self.graded)

    @property
    def auditor_percent_good_or_better(self) -> float | None:
        return percent_good_or_better(self.auditor_good_or_better, self.auditor_graded)

    @property
    def moderation_changed(self) -> bool:
        """Whether the auditors' grades alone give a different % good or better."""
        return self.auditor_percent_good_or_better != self.percent_good_or_better


DistributionRow = tuple[str, str | None, str | None, int | None, bool | None, int | None, int | None]


def _distributions(rows: Iterable[DistributionRow]) -> list[GradeDistribution]:
    """Fold (name, grade key, label, position, good_or_better, final count, auditors' count) rows
    into distributions of the final grades, with the auditors' good-or-better and graded totals;
    a row without a grade is not applicable (or not graded)."""
    grades: dict[str, list[GradeCount]] = defaultdict(list)
    not_applicable: dict[str, int] = defaultdict(int)
    auditors: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, key, label, position, good, final, auditor in rows:
        final, auditor = int(final or 0), int(auditor or 0)
        if key is None:
            not_applicable[name] += final
        else:
            if final:
                grades[name].append(GradeCount(key, label or key, position or 0, bool(good), final))
            auditors[name][0] += auditor if good else 0
            auditors[name][1] += auditor
    names = sorted(name for name in set(grades) | set(not_applicable) | set(auditors) if name)
    return [
        GradeDistribution(
            name,
            sorted(grades[name], key=lambda grade: (grade.position, grade.label)),
            not_applicable[name],
            *auditors[name],
        )
        for name in names
    ]


def _good_grade_ids() -> Select[int]:
    return select(ScaleGrade.id).where(ScaleGrade.good_or_better)


def theme_grades(scope: ReportScope) -> list[GradeDistribution]:
    """Per theme, the count of each final grade (audits), N/A apart, and the auditors' own count."""
    # The summary's counts per section and grade id first, then named.
    summary = GradeSummary
    where = [*scope.summarised(summary), summary.section_id != OVERALL]
    zero: ColumnElement[Any] = literal_column("0")
    counted = union_all(
        select(
            summary.section_id,
            summary.final_grade_id.label("grade_id"),
            func.sum(summary.audits).label("final"),
            zero.label("auditor"),
        )
        .where(*where)
        .group_by(summary.section_id, summary.final_grade_id),
        select(summary.section_id, summary.auditor_grade_id, zero, func.sum(summary.audits))
        .where(*where, summary.auditor_grade_id != NO_GRADE)
        .group_by(summary.section_id, summary.auditor_grade_id),
    ).subquery()
    final, auditor = counted.c.final, counted.c.auditor
    rows = db.session.execute(
        select(
            ToolSection.theme,
            ScaleGrade.key,
            ScaleGrade.label,
            ScaleGrade.position,
            ScaleGrade.good_or_better,
            cast(func.sum(final), Integer),
            cast(func.sum(auditor), Integer),
        )
        .select_from(counted)
        .join(ToolSection, ToolSection.id == counted.c.section_id)
        .outerjoin(ScaleGrade, ScaleGrade.id == counted.c.grade_id)
        .where(*scope.sections())
        .group_by(ToolSection.theme, ScaleGrade.key, ScaleGrade.label, ScaleGrade.position, ScaleGrade.good_or_better)
    ).all()
    return _distributions(rows)


def _overall_rows(scope: ReportScope, *names: Any) -> list[Any]:
    """The final overall grades of the audits in scope and the auditors' own, counted per tool
    version and grade id, then named: (``names``..., grade key, label, position, good_or_better,
    final count, auditors' count). ``names`` are columns of ``AuditTool`` to group by, if any."""
    summary = GradeSummary
    where = [*scope.summarised(summary), summary.section_id == OVERALL]
    zero: ColumnElement[Any] = literal_column("0")
    final: Select[*tuple[Any, ...]] = (
        select(
            summary.tool_version_id.label("version_id"),
            summary.final_grade_id.label("grade_id"),
            func.sum(summary.audits).label("final"),
            zero.label("auditor"),
        )
        .where(*where)
        .group_by(summary.tool_version_id, summary.final_grade_id)
    )
    auditors: Select[*tuple[Any, ...]] = (
        select(summary.tool_version_id, summary.auditor_grade_id, zero, func.sum(summary.audits))
        .where(*where)
        .group_by(summary.tool_version_id, summary.auditor_grade_id)
    )
    grades = union_all(final, auditors).subquery()
    query = select(
        *names,
        ScaleGrade.key,
        ScaleGrade.label,
        ScaleGrade.position,
        ScaleGrade.good_or_better,
        cast(func.sum(grades.c.final), Integer),
        cast(func.sum(grades.c.auditor), Integer),
    ).select_from(grades)
    if names:
        query = query.join(AuditToolVersion, AuditToolVersion.id == grades.c.version_id).join(
            AuditTool, AuditTool.id == AuditToolVersion.tool_id
        )
    query = query.outerjoin(ScaleGrade, ScaleGrade.id == grades.c.grade_id).group_by(
        *names, ScaleGrade.key, ScaleGrade.label, ScaleGrade.position, ScaleGrade.good_or_better
    )
    return list(db.session.execute(query).all())


def overall_grades(scope: ReportScope) -> GradeDistribution:
    """The final overall grades of the audits in scope, and the auditors' own; audits without one
    (the tool does not ask) count apart. Tools' overall grades are never blended in a report: the
    reports call ``overall_grades_by_tool``, and this is for a scope of one tool (a plan measure's)."""
    found = _distributions([("Overall", *row) for row in _overall_rows(scope)])
    return found[0] if found else GradeDistribution("Overall")


@dataclass(frozen=True)
class ToolOverall:
    """One audit tool's final overall grades (unit: audits)."""

    slug: str
    grades: GradeDistribution  # named by the tool's name

    @property
    def name(self) -> str:
        return self.grades.name

    @property
    def asks_overall_grade(self) -> bool:
        return self.grades.graded > 0 or self.grades.auditor_graded > 0


def overall_grades_by_tool(scope: ReportScope) -> list[ToolOverall]:
    """Per audit tool (by name), the final overall grades of its audits in scope and the auditors'
    own: a front-door audit's overall grade and a full case audit's are different judgements, so
    each tool is a figure of its own. One query, whatever the number of audits."""
    rows = _overall_rows(scope, AuditTool.name, AuditTool.slug)
    slugs = {name: slug for name, slug, *_rest in rows}
    return [
        ToolOverall(slugs[distribution.name], distribution)
        for distribution in _distributions([(name, *rest) for name, _slug, *rest in rows])
    ]


# Good or better over time and by team -----------------------------------------------------------


@dataclass(frozen=True)
class GoodOrBetter:
    theme: str
    group: str  # the period ("2026-03", "2026 Q1") or the team's name
    good_or_better: int  # final grades
    graded: int
    auditor_good_or_better: int = 0  # the auditors' grades alone
    auditor_graded: int = 0

    @property
    def percent_good_or_better(self) -> float | None:
        return percent_good_or_better(self.good_or_better, self.graded)

    @property
    def auditor_percent_good_or_better(self) -> float | None:
        return percent_good_or_better(self.auditor_good_or_better, self.auditor_graded)

    @property
    def moderation_changed(self) -> bool:
        return self.auditor_percent_good_or_better != self.percent_good_or_better


def period_key(year: int, month: int, by: Literal["month", "quarter"]) -> str:
    """The trend's key for a month: "2026-03" by month, "2026 Q1" by quarter (sorts in time order)."""
    return f"{year}-{month:02d}" if by == "month" else f"{year} Q{(month - 1) // 3 + 1}"


def _graded_sums(summary: type[GradeSummary]) -> list[ColumnElement[Any]]:
    """good, graded, auditor_good, auditor_graded: audits summed from the summary's counts."""
    good = _good_grade_ids()
    return [
        func.sum(case((summary.final_grade_id.in_(good), summary.audits), else_=0)).label("good"),
        func.sum(case((summary.final_grade_id != NO_GRADE, summary.audits), else_=0)).label("graded"),
        func.sum(case((summary.auditor_grade_id.in_(good), summary.audits), else_=0)).label("auditor_good"),
        func.sum(case((summary.auditor_grade_id != NO_GRADE, summary.audits), else_=0)).label("auditor_graded"),
    ]


def theme_trend(scope: ReportScope, by: Literal["month", "quarter"] = "month") -> list[GoodOrBetter]:
    """% good or better per theme per month or quarter of submission (UK dates), oldest first."""
    summary = GradeSummary
    # Per section and summary period's first day (none spans two months or quarters: ``within``),
    # then named and folded into months or quarters here: a few hundred rows a year.
    counted = (
        select(summary.section_id, summary.day, *_graded_sums(summary))
        .where(*scope.summarised(summary, within=by), summary.section_id != OVERALL)
        .group_by(summary.section_id, summary.day)
        .subquery()
    )
    sums = list(counted.c)[2:]
    rows = db.session.execute(
        select(ToolSection.theme, counted.c.day, *(func.sum(column) for column in sums))
        .select_from(counted)
        .join(ToolSection, ToolSection.id == counted.c.section_id)
        .where(*scope.sections())
        .group_by(ToolSection.theme, counted.c.day)
    ).all()
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for theme, day, *counts in rows:
        on = day if isinstance(day, date) else date.fromisoformat(str(day))
        period = period_key(on.year, on.month, by)
        for index, count in enumerate(counts):
            totals[(theme, period)][index] += int(count or 0)
    return [
        GoodOrBetter(theme, period, *counts)
        for (theme, period), counts in sorted(totals.items())
        if counts[1] or counts[3]
    ]


def theme_by_team(scope: ReportScope) -> list[GoodOrBetter]:
    """% good or better per theme per team (the audit's team)."""
    summary = GradeSummary
    counted = (
        select(summary.section_id, summary.team_id, *_graded_sums(summary))
        .where(*scope.summarised(summary), summary.section_id != OVERALL)
        .group_by(summary.section_id, summary.team_id)
        .subquery()
    )
    sums = list(counted.c)[2:]
    rows = db.session.execute(
        select(ToolSection.theme, Team.name, *(func.sum(column) for column in sums))
        .select_from(counted)
        .join(ToolSection, ToolSection.id == counted.c.section_id)
        .join(Team, Team.id == counted.c.team_id)
        .where(*scope.sections())
        .group_by(ToolSection.theme, Team.id, Team.name)
        .having(or_(func.sum(sums[1]) > 0, func.sum(sums[3]) > 0))
        .order_by(ToolSection.theme, Team.name)
    ).all()
    return [GoodOrBetter(theme, team, *(int(count or 0) for count in counts)) for theme, team, *counts in rows]


# Audit and action counts ------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditCounts:
    completed: int
    moderated: int
    in_progress: int  # open now (not started or a draft), in the teams and tools asked for
    overdue: int  # open and past its due date
    amended_after_moderation: int = 0  # moderated audits amended since: the moderator's grades stand

    @property
    def percent_moderated(self) -> float | None:
        return percent(self.moderated, self.completed)


def completed_audits_counted(scope: ReportScope) -> list[ColumnElement[bool]]:
    """Conditions on ``GradeSummary`` that count each completed audit in scope once: every
    completed audit has one overall row there."""
    return [*scope.summarised(GradeSummary), GradeSummary.section_id == OVERALL]


def audit_counts(scope: ReportScope) -> AuditCounts:
    """Completed audits in the period and how many were moderated; and the audits open today.
    An open audit has no submitted date, so open and overdue are as at today, not the period."""
    summary = GradeSummary
    completed, moderated, amended = db.session.execute(
        select(
            func.sum(summary.audits),
            func.sum(case((summary.moderated, summary.audits), else_=0)),
            func.sum(case((summary.amended_after_moderation, summary.audits), else_=0)),
        ).where(*completed_audits_counted(scope))
    ).one()
    kept = OpenAuditSummary
    open_now, overdue = db.session.execute(
        select(
            func.sum(kept.audits),
            func.sum(case((due_before_today(kept.due_date), kept.audits), else_=0)),
        ).where(*scope.summarised_now(kept))
    ).one()
    return AuditCounts(
        int(completed or 0), int(moderated or 0), int(open_now or 0), int(overdue or 0), int(amended or 0)
    )


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


def action_counts(summary: type[ActionSummary] = ActionSummary) -> list[ColumnElement[Any]]:
    """count, open, overdue, completed on time: the action summary's counts every action figure
    adds up (``audit.domain.summaries``: an open action is counted under its due date, so overdue is
    open and due before today's UK date)."""
    return [
        func.sum(summary.actions),
        func.sum(case((summary.open_due != NOT_OPEN, summary.actions), else_=0)),
        func.sum(case((due_before_today(summary.open_due), summary.actions), else_=0)),
        func.sum(case((summary.on_time, summary.actions), else_=0)),
    ]


def action_figures_from(
    total: int | None, open_count: int | None, overdue: int | None, on_time: int | None
) -> ActionFigures:
    total, open_count = int(total or 0), int(open_count or 0)
    return ActionFigures(
        total=total,
        open=open_count,
        overdue=int(overdue or 0),
        completed=total - open_count,
        completed_on_time=int(on_time or 0),
    )


def action_figures(scope: ReportScope) -> ActionFigures:
    """Actions arising from the audits in scope: open, overdue, and completed by their due date."""
    row = db.session.execute(select(*action_counts()).where(*scope.summarised(ActionSummary))).one()
    return action_figures_from(*row)
