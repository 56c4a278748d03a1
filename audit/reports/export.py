"""The answers export: one row per answer of the audits in a report's scope, as tidy CSV.

A cell that a spreadsheet would read as a formula (starting = + - @, tab or carriage return) is
prefixed with an apostrophe, so an answer typed as "=HYPERLINK(...)" stays text when opened.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, insert, literal, select
from sqlalchemy.orm import aliased

from audit.clock import utcnow
from audit.extensions import db
from audit.models import (
    AccessLogEntry,
    Answer,
    Audit,
    AuditToolVersion,
    Case,
    GradeScale,
    ModeratedSection,
    Moderation,
    ScaleGrade,
    Team,
    ToolQuestion,
    ToolSection,
)
from audit.reports.figures import ReportScope

HEADER = (
    "audit_id",
    "case_reference",
    "team",
    "tool",
    "tool_version",
    "section",
    "theme",
    "question",
    "answer",
    "moderated_section_grade",
    "submitted_on",
    "moderated_on",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _answer_text(grade: str | None, not_applicable: bool, na_label: str, choice: str | None, day, text) -> str:  # type: ignore[no-untyped-def]
    if grade is not None:
        return grade
    if not_applicable:
        return na_label
    if choice is not None:
        return {"yes": "Yes", "no": "No", "na": na_label}[choice]
    if day is not None:
        return day.isoformat()
    return text or ""


def _query(scope: ReportScope):  # type: ignore[no-untyped-def]
    moderated_grade = aliased(ScaleGrade)
    answer_grade = aliased(ScaleGrade)
    return (
        select(
            Audit.id,
            Case.reference,
            Team.name,
            AuditToolVersion.name,
            AuditToolVersion.version,
            ToolSection.title,
            ToolSection.theme,
            ToolQuestion.text,
            answer_grade.label,
            Answer.not_applicable,
            GradeScale.not_applicable_label,
            Answer.choice,
            Answer.date_value,
            Answer.text_value,
            moderated_grade.label,
            ModeratedSection.not_applicable,
            Audit.submitted_at,
            Audit.moderated_at,
        )
        .select_from(Answer)
        .join(Audit, Audit.id == Answer.audit_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(AuditToolVersion, AuditToolVersion.id == Audit.tool_version_id)
        .join(GradeScale, GradeScale.id == AuditToolVersion.scale_id)
        .join(ToolQuestion, ToolQuestion.id == Answer.question_id)
        .join(ToolSection, ToolSection.id == ToolQuestion.section_id)
        .outerjoin(answer_grade, answer_grade.id == Answer.grade_id)
        .outerjoin(Moderation, Moderation.audit_id == Audit.id)
        .outerjoin(
            ModeratedSection,
            and_(ModeratedSection.moderation_id == Moderation.id, ModeratedSection.section_id == ToolSection.id),
        )
        .outerjoin(moderated_grade, moderated_grade.id == ModeratedSection.grade_id)
        .where(*scope.completed_audits(), *scope.sections())
        .order_by(Audit.submitted_at, Audit.id, ToolSection.position, ToolQuestion.position)
    )


def log_export(scope: ReportScope, user_id: int) -> None:
    """One access-log row per audit exported, written by one INSERT ... SELECT."""
    audits = select(
        literal(user_id), literal("export"), literal("audit"), Audit.id, Audit.case_id, literal(utcnow())
    ).where(*scope.completed_audits())
    db.session.execute(
        insert(AccessLogEntry).from_select(["user_id", "action", "record_type", "record_id", "case_id", "at"], audits)
    )


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def answer_csv(scope: ReportScope) -> Iterator[str]:
    """The CSV, a batch of rows at a time, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    result = db.session.execute(_query(scope).execution_options(yield_per=BATCH))
    for rows in result.partitions():
        for row in rows:
            (audit_id, reference, team, tool, version, section, theme, question, grade, na, na_label,
             choice, day, text, moderated, moderated_na, submitted, moderated_at) = row  # fmt: skip
            writer.writerow(
                [
                    safe_cell(value)
                    for value in (
                        audit_id,
                        reference,
                        team,
                        tool,
                        version,
                        section,
                        theme,
                        question,
                        _answer_text(grade, na, na_label, choice, day, text),
                        moderated if moderated is not None else (na_label if moderated_na else ""),
                        _day(submitted),
                        _day(moderated_at),
                    )
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
