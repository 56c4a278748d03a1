"""The improvement plan's measures of success: which report figures a measure can be bound to,
its current value (computed live by the same functions the dashboard and reports call) and its
RAG status, by a rule the plan page prints in words.

Every bindable figure is a percentage where higher is better. The grade figures count final grades
(the moderator's where moderated, see ``final_grades.FINAL_GRADE_RULE``), so the RAG status follows
them; their reading also carries the auditors' own figure, shown beside it where moderation moved
it. A measure names its figure by a stable key; a key that is no longer in ``FIGURES`` (a figure
was withdrawn) or a theme no audit tool has any more gives the measure a clear problem instead of
a value, never an error.

Besides the fixed figures, ``FIGURES`` offers one figure per audit tool's overall grade
(``overall:<tool slug>``: tools' overall grades are never blended) and one per yes/no question's
"yes" and per choice question's option (``question:<tool slug>:<question key>:<yes or option key>``,
see ``questions``), read from the tools loaded, and one per imported performance indicator
(``indicator:<key>``, see ``audit.domain.indicators``): its latest month's figure, as imported.
The key ``overall_good_or_better`` of measures made before then still reads, but only while the
audits it counts come from one tool.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import select

from audit.clock import today
from audit.domain.supervision_compliance import team_compliance, total_compliance
from audit.domain.tools import all_themes
from audit.extensions import db
from audit.models import AuditTool, IndicatorValue, Measure, PerformanceIndicator
from audit.reporting import agreement, figures, questions, reaudit
from audit.reporting.figures import ReportScope

# How far behind the straight line from baseline to target a measure may be and still be amber.
TOLERANCE_POINTS = 5.0


@dataclass(frozen=True)
class Reading:
    """A figure's value now, and what it was worked out over ("42 graded sections")."""

    value: float | None
    count: int
    noun: str
    auditor_value: float | None = None  # grade figures: the auditors' grades alone
    final_grades: bool = False  # the figure counts final grades
    part: int | None = None  # how many of ``count`` the percentage counts, for the exact value
    problem: str | None = None  # why the figure cannot be read as the measure is set up
    month: date | None = None  # an imported indicator: the month its latest figure is for

    @property
    def exact(self) -> float | None:
        """The unrounded percentage, which the RAG status is decided on (56.76% has not reached a
        target of 57%, though it is shown as 56.8%, or as 57% where whole numbers are shown)."""
        if self.part is None or not self.count:
            return self.value
        return 100 * self.part / self.count

    @property
    def moderation_changed(self) -> bool:
        """A grade figure whose value the moderators' grades moved (the auditors' alone differ)."""
        return self.final_grades and self.auditor_value != self.value

    @property
    def basis(self) -> str:
        return f"{self.count:,} {self.noun if self.count != 1 else self.noun.removesuffix('s')}"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # what the figure is, for the list a leader chooses from
    needs_theme: bool
    audit_based: bool  # counted over audits completed in the measure's window; else as at today
    read: Callable[[Measure, ReportScope], Reading]
    imported: bool = False  # an imported performance indicator, not worked out from records


def _theme(measure: Measure, scope: ReportScope) -> Reading:
    found = figures.theme_grades(scope)
    distribution = found[0] if found else figures.GradeDistribution(measure.theme or "")
    return Reading(
        distribution.percent_good_or_better,
        distribution.graded,
        "audits graded for the theme",
        distribution.auditor_percent_good_or_better,
        final_grades=True,
        part=distribution.good_or_better,
    )


def _overall_reading(overall: figures.GradeDistribution) -> Reading:
    return Reading(
        overall.percent_good_or_better,
        overall.graded,
        "audits with an overall grade",
        overall.auditor_percent_good_or_better,
        final_grades=True,
        part=overall.good_or_better,
    )


BLENDED_OVERALL = (
    "This measure counts the overall grades of more than one audit tool ({tools}) as one figure, and the "
    "tools' overall grades are different judgements. Edit the measure and choose one tool's overall grade."
)


def _overall(measure: Measure, scope: ReportScope) -> Reading:
    """The figure measures made before overall grades were per tool are bound to: read while the
    audits counted come from one tool, a problem once they blend tools."""
    tools = [tool for tool in figures.overall_grades_by_tool(scope) if tool.grades.graded]
    if len(tools) > 1:
        names = ", ".join(tool.name for tool in tools)
        return Reading(None, 0, "audits with an overall grade", problem=BLENDED_OVERALL.format(tools=names))
    return _overall_reading(tools[0].grades if tools else figures.GradeDistribution("Overall"))


def _coverage(measure: Measure, scope: ReportScope) -> Reading:
    counts = figures.audit_counts(scope)
    return Reading(counts.percent_moderated, counts.completed, "completed audits", part=counts.moderated)


def _exact(measure: Measure, scope: ReportScope) -> Reading:
    found = agreement.moderation_agreement(scope)
    return Reading(found.percent_exact, found.pairs, "moderated sections", part=found.exact)


def _within_one(measure: Measure, scope: ReportScope) -> Reading:
    found = agreement.moderation_agreement(scope)
    return Reading(found.percent_within_one, found.pairs, "moderated sections", part=found.within_one)


def _on_time(measure: Measure, scope: ReportScope) -> Reading:
    actions = figures.action_figures(scope)
    return Reading(actions.percent_on_time, actions.completed, "completed actions", part=actions.completed_on_time)


def _workers(measure: Measure, scope: ReportScope) -> Reading:
    total = total_compliance(team_compliance(scope.team_ids))
    return Reading(total.percent_workers, total.workers, "workers", part=total.workers_in_time)


def _cases(measure: Measure, scope: ReportScope) -> Reading:
    total = total_compliance(team_compliance(scope.team_ids))
    return Reading(total.percent_cases, total.cases, "cases", part=total.cases_in_time)


STATIC_FIGURES: dict[str, Figure] = {
    figure.key: figure
    for figure in (
        Figure("theme_good_or_better", "% good or better for a theme", True, True, _theme),
        Figure("moderation_coverage", "% of completed audits moderated", False, True, _coverage),
        Figure("moderation_exact", "% exact agreement between auditors and moderators", False, True, _exact),
        Figure("moderation_within_one", "% agreement within one grade", False, True, _within_one),
        Figure("actions_on_time", "% of audit actions completed on time", False, True, _on_time),
        Figure("supervision_workers", "% of workers supervised within timescale", False, False, _workers),
        Figure("supervision_cases", "% of children's cases supervised within timescale", False, False, _cases),
        Figure(
            "reaudit_improved",
            "% of re-audited cases whose grade improved",
            False,
            True,
            lambda measure, scope: Reading(*reaudit.improved_reading(scope)),
        ),
    )
}
# Still read for measures bound to it before overall grades were per tool; no longer offered.
WITHDRAWN_FIGURES: dict[str, Figure] = {
    "overall_good_or_better": Figure(
        "overall_good_or_better", "% of audits good or better overall (every tool)", False, True, _overall
    ),
}
OVERALL_PREFIX = "overall:"
QUESTION_PREFIX = "question:"
INDICATOR_PREFIX = "indicator:"
INDICATOR_LABEL = " (imported performance indicator)"


def _indicator_figure(key: str, name: str, indicator_id: int) -> Figure:
    def read(measure: Measure, scope: ReportScope) -> Reading:
        latest = db.session.execute(
            select(IndicatorValue.value, IndicatorValue.month)
            .where(IndicatorValue.indicator_id == indicator_id, IndicatorValue.month <= scope.end)
            .order_by(IndicatorValue.month.desc())
            .limit(1)
        ).first()
        if latest is None:
            return Reading(None, 0, "imported months")
        return Reading(latest.value, 0, "imported months", month=latest.month)

    return Figure(f"{INDICATOR_PREFIX}{key}", f"{name}{INDICATOR_LABEL}", False, False, read, True)


def _tool_overall_figure(slug: str, name: str, tool_id: int) -> Figure:
    def read(measure: Measure, scope: ReportScope) -> Reading:
        return _overall_reading(figures.overall_grades(replace(scope, tool_ids=(tool_id,))))

    return Figure(f"{OVERALL_PREFIX}{slug}", f"% of audits good or better overall: {name}", False, True, read)


def _question_figure(question: questions.KnownQuestion, option: str, label: str, tool_id: int) -> Figure:
    def read(measure: Measure, scope: ReportScope) -> Reading:
        found = questions.question_figures(replace(scope, tool_ids=(tool_id,)))
        figure = next((f for f in found if (f.tool_slug, f.key) == (question.tool_slug, question.key)), None)
        share = figure.share(option) if figure else None
        noun = "audits answering yes or no" if question.is_yes_no else "audits choosing an answer"
        if share is None:
            return Reading(None, 0, noun)
        return Reading(share.percent, share.of, noun, part=share.count)

    words = "yes" if question.is_yes_no else f"‘{label}’"
    return Figure(
        questions.figure_key(question.tool_slug, question.key, option),
        f"% of audits answering {words}: {question.tool_name}: {question.text}",
        False,
        True,
        read,
    )


class FigureCatalogue(MutableMapping[str, Figure]):
    """Every figure a measure can be bound to: the fixed ones, then each audit tool's overall grade
    and each question's answers, as the tools loaded now offer them (read when asked, so a tool
    loaded later is offered at once). A key it does not know is a figure no longer available."""

    def _tools(self) -> dict[str, tuple[str, int]]:
        return {slug: (name, tool_id) for slug, name, tool_id in db.session.execute(
            select(AuditTool.slug, AuditTool.name, AuditTool.id).order_by(AuditTool.name)
        )}  # fmt: skip

    def _indicators(self, key: str | None = None) -> dict[str, Figure]:
        query = select(PerformanceIndicator.key, PerformanceIndicator.name, PerformanceIndicator.id)
        if key is not None:
            query = query.where(PerformanceIndicator.key == key)
        return {
            f"{INDICATOR_PREFIX}{key}": _indicator_figure(key, name, indicator_id)
            for key, name, indicator_id in db.session.execute(query.order_by(PerformanceIndicator.name))
        }

    def _dynamic(self, slugs: Sequence[str] = (), *, with_questions: bool = True) -> dict[str, Figure]:
        tools = self._tools()
        found: dict[str, Figure] = {}
        for slug, (name, tool_id) in tools.items():
            if not slugs or slug in slugs:
                found[f"{OVERALL_PREFIX}{slug}"] = _tool_overall_figure(slug, name, tool_id)
        if not with_questions:
            return found
        for question in questions.known_questions(slugs).values():
            if question.tool_slug not in tools:
                continue
            options = [(questions.YES, "Yes")] if question.is_yes_no else question.options
            for option, label in options:
                figure = _question_figure(question, option, label, tools[question.tool_slug][1])
                found[figure.key] = figure
        return found

    def __getitem__(self, key: str) -> Figure:
        if key in STATIC_FIGURES:
            return STATIC_FIGURES[key]
        if key in WITHDRAWN_FIGURES:
            return WITHDRAWN_FIGURES[key]
        if key.startswith(OVERALL_PREFIX):
            return self._dynamic((key.removeprefix(OVERALL_PREFIX),), with_questions=False)[key]
        if key.startswith(INDICATOR_PREFIX):
            return self._indicators(key.removeprefix(INDICATOR_PREFIX))[key]
        if key.startswith(QUESTION_PREFIX):
            slug = key.removeprefix(QUESTION_PREFIX).split(":", 1)[0]
        else:
            raise KeyError(key)
        return self._dynamic((slug,))[key]

    def __setitem__(self, key: str, figure: Figure) -> None:
        """A fixed figure added or replaced (tests put a figure of known value in place this way)."""
        STATIC_FIGURES[key] = figure

    def __delitem__(self, key: str) -> None:
        del STATIC_FIGURES[key]

    def __iter__(self) -> Iterator[str]:
        """The figures offered: the fixed ones, then per tool (by name) its overall grade and questions."""
        yield from STATIC_FIGURES
        yield from self._dynamic()
        yield from self._indicators()

    def __len__(self) -> int:
        return len(STATIC_FIGURES) + len(self._dynamic()) + len(self._indicators())

    def items(self) -> list[tuple[str, Figure]]:  # type: ignore[override]  # one read of the tools, not one per key
        return [*STATIC_FIGURES.items(), *self._dynamic().items(), *self._indicators().items()]


FIGURES = FigureCatalogue()

# On the measure form, the figure "a question's answers", which the choice of question completes.
QUESTION_FIGURE = "question"
QUESTION_FIGURE_LABEL = "% of audits giving an answer to a question"


def offered_figures() -> tuple[list[Figure], list[Figure]]:
    """What a leader chooses a measure's figure from: the fixed figures and each tool's overall
    grade (a short list), and apart, each question's answers (a long one, to choose from a list)."""
    listed: list[Figure] = []
    by_question: list[Figure] = []
    for key, figure in FIGURES.items():
        (by_question if key.startswith(QUESTION_PREFIX) else listed).append(figure)
    return listed, by_question


class Status(enum.StrEnum):
    """A measure's status, in the words a board reads: never a colour word alone (boards read
    Amber as "at risk", so "on course" is never Amber). Worked out on the day, not stored."""

    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"
    PROBLEM = "problem"
    # The colour words, as the board's RAG reads them, for code written before the words changed.
    GREEN = "achieved"
    AMBER = "behind"
    RED = "off_track"

    @property
    def label(self) -> str:
        return {
            Status.ACHIEVED: "Achieved",
            Status.ON_TRACK: "On track",
            Status.BEHIND: "Behind",
            Status.OFF_TRACK: "Off track",
            Status.NO_DATA: "No data",
            Status.PROBLEM: "Needs attention",
        }[self]

    @property
    def meaning(self) -> str:
        return {
            Status.ACHIEVED: "the target is met",
            Status.ON_TRACK: "on or above the line to the target",
            Status.BEHIND: "below the line, but can catch up",
            Status.OFF_TRACK: "well below the line, or the target date has passed",
            Status.NO_DATA: "nothing to measure yet",
            Status.PROBLEM: "cannot be measured",
        }[self]


# The statuses in the order a board reads them, worst first (the aliases are not repeated).
STATUS_ORDER = (Status.OFF_TRACK, Status.BEHIND, Status.ON_TRACK, Status.ACHIEVED, Status.NO_DATA, Status.PROBLEM)

RAG_RULE = (
    f"Achieved: the latest value meets or passes the target. "
    f"On track: the target is not met yet, but the value is on or above a straight line drawn from the baseline "
    f"(on its date) to the target (on the target date), read at today's date. "
    f"Behind: below that line, by no more than {TOLERANCE_POINTS:g} percentage points: it can still catch up. "
    f"Off track: more than {TOLERANCE_POINTS:g} points below that line, or the target date has passed "
    f"without the target being met. "
    f"No data: nothing to count yet, for example no audits in the period graded the theme."
)


def months_before(day: date, months: int) -> date:
    """The day ``months`` calendar months before ``day`` (the month's last day if shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (next_month - timedelta(days=1)).day))


def expected_on(measure: Measure, on: date) -> float:
    """Where a straight line from the baseline to the target says the measure should be on ``on``."""
    span = (measure.target_on - measure.baseline_on).days
    if span <= 0 or on >= measure.target_on:
        return measure.target_value
    elapsed = min(max((on - measure.baseline_on).days, 0), span)
    return measure.baseline_value + (measure.target_value - measure.baseline_value) * elapsed / span


def rag(value: float | None, measure: Measure, on: date) -> Status:
    """The status of an unrounded ``value`` on ``on`` (``RAG_RULE`` in words)."""
    if value is None:
        return Status.NO_DATA
    if value >= measure.target_value:
        return Status.ACHIEVED
    if on > measure.target_on:
        return Status.OFF_TRACK
    expected = expected_on(measure, on)
    if value >= expected:
        return Status.ON_TRACK
    return Status.BEHIND if value >= expected - TOLERANCE_POINTS else Status.OFF_TRACK


@dataclass(frozen=True)
class MeasureResult:
    measure: Measure
    figure: Figure | None
    reading: Reading | None
    status: Status
    expected: float | None  # where the straight line says it should be today
    problem: str | None = None
    period: tuple[date, date] | None = None  # the audits counted, for audit-based figures

    @property
    def value(self) -> float | None:
        return self.reading.value if self.reading else None


def describe(measure: Measure, figure: Figure | None) -> str:
    """What the measure counts, in words, e.g. "% good or better for "Plan co-production" in
    Team A and Team B, audits completed in the last 3 months"."""
    if figure is None:
        return "A figure that is no longer available"
    if figure.imported:
        name = figure.label.removesuffix(INDICATOR_LABEL)
        return f"{name}: the latest month imported, for the whole service"
    words = figure.label
    if figure.needs_theme:
        words = f"% good or better for ‘{measure.theme}’"
    teams = [team.name for team in measure.teams]
    words += f" in {_and_list(teams)}" if teams else " across all teams"
    if figure.audit_based:
        months = measure.window_months
        words += f", audits completed in the last {months} month{'s' if months != 1 else ''}"
    else:
        words += ", as at today"
    return words


def _and_list(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def evaluate(measure: Measure, themes: Sequence[str], on: date | None = None) -> MeasureResult:
    """The measure's current value and RAG status on ``on`` (today). ``themes`` are the themes
    the audit tools have now (see ``audit.domain.tools.all_themes``)."""
    on = on or today()
    figure = FIGURES.get(measure.figure)
    if figure is None:
        return MeasureResult(
            measure,
            None,
            None,
            Status.PROBLEM,
            None,
            problem=f"This measure is bound to a figure that no longer exists (‘{measure.figure}’). "
            "Edit the measure and choose one of the figures available now.",
        )
    if figure.needs_theme and measure.theme not in themes:
        return MeasureResult(
            measure,
            figure,
            None,
            Status.PROBLEM,
            None,
            problem=f"No audit tool has the theme ‘{measure.theme}’ now. "
            "Edit the measure and choose one of the themes the audit tools cover.",
        )
    start = months_before(on, measure.window_months) + timedelta(days=1)
    scope = ReportScope(
        start=start,
        end=on,
        team_ids=tuple(team.id for team in measure.teams),
        themes=(measure.theme,) if figure.needs_theme and measure.theme else (),
    )
    reading = figure.read(measure, scope)
    if reading.problem:
        return MeasureResult(measure, figure, None, Status.PROBLEM, None, problem=reading.problem)
    return MeasureResult(
        measure,
        figure,
        reading,
        rag(reading.exact, measure, on),
        expected_on(measure, on),
        period=(start, on) if figure.audit_based else None,
    )


def evaluate_all(measures: Sequence[Measure], on: date | None = None) -> dict[int, MeasureResult]:
    """Every measure's result by measure id, with the themes read once."""
    themes = all_themes()
    return {measure.id: evaluate(measure, themes, on) for measure in measures}
