"""The inspection evidence pack: for a period, one part per inspection judgement area (ILACS:
help and protection, children in care, care leavers, the impact of leaders; the areas are data)
answering the three questions inspectors ask of a service's self-evaluation:

- **what we know**: final-grade figures for the themes and tools that evidence the area, with the
  movement on the previous period and the trend, and the question-level figures;
- **how we know it**: the sample, moderation agreement, family feedback and practitioners'
  reflections counted, and the re-audit outcomes;
- **what we are doing**: the improvement plan's priorities whose measures read the area's themes
  or tools, with their actions and each measure's value today and month by month;

with the **case references** of the audits behind the figures, for an inspector to sample.

``build_pack`` gathers everything once; the PDF (``pack_pdf``) and the Word document
(``pack_docx``, python-docx) only lay it out, so the two can never disagree. Each figure comes from
the function the dashboard and the themed report call.

An area's figures count the audits of the tools that evidence it (a tool's own list, or one of its
sections'), and its themes are the themes of the sections that evidence it; with the report's team
and tool filters on top. A tool may evidence two areas, so an audit can be counted in both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from sqlalchemy import func, select

from audit.clock import local_now, to_local
from audit.domain.access_log import record_access
from audit.domain.plan import all_priorities
from audit.extensions import db
from audit.models import (
    Audit,
    AuditTool,
    AuditToolVersion,
    Case,
    JudgementArea,
    Measure,
    Moderation,
    PlanAction,
    Priority,
    ScaleGrade,
    Team,
    ToolSection,
    audit_tool_judgement_areas,
    tool_section_judgement_areas,
)
from audit.reporting import agreement, downloads, figures, measures, questions, reaudit, sample, voices
from audit.reporting.final_grades import FINAL_OVERALL_GRADE_ID
from audit.reporting.measure_history import TrendPoint, monthly_trend

REPORT_NAME = "evidence-pack"
DOCUMENT_TITLE = "Inspection evidence pack"
# The audits listed for an inspector to sample, per area: the most recent first. More than this is
# a list nobody samples from; every audit is in the answers export.
CASES_LISTED = 60


@dataclass(frozen=True)
class ThemeFigure:
    grades: figures.GradeDistribution
    before: float | None  # % good or better in the previous period
    trend: list[figures.GoodOrBetter]  # by quarter, over both periods

    @property
    def name(self) -> str:
        return self.grades.name

    @property
    def points(self) -> float | None:
        now = self.grades.percent_good_or_better
        return None if now is None or self.before is None else round(now - self.before, 1)


@dataclass(frozen=True)
class CaseReference:
    audit_id: int
    case_id: int
    reference: str
    team: str
    tool: str
    submitted_on: date
    overall: str | None  # the final overall grade, where the tool asks for one


@dataclass(frozen=True)
class MeasureLine:
    result: measures.MeasureResult
    history: list[TrendPoint]  # month by month (part of the plan's measure history)


@dataclass(frozen=True)
class PriorityLine:
    priority: Priority
    measures: list[MeasureLine]
    actions: list[PlanAction]


@dataclass
class AreaPack:
    key: str
    name: str
    tools: list[str]
    themes: list[ThemeFigure] = field(default_factory=list)
    overall: list[figures.ToolOverall] = field(default_factory=list)
    questions: list[questions.QuestionFigure] = field(default_factory=list)
    sample: sample.SampleDescription | None = None
    agreement: agreement.ModerationAgreement | None = None
    voices: voices.Voices | None = None
    reaudits: reaudit.ReauditOutcomes | None = None
    priorities: list[PriorityLine] = field(default_factory=list)
    cases: list[CaseReference] = field(default_factory=list)
    cases_total: int = 0

    @property
    def has_audits(self) -> bool:
        return bool(self.sample and self.sample.completed)


@dataclass
class EvidencePack:
    scope: figures.ReportScope
    previous: figures.ReportScope
    generated_at: datetime
    team_names: list[str]
    areas: list[AreaPack]
    trend_by: Literal["quarter"] = "quarter"

    @property
    def title(self) -> str:
        return DOCUMENT_TITLE

    def audits_listed(self) -> set[tuple[int, int]]:
        """(audit id, case id) of every audit the pack names: logged as exported on download."""
        return {(case.audit_id, case.case_id) for area in self.areas for case in area.cases}


def _area_tools_and_themes() -> dict[int, tuple[set[int], set[str]]]:
    """Per area id: the tools that evidence it (their own list, or one of their sections') and the
    themes of the sections that do. Every section's list is stored (the loader gives a section
    without a list of its own its tool's), so the sections' table answers for the themes."""
    found: dict[int, tuple[set[int], set[str]]] = defaultdict(lambda: (set(), set()))
    for area_id, tool_id in db.session.execute(
        select(audit_tool_judgement_areas.c.area_id, audit_tool_judgement_areas.c.tool_id)
    ).all():
        found[area_id][0].add(tool_id)
    for area_id, tool_id, theme in db.session.execute(
        select(tool_section_judgement_areas.c.area_id, AuditToolVersion.tool_id, ToolSection.theme)
        .join(ToolSection, ToolSection.id == tool_section_judgement_areas.c.section_id)
        .join(AuditToolVersion, AuditToolVersion.id == ToolSection.tool_version_id)
        .distinct()
    ).all():
        found[area_id][0].add(tool_id)
        found[area_id][1].add(theme)
    return found


def _cases(scope: figures.ReportScope) -> tuple[list[CaseReference], int]:
    """The audits behind an area's figures, most recent first (``CASES_LISTED`` of them), and how many."""
    completed = scope.completed_audits()
    total = db.session.scalar(select(func.count(Audit.id)).where(*completed)) or 0
    rows = db.session.execute(
        select(Audit.id, Audit.case_id, Case.reference, Team.name, AuditTool.name, Audit.submitted_at, ScaleGrade.label)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(AuditToolVersion, AuditToolVersion.id == Audit.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .outerjoin(Moderation, Moderation.audit_id == Audit.id)
        .outerjoin(ScaleGrade, ScaleGrade.id == FINAL_OVERALL_GRADE_ID)
        .where(*completed)
        .order_by(Audit.submitted_at.desc(), Audit.id.desc())
        .limit(CASES_LISTED)
    ).all()
    return [
        CaseReference(audit_id, case_id, reference, team, tool, _day(submitted), grade)
        for audit_id, case_id, reference, team, tool, submitted, grade in rows
    ], int(total)


def _priorities(
    plan: Sequence[Priority],
    results: dict[int, measures.MeasureResult],
    history: dict[int, list[TrendPoint]],
    themes: set[str],
    tool_slugs: set[str],
) -> list[PriorityLine]:
    """The priorities with a measure that reads one of the area's themes or tools."""
    lines = []
    for priority in plan:
        linked = [
            measure
            for measure in priority.measures
            if (measure.theme and measure.theme in themes) or any(slug in measure.figure for slug in tool_slugs)
        ]
        if linked:
            lines.append(
                PriorityLine(
                    priority,
                    [MeasureLine(results[measure.id], history.get(measure.id, [])) for measure in linked],
                    list(priority.actions),
                )
            )
    return lines


def build_pack(scope: figures.ReportScope) -> EvidencePack:
    """Everything the pack shows, for ``scope``'s period and team and tool filters (a theme filter
    is ignored: an area is judged on all its themes)."""
    scope = replace(scope, themes=())
    previous = scope.previous()
    areas = db.session.scalars(select(JudgementArea).order_by(JudgementArea.position, JudgementArea.id)).all()
    tagged = _area_tools_and_themes()
    tools = {tool.id: tool for tool in db.session.scalars(select(AuditTool)).all()}
    plan = all_priorities()
    plan_measures: list[Measure] = [measure for priority in plan for measure in priority.measures]
    results = measures.evaluate_all(plan_measures)
    history = monthly_trend(plan_measures)
    packs = []
    for area in areas:
        tool_ids, themes = tagged.get(area.id, (set(), set()))
        if scope.tool_ids:
            tool_ids = tool_ids & set(scope.tool_ids)
        pack = AreaPack(area.key, area.name, sorted(tools[tool_id].name for tool_id in tool_ids if tool_id in tools))
        packs.append(pack)
        if not tool_ids:
            continue  # no tool in the filters evidences this area: nothing to count
        area_scope = replace(scope, tool_ids=tuple(sorted(tool_ids)))
        area_previous = area_scope.previous()
        trend_scope = replace(area_scope, start=area_previous.start)
        before = {row.name: row.percent_good_or_better for row in figures.theme_grades(area_previous)}
        trend = figures.theme_trend(trend_scope, by="quarter")
        pack.themes = [
            ThemeFigure(grades, before.get(grades.name), [row for row in trend if row.theme == grades.name])
            for grades in figures.theme_grades(area_scope)
            if grades.name in themes and (grades.graded or grades.not_applicable)
        ]
        pack.overall = [tool for tool in figures.overall_grades_by_tool(area_scope) if tool.grades.graded]
        pack.questions = [figure for figure in questions.question_figures(area_scope) if figure.theme in themes]
        pack.sample = sample.describe_sample(area_scope)
        pack.agreement = agreement.moderation_agreement(area_scope)
        pack.voices = voices.voices_total(area_scope)
        pack.reaudits = reaudit.reaudit_outcomes(area_scope, viewer=None)
        pack.priorities = _priorities(plan, results, history, themes, {tools[tool_id].slug for tool_id in tool_ids})
        pack.cases, pack.cases_total = _cases(area_scope)
    team_names = (
        list(db.session.scalars(select(Team.name).where(Team.id.in_(scope.team_ids)).order_by(Team.name)))
        if scope.team_ids
        else []
    )
    return EvidencePack(scope, previous, local_now(), team_names, packs)


def record_pack(pack: EvidencePack, kind: Literal["pdf", "docx"], user_id: int | None) -> None:
    """A pack produced: the download recorded, and each audit it names logged as exported."""
    downloads.record_download(f"{REPORT_NAME}-{kind}", pack.scope.filters(), user_id)
    if user_id is not None:
        for audit_id, case_id in sorted(pack.audits_listed()):
            record_access(user_id, "export", "audit", audit_id, case_id)


def _day(submitted: datetime | None) -> date:
    return to_local(submitted).date() if submitted else date.min  # a completed audit has its time
