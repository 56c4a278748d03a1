"""The exports, as tidy CSV with a header row: one row per answer of the audits in a report's
scope, and one row per action arising from them.

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

from audit.clock import today, utcnow
from audit.extensions import db
from audit.models import (
    AccessLogEntry,
    Action,
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
    User,
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


def _stream(header: tuple[str, ...], batches: Iterator[list[list[object]]]) -> Iterator[str]:
    """CSV text a batch at a time, header first, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for rows in batches:
        writer.writerows([safe_cell(value) for value in row] for row in rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def answer_csv(scope: ReportScope) -> Iterator[str]:
    """One row per answer of the audits in scope."""

    def batches() -> Iterator[list[list[object]]]:
        result = db.session.execute(_query(scope).execution_options(yield_per=BATCH))
        for rows in result.partitions():
            yield [_answer_row(*row) for row in rows]

    return _stream(HEADER, batches())


def _answer_row(audit_id, reference, team, tool, version, section, theme, question, grade, na, na_label,  # type: ignore[no-untyped-def]
                choice, day, text, moderated, moderated_na, submitted, moderated_at) -> list[object]:  # fmt: skip
    return [
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
    ]


ACTION_HEADER = (
    "action_id",
    "audit_id",
    "case_reference",
    "team",
    "tool",
    "action",
    "owner",
    "due_on",
    "status",
    "completed_on",
    "completed_on_time",
    "audit_submitted_on",
)


def action_csv(scope: ReportScope) -> Iterator[str]:
    """One row per action arising from the audits in scope, oldest audit first."""
    owner = aliased(User)
    query = (
        select(
            Action.id,
            Audit.id,
            Case.reference,
            Team.name,
            AuditToolVersion.name,
            Action.description,
            owner.name,
            Action.due_date,
            Action.completed_at,
            Audit.submitted_at,
        )
        .join(Audit, Audit.id == Action.audit_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(AuditToolVersion, AuditToolVersion.id == Audit.tool_version_id)
        .join(owner, owner.id == Action.owner_id)
        .where(*scope.completed_audits())
        .order_by(Audit.submitted_at, Audit.id, Action.id)
    )
    on = today()

    def row(action_id, audit_id, reference, team, tool, description, owner_name, due, completed, submitted):  # type: ignore[no-untyped-def]
        done = completed is not None
        status = "completed" if done else ("overdue" if due < on else "open")
        on_time = ("yes" if completed.date() <= due else "no") if done else ""
        return [action_id, audit_id, reference, team, tool, description, owner_name, due.isoformat(), status,
                _day(completed), on_time, _day(submitted)]  # fmt: skip

    def batches() -> Iterator[list[list[object]]]:
        result = db.session.execute(query.execution_options(yield_per=BATCH))
        for rows in result.partitions():
            yield [row(*values) for values in rows]

    return _stream(ACTION_HEADER, batches())
