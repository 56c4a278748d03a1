"""The exports, as tidy CSV with a header row: one row per answer of the audits in a report's
scope, and one row per action arising from them.

Each answer row carries its section's grades (the auditor's, the moderator's and the final one)
and its audit's overall grades the same three ways, the final ones by the same SQL expressions the
report figures apply (``final_grades.FINAL_SECTION_GRADE_ID`` and ``FINAL_OVERALL_GRADE_ID``), so
a figure can be worked out again from the export.

A cell that a spreadsheet would read as a formula is prefixed with an apostrophe, so an answer
typed as "=HYPERLINK(...)" stays text when opened: one starting with a tab or carriage return, or
whose first visible character is = + - @ or a full-width or small form of them (U+FF1D and so on),
however many spaces, line breaks, non-breaking spaces or invisible characters (zero-width spaces,
byte-order marks) come before it: spreadsheets skip those before reading a formula.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, insert, literal, select
from sqlalchemy.orm import aliased

from audit.answers import StoredAnswer, answer_kind
from audit.clock import to_local, today, utcnow
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
    QuestionOption,
    ScaleGrade,
    SectionJudgement,
    Team,
    ToolQuestion,
    ToolSection,
    User,
)
from audit.reporting.figures import ReportScope
from audit.reporting.final_grades import FINAL_OVERALL_GRADE_ID, FINAL_SECTION_GRADE_ID, FINAL_SECTION_NOT_APPLICABLE

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
    "auditor_section_grade",
    "moderated_section_grade",
    "final_section_grade",
    "auditor_overall_grade",
    "moderated_overall_grade",
    "final_overall_grade",
    "submitted_on",
    "moderated_on",
)
FORMULA_STARTS = ("\t", "\r")
FORMULA_SIGNS = frozenset("=+-@\u2212")  # with U+2212, the minus sign
BATCH = 500


def _first_visible(text: str) -> str:
    for character in text:
        # Spaces of every kind (NBSP, ideographic...) and format characters (zero-width, BOM).
        if not character.isspace() and unicodedata.category(character) != "Cf":
            return character
    return ""


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    first = _first_visible(text)
    # NFKC folds the full-width and small forms (U+FF1D, U+FF0B, U+FF0D, U+FF20, U+FE66...) to = + - @.
    dangerous = text.startswith(FORMULA_STARTS) or unicodedata.normalize("NFKC", first) in FORMULA_SIGNS
    return "'" + text if dangerous else text


def _query(scope: ReportScope) -> Select[*tuple[Any, ...]]:
    # Twenty-eight columns, past SQLAlchemy's typed overloads of select(): _answer_row() types them.
    moderated_grade = aliased(ScaleGrade)
    answer_grade = aliased(ScaleGrade)
    auditor_grade = aliased(ScaleGrade)
    final_grade = aliased(ScaleGrade)
    auditor_overall = aliased(ScaleGrade)
    moderated_overall = aliased(ScaleGrade)
    final_overall = aliased(ScaleGrade)
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
            QuestionOption.label,
            Answer.number_value,
            auditor_grade.label,
            SectionJudgement.not_applicable,
            moderated_grade.label,
            ModeratedSection.not_applicable,
            final_grade.label,
            FINAL_SECTION_NOT_APPLICABLE,
            auditor_overall.label,
            moderated_overall.label,
            final_overall.label,
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
        .outerjoin(QuestionOption, QuestionOption.id == Answer.option_id)
        .outerjoin(
            SectionJudgement,
            and_(SectionJudgement.audit_id == Audit.id, SectionJudgement.section_id == ToolSection.id),
        )
        .outerjoin(Moderation, Moderation.audit_id == Audit.id)
        .outerjoin(
            ModeratedSection,
            and_(ModeratedSection.moderation_id == Moderation.id, ModeratedSection.section_id == ToolSection.id),
        )
        .outerjoin(auditor_grade, auditor_grade.id == SectionJudgement.grade_id)
        .outerjoin(moderated_grade, moderated_grade.id == ModeratedSection.grade_id)
        .outerjoin(final_grade, final_grade.id == FINAL_SECTION_GRADE_ID)
        .outerjoin(auditor_overall, auditor_overall.id == Audit.overall_grade_id)
        .outerjoin(moderated_overall, moderated_overall.id == Moderation.overall_grade_id)
        .outerjoin(final_overall, final_overall.id == FINAL_OVERALL_GRADE_ID)
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


def day_of(value: datetime | None) -> str:
    """The UK date of a stored (UTC) time: what the audit's page says, not the UTC date."""
    return to_local(value).date().isoformat() if value else ""


def stream(header: tuple[str, ...], batches: Iterator[list[list[object]]]) -> Iterator[str]:
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

    return stream(HEADER, batches())


def _answer_row(audit_id: int, reference: str, team: str, tool: str, version: int, section: str, theme: str,
                question: str, answer_type: str, grade: str | None, na: bool, na_label: str, choice: str | None,
                day: date | None, text: str | None, option: str | None, number: int | None,
                auditors: str | None, auditors_na: bool | None,
                moderated: str | None, moderated_na: bool | None, final: str | None, final_na: bool | None,
                auditors_overall: str | None, moderated_overall: str | None, final_overall: str | None,
                submitted: datetime | None, moderated_at: datetime | None) -> list[object]:  # fmt: skip
    def section_grade(label: str | None, not_applicable: bool | None) -> str:
        return label if label is not None else (na_label if not_applicable else "")

    return [
        audit_id,
        reference,
        team,
        tool,
        version,
        section,
        theme,
        question,
        answer_kind(answer_type).csv_value(StoredAnswer(grade, na, choice, day, text, option, number), na_label),
        section_grade(auditors, auditors_na),
        section_grade(moderated, moderated_na),
        section_grade(final, final_na),
        auditors_overall or "",
        moderated_overall or "",
        final_overall or "",
        day_of(submitted),
        day_of(moderated_at),
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
        on_time = "" if completed is None else ("yes" if to_local(completed).date() <= due else "no")
        return [action_id, audit_id, reference, team, tool, description, owner_name, due.isoformat(), status,
                day_of(completed), on_time, day_of(submitted)]  # fmt: skip

    def batches() -> Iterator[list[list[object]]]:
        result = db.session.execute(query.execution_options(yield_per=BATCH))
        for rows in result.partitions():
            yield [row(*values) for values in rows]

    return stream(ACTION_HEADER, batches())
