"""The exports, as tidy CSV with a header row: one row per answer of the audits in a report's
scope, and one row per action arising from them.

A cell that a spreadsheet would read as a formula (starting = + - @, tab or carriage return) is
prefixed with an apostrophe, so an answer typed as "=HYPERLINK(...)" stays text when opened.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, insert, literal, select
from sqlalchemy.orm import aliased

from audit.answers import StoredAnswer, answer_kind
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
from audit.reporting.figures import ReportScope

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


def _query(scope: ReportScope) -> Select[*tuple[Any, ...]]:
    # Nineteen columns, past SQLAlchemy's typed overloads of select(): _answer_row() types them.
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
            ToolQuestion.answer_type,
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


def _answer_row(audit_id: int, reference: str, team: str, tool: str, version: int, section: str, theme: str,
                question: str, answer_type: str, grade: str | None, na: bool, na_label: str, choice: str | None,
                day: date | None, text: str | None, moderated: str | None, moderated_na: bool | None,
                submitted: datetime | None, moderated_at: datetime | None) -> list[object]:  # fmt: skip
    return [
        audit_id,
        reference,
        team,
        tool,
        version,
        section,
        theme,
        question,
        answer_kind(answer_type).csv_value(StoredAnswer(grade, na, choice, day, text), na_label),
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
    # Ten columns: past SQLAlchemy's typed overloads of select(), so the rows are typed by row().
    query: Select[*tuple[Any, ...]] = (
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

    def row(action_id: int, audit_id: int, reference: str, team: str, tool: str, description: str, owner_name: str,
            due: date, completed: datetime | None, submitted: datetime | None) -> list[object]:  # fmt: skip
        status = "completed" if completed is not None else ("overdue" if due < on else "open")
        on_time = "" if completed is None else ("yes" if completed.date() <= due else "no")
        return [action_id, audit_id, reference, team, tool, description, owner_name, due.isoformat(), status,
                _day(completed), on_time, _day(submitted)]  # fmt: skip

    def batches() -> Iterator[list[list[object]]]:
        result = db.session.execute(query.execution_options(yield_per=BATCH))
        for rows in result.partitions():
            yield [row(*values) for values in rows]

    return _stream(ACTION_HEADER, batches())
