"""The improvement plan as a report: every priority with its measures' current values and RAG
status, each measure's trend by month (``measure_history``), and a summary of the whole plan, as the
plan page, its PDF and the command show it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template

from audit.clock import today, utcnow
from audit.domain.plan import all_priorities, is_overdue
from audit.models import Measure, PlanAction, PlanActionStatus, Priority
from audit.pdf import render_pdf
from audit.reporting.final_grades import AUDITOR_ONLY_RULE, FINAL_GRADE_RULE
from audit.reporting.measure_history import TrendPoint, monthly_trend, trend_chart
from audit.reporting.measures import RAG_RULE, STATUS_ORDER, MeasureResult, Status, describe, evaluate_all


@dataclass(frozen=True)
class PlanSummary:
    measures: int
    by_status: dict[Status, int]
    actions: int
    actions_done: int
    actions_overdue: int

    def count(self, status: Status) -> int:
        return self.by_status.get(status, 0)


@dataclass(frozen=True)
class PlanReport:
    """The whole plan as at ``on``: what the page, the PDF and the command all show."""

    on: date
    generated_at: datetime
    priorities: Sequence[Priority]
    results: dict[int, MeasureResult]
    summary: PlanSummary
    trends: dict[int, list[TrendPoint]]

    def result(self, measure: Measure) -> MeasureResult:
        return self.results[measure.id]

    def trend(self, measure: Measure) -> list[TrendPoint]:
        return self.trends.get(measure.id, [])

    def side_by_side(self, priority: Priority) -> tuple[list[MeasureResult], list[MeasureResult]]:
        """The priority's measures worked out from records and those read from imported
        indicators, when it has both: shown together so a mismatch shows ("audits say 80% good;
        40% of visits late"). Two empty lists otherwise."""
        results = [self.results[measure.id] for measure in priority.measures]
        imported = [result for result in results if result.figure is not None and result.figure.imported]
        recorded = [result for result in results if result.figure is not None and not result.figure.imported]
        return (recorded, imported) if imported and recorded else ([], [])

    def overdue(self, action: PlanAction) -> bool:
        return is_overdue(action, self.on)


def plan_report(on: date | None = None) -> PlanReport:
    on = on or today()
    priorities = all_priorities()
    measures = [measure for priority in priorities for measure in priority.measures]
    actions = [action for priority in priorities for action in priority.actions]
    results = evaluate_all(measures, on)
    summary = PlanSummary(
        measures=len(measures),
        by_status=dict(Counter(result.status for result in results.values())),
        actions=len(actions),
        actions_done=sum(action.status == PlanActionStatus.DONE.value for action in actions),
        actions_overdue=sum(is_overdue(action, on) for action in actions),
    )
    return PlanReport(on, utcnow(), priorities, results, summary, monthly_trend(measures, on))


DOCUMENT_TITLE = "Improvement plan: progress report"
REPORT_NAME = "plan-pdf"
# A figure worked out over fewer things than this (sections, audits, workers) swings a long way on
# one more or one fewer: the page and the PDF say so beside it.
FEW = 10


def rag_rule_lines() -> list[tuple[str, str]]:
    """The RAG rule, one status to a line as (word, meaning): ("Green", "the current value has..."),
    for reading at a glance, and what the one status that is not a RAG rating means."""
    lines = [
        *re.split(r"(?<=\.) (?=(?:Achieved|On track|Behind|Off track|No data): )", RAG_RULE),
        f"{Status.PROBLEM.label}: the measure cannot be worked out as it is set up, for example its figure "
        "has been withdrawn or no audit tool has its theme any more. A leader needs to change it.",
    ]
    return [(word, meaning) for word, meaning in (line.split(": ", 1) for line in lines)]


def context(report: PlanReport) -> dict[str, object]:
    """What the page and the PDF templates both need."""
    return {
        "report": report,
        "rag_rule": rag_rule_lines(),
        "final_grade_rule": f"{FINAL_GRADE_RULE} {AUDITOR_ONLY_RULE}",
        "Status": Status,
        "status_order": STATUS_ORDER,
        "trend_chart": trend_chart,
        "describe": describe,
        "few": FEW,
    }


def plan_pdf(generated_by: str | None) -> tuple[bytes, PlanReport]:
    """The PDF, and the report it shows. ``generated_by`` is the person who asked for it, or None
    for a scheduled run."""
    report = plan_report()
    html = render_template(
        "pdf/plan.html",
        **context(report),
        generated_by=generated_by,
        document_title=DOCUMENT_TITLE,
    )
    return render_pdf(html), report


def filename(report: PlanReport) -> str:
    return f"improvement-plan-{report.on.isoformat()}.pdf"
