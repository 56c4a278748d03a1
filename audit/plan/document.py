"""The plan as a PDF for the improvement board: the same report the plan page shows."""

from __future__ import annotations

import re

from flask import render_template

from audit.domain import plan as plan_data
from audit.pdf import render_pdf
from audit.reports.measures import RAG_RULE, Status, describe

DOCUMENT_TITLE = "Improvement plan: progress report"
REPORT_NAME = "plan-pdf"
# A figure worked out over fewer things than this (sections, audits, workers) swings a long way on
# one more or one fewer: the page and the PDF say so beside it.
FEW = 10


def rag_rule_lines() -> list[str]:
    """The RAG rule, one status to a line ("Green: ...", "Amber: ..."), for reading at a glance,
    and what the one status that is not a RAG rating means."""
    return [
        *re.split(r"(?<=\.) (?=(?:Green|Amber|Red|No data): )", RAG_RULE),
        f"{Status.PROBLEM.label}: the measure cannot be worked out as it is set up, for example its figure "
        "has been withdrawn or no audit tool has its theme any more. A leader needs to change it.",
    ]


def context(report: plan_data.PlanReport) -> dict[str, object]:
    """What the page and the PDF templates both need."""
    return {"report": report, "rag_rule": rag_rule_lines(), "Status": Status, "describe": describe, "few": FEW}


def plan_pdf(generated_by: str | None) -> tuple[bytes, plan_data.PlanReport]:
    """The PDF, and the report it shows. ``generated_by`` is the person who asked for it, or None
    for a scheduled run."""
    report = plan_data.plan_report()
    html = render_template(
        "pdf/plan.html",
        **context(report),
        generated_by=generated_by,
        document_title=DOCUMENT_TITLE,
    )
    return render_pdf(html), report


def filename(report: plan_data.PlanReport) -> str:
    return f"improvement-plan-{report.on.isoformat()}.pdf"
