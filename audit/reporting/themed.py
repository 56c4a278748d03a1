"""The themed audit report: every figure for a period and the same figures for the period before,
gathered from ``figures``, ``agreement``, ``evidence`` and the improvement plan's ``measures``,
then laid out as a PDF for the improvement board.

``build_report`` only gathers (a fixed number of queries, plus one or a few per plan measure);
``report_html`` only lays out; ``themed_pdf`` is the two through the one PDF renderer. The web
download and ``flask report themed`` both call ``themed_pdf``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit.clock import local_now
from audit.domain.access_log import record_access
from audit.domain.supervision_compliance import TeamCompliance, team_compliance, total_compliance
from audit.extensions import db
from audit.models import AuditTool, Measure, Priority, Team
from audit.pdf import render_pdf
from audit.reporting import (
    agreement,
    downloads,
    equality,
    evidence,
    figures,
    final_grades,
    measures,
    narrative,
    questions,
    sample,
    voices,
)
from audit.reporting.concerns import ConcernFigures, concern_figures
from audit.reporting.equality import EqualityBreakdown
from audit.reporting.evidence import ActionExample, Quote
from audit.reporting.figures import ReportScope
from audit.reporting.moderation_sample import SampleAchieved, sample_achieved
from audit.reporting.narrative import NarrativeVersion
from audit.reporting.reaudit import ReauditOutcomes, reaudit_outcomes
from audit.reporting.sample import SampleDescription
from audit.reporting.voices import Voices

# A period longer than this is charted by quarter; shorter, by month.
MONTHLY_TREND_UP_TO_DAYS = 200
# A month or quarter the trend's dates cover less of than this share is left off the chart (a
# column for one day of March said as much as a column for the whole month).
TREND_PART_SHOWN = 0.5


@dataclass(frozen=True)
class Movement:
    """A percentage now against the previous period, in percentage points."""

    now: float | None
    before: float | None

    @property
    def points(self) -> float | None:
        return None if self.now is None or self.before is None else round(self.now - self.before, 1)

    @property
    def in_words(self) -> str:
        if self.points is None:
            return "no earlier figure" if self.now is not None else "–"
        if self.points == 0:
            return "no change"
        return f"{'up' if self.points > 0 else 'down'} {abs(self.points):g} point{'s' if abs(self.points) != 1 else ''}"

    @property
    def direction(self) -> Literal["up", "down", "same", "none"]:
        if self.points is None:
            return "none"
        return "up" if self.points > 0 else ("down" if self.points < 0 else "same")


@dataclass
class ThemeSection:
    grades: figures.GradeDistribution
    movement: Movement
    trend: list[figures.GoodOrBetter]
    by_team: list[figures.GoodOrBetter]
    evidence: evidence.ThemeEvidence
    actions: figures.ActionFigures | None
    action_examples: list[ActionExample]  # not evidence.ActionExample: the field above shadows the module
    measures: list[measures.MeasureResult]
    questions: list[questions.QuestionFigure] = field(default_factory=list)  # of the theme's sections
    narrative: NarrativeVersion | None = None  # the lead's latest words for the scope
    chosen_quotes: list[Quote] = field(default_factory=list)  # only these are printed
    voices: Voices | None = None

    @property
    def chosen_strengths(self) -> list[Quote]:
        return [quote for quote in self.chosen_quotes if quote.good_or_better]

    @property
    def chosen_areas(self) -> list[Quote]:
        return [quote for quote in self.chosen_quotes if not quote.good_or_better]

    @property
    def name(self) -> str:
        return self.grades.name


@dataclass(frozen=True)
class ToolOverall:
    """One audit tool's final overall grades, and the movement since the previous period."""

    grades: figures.GradeDistribution  # named by the tool
    movement: Movement

    @property
    def name(self) -> str:
        return self.grades.name


@dataclass
class ThemedReport:
    scope: ReportScope
    previous: ReportScope
    generated_at: datetime
    team_names: list[str]
    tool_names: list[str]
    counts: figures.AuditCounts
    previous_counts: figures.AuditCounts
    overall_by_tool: list[ToolOverall]  # per tool, never blended; tools that ask for an overall grade
    themes: list[ThemeSection]
    trend_by: Literal["month", "quarter"]
    agreement: agreement.ModerationAgreement
    agreement_movement: Movement
    actions: figures.ActionFigures
    supervision: TeamCompliance
    plan_measures: list[measures.MeasureResult] = field(default_factory=list)
    concerns: ConcernFigures | None = None
    sample: SampleAchieved | None = None
    reaudits: ReauditOutcomes | None = None
    sample_description: SampleDescription | None = None
    equality: EqualityBreakdown | None = None
    voices_total: Voices | None = None
    trend_left_off: list[str] = field(default_factory=list)  # trend periods too short to chart

    @property
    def empty(self) -> bool:
        return self.counts.completed == 0

    @property
    def has_previous(self) -> bool:
        """Whether any audit was completed in the previous period: without one, no figure can have
        moved, and the report says so once instead of "no earlier figure" on every row."""
        return self.previous_counts.completed > 0

    @property
    def trend_first_period(self) -> str:
        """The key of the trend period this report's period starts in ("2026-07" or "2026 Q3")."""
        return figures.period_key(self.scope.start.year, self.scope.start.month, self.trend_by)

    @property
    def coverage_movement(self) -> Movement:
        return Movement(self.counts.percent_moderated, self.previous_counts.percent_moderated)

    @property
    def strongest(self) -> ThemeSection | None:
        graded = [theme for theme in self.themes if theme.grades.graded]
        return max(graded, key=lambda theme: theme.grades.percent_good_or_better or 0) if graded else None

    @property
    def weakest(self) -> ThemeSection | None:
        graded = [theme for theme in self.themes if theme.grades.graded]
        return min(graded, key=lambda theme: theme.grades.percent_good_or_better or 0) if graded else None

    @property
    def most_improved(self) -> ThemeSection | None:
        moved = [theme for theme in self.themes if (theme.movement.points or 0) > 0]
        return max(moved, key=lambda theme: theme.movement.points or 0) if moved else None

    @property
    def most_declined(self) -> ThemeSection | None:
        moved = [theme for theme in self.themes if (theme.movement.points or 0) < 0]
        return min(moved, key=lambda theme: theme.movement.points or 0) if moved else None

    def plan_statuses(self) -> list[tuple[measures.Status, int]]:
        """How many of the plan's measures have each status, the most worrying first."""
        counts = Counter(result.status for result in self.plan_measures)
        status = measures.Status
        order = [status.OFF_TRACK, status.BEHIND, status.ON_TRACK, status.ACHIEVED, status.NO_DATA, status.PROBLEM]
        return [(status, counts[status]) for status in order if counts[status]]

    def audits_quoted(self) -> set[tuple[int, int]]:
        """(audit id, case id) of every audit the report quotes or lists an action from: the
        child-linked records a download of it exports."""
        quoted = {(item.audit_id, item.case_id) for theme in self.themes for item in theme.chosen_quotes}
        return quoted | {(item.audit_id, item.case_id) for theme in self.themes for item in theme.action_examples}

    @property
    def title(self) -> str:
        if len(self.scope.themes) == 1:
            return f"Themed audit report: {self.scope.themes[0]}"
        return "Themed audit report"


def build_report(scope: ReportScope) -> ThemedReport:
    """Every figure the themed report shows, for ``scope`` and the period before it."""
    previous = scope.previous()
    trend_by: Literal["month", "quarter"] = "month" if scope.days <= MONTHLY_TREND_UP_TO_DAYS else "quarter"
    # The trend runs over both periods, so the board sees where the figures came from.
    trend_scope = ReportScope(previous.start, scope.end, scope.team_ids, scope.tool_ids, scope.themes)

    theme_grades = figures.theme_grades(scope)
    previous_grades = {distribution.name: distribution for distribution in figures.theme_grades(previous)}
    trend, left_off = _whole_enough(figures.theme_trend(trend_scope, by=trend_by), trend_scope, trend_by)
    words = narrative.latest_narratives(scope)
    chosen = narrative.chosen_quotes(scope)
    voiced = voices.voices_by_theme(scope)
    by_team = figures.theme_by_team(scope)
    actions_by_theme = evidence.theme_actions(scope)
    action_examples = evidence.theme_action_examples(scope, themes=actions_by_theme)
    overall = _overall_by_tool(scope, previous)
    question_figures = questions.by_theme(questions.question_figures(scope))
    found_agreement = agreement.moderation_agreement(scope)

    plan = _plan_measures()
    results = measures.evaluate_all(plan)
    by_theme: dict[str, list[measures.MeasureResult]] = {}
    for measure in plan:
        result = results[measure.id]
        if measure.theme and result.figure is not None and result.figure.needs_theme:
            by_theme.setdefault(measure.theme, []).append(result)

    sections = [
        ThemeSection(
            grades=grades,
            movement=Movement(
                grades.percent_good_or_better,
                previous_grades[grades.name].percent_good_or_better if grades.name in previous_grades else None,
            ),
            trend=[row for row in trend if row.theme == grades.name],
            by_team=[row for row in by_team if row.theme == grades.name],
            evidence=evidence.ThemeEvidence(),  # suggestions are on the narrative page, not printed
            actions=actions_by_theme.get(grades.name),
            action_examples=action_examples.get(grades.name, []),
            measures=by_theme.get(grades.name, []),
            questions=question_figures.get(grades.name, []),
            narrative=words.get(grades.name),
            chosen_quotes=chosen.get(grades.name, []),
            voices=voiced.get(grades.name),
        )
        for grades in theme_grades
    ]
    return ThemedReport(
        scope=scope,
        previous=previous,
        generated_at=local_now(),
        team_names=_names(Team, scope.team_ids),
        tool_names=_names(AuditTool, scope.tool_ids),
        counts=figures.audit_counts(scope),
        previous_counts=figures.audit_counts(previous),
        overall_by_tool=overall,
        themes=sections,
        trend_by=trend_by,
        agreement=found_agreement,
        agreement_movement=Movement(
            found_agreement.percent_exact, agreement.moderation_agreement(previous).percent_exact
        ),
        actions=figures.action_figures(scope),
        supervision=total_compliance(team_compliance(scope.team_ids)),
        plan_measures=[results[measure.id] for measure in plan],
        concerns=concern_figures(scope),
        sample=sample_achieved(scope.start, scope.end),
        # The report may be read by anyone it is sent to: re-audited cases are counted, not listed.
        reaudits=reaudit_outcomes(scope, viewer=None),
        sample_description=sample.describe_sample(scope),
        equality=equality.equality_breakdown(scope),
        voices_total=voices.voices_total(scope),
        trend_left_off=left_off,
    )


def _bucket(key: str, by: Literal["month", "quarter"]) -> tuple[date, date]:
    """The first and last day of a trend period key ("2026-03" or "2026 Q1")."""
    if by == "month":
        first = date.fromisoformat(f"{key}-01")
        months = 1
    else:
        year, quarter = key.split(" Q")
        first, months = date(int(year), 3 * (int(quarter) - 1) + 1, 1), 3
    following = date(first.year + (first.month + months - 1) // 12, (first.month + months - 1) % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _whole_enough(
    rows: list[figures.GoodOrBetter], within: ReportScope, by: Literal["month", "quarter"]
) -> tuple[list[figures.GoodOrBetter], list[str]]:
    """The trend without the months or quarters the dates cover less than ``TREND_PART_SHOWN`` of
    (at either end: 1 March of a period from 1 March), and the keys left off. The audits in them
    still count in every other figure."""
    short = set()
    for key in {row.group for row in rows}:
        first, last = _bucket(key, by)
        covered = (min(last, within.end) - max(first, within.start)).days + 1
        if covered < TREND_PART_SHOWN * ((last - first).days + 1):
            short.add(key)
    return [row for row in rows if row.group not in short], sorted(short)


def _overall_by_tool(scope: ReportScope, previous: ReportScope) -> list[ToolOverall]:
    """Each tool's overall grades now and the movement on the previous period: the tools whose
    audits carry an overall grade in either period."""
    before = {tool.slug: tool.grades for tool in figures.overall_grades_by_tool(previous)}
    now = {tool.slug: tool.grades for tool in figures.overall_grades_by_tool(scope)}
    found = []
    for slug in sorted(set(now) | set(before), key=lambda slug: (now.get(slug) or before[slug]).name):
        grades = now.get(slug) or figures.GradeDistribution(before[slug].name)
        earlier = before.get(slug)
        if not grades.graded and not (earlier and earlier.graded):
            continue  # the tool does not ask for an overall grade
        was = earlier.percent_good_or_better if earlier else None
        found.append(ToolOverall(grades, Movement(grades.percent_good_or_better, was)))
    return found


def _plan_measures() -> Sequence[Measure]:
    return db.session.scalars(
        select(Measure)
        .join(Priority, Priority.id == Measure.priority_id)
        .options(selectinload(Measure.teams), selectinload(Measure.priority))
        .order_by(Priority.position, Priority.id, Measure.id)
    ).all()


def _names(model: type[Team] | type[AuditTool], ids: Sequence[int]) -> list[str]:
    if not ids:
        return []
    return list(db.session.scalars(select(model.name).where(model.id.in_(ids)).order_by(model.name)))


def report_html(report: ThemedReport) -> str:
    return render_template(
        "pdf/themed.html",
        report=report,
        document_title=report.title,
        rag_rule=measures.RAG_RULE,
        describe=measures.describe,
        final_grade_rule=final_grades.FINAL_GRADE_RULE,
        auditor_only_rule=final_grades.AUDITOR_ONLY_RULE,
        theme_once_rule=final_grades.THEME_ONCE_RULE,
        question_rule=questions.QUESTION_RULE,
        action_theme_rule=evidence.ACTION_THEME_RULE,
        text_limit=narrative.TEXT_LIMIT,
    )


def _no_progress(percent: int, stage: str) -> None:
    pass


def build_pdf(scope: ReportScope, progress: Callable[[int, str], None] = _no_progress) -> tuple[ThemedReport, bytes]:
    """The report and its PDF, read only. ``progress`` hears how far it has got (a report built in
    the background shows it to the person waiting)."""
    progress(10, "Working out the figures for each theme")
    report = build_report(scope)
    progress(60, "Laying out the PDF")
    return report, render_pdf(report_html(report))


def themed_pdf(scope: ReportScope, user_id: int | None, via: downloads.Via = "web") -> bytes:
    """The report as a PDF, its download recorded, and (for a signed-in user) each audit it quotes
    logged as exported. The caller commits."""
    report, pdf = build_pdf(scope)
    record_report(report, scope, user_id, via)
    return pdf


def record_report(report: ThemedReport, scope: ReportScope, user_id: int | None, via: downloads.Via) -> None:
    """A report produced: its download recorded and each audit it quotes logged as exported."""
    downloads.record_download("themed-pdf", scope.filters(), user_id, via)
    if user_id is not None:
        for audit_id, case_id in sorted(report.audits_quoted()):
            record_access(user_id, "export", "audit", audit_id, case_id)
