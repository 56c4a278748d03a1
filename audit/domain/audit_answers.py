"""Saving an audit's answers, checking it is complete, submitting it, and amending it afterwards.

Drafts save whatever is valid, at any time (autosave calls the same function as "Save and come
back later"); a field posted with an invalid value keeps what was saved before. Completeness is
checked only on submission, from what is saved, so the rules live in one place. Problems are
reported against field names ``q<question id>_<part>``, ``s<section id>_<part>`` and the closing
parts' names, which the form uses too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm.exc import StaleDataError

from audit.answers import EVIDENCE_MAX as EVIDENCE_MAX
from audit.answers import NOT_APPLICABLE as NOT_APPLICABLE
from audit.answers import YES_NO_LABELS, answer_kind
from audit.clock import utcnow
from audit.domain import amendments
from audit.domain.amendments import EditConflict as EditConflict
from audit.domain.amendments import amendments_recorded as amendments_recorded
from audit.extensions import db
from audit.models import (
    Answer,
    Audit,
    AuditAmendment,
    AuditStatus,
    ScaleGrade,
    SectionJudgement,
    User,
)


@dataclass(frozen=True)
class AnswerValues:
    grade: str | None = None  # a grade key of the tool's scale, or NOT_APPLICABLE
    choice: str | None = None
    date_value: date | None = None
    text: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class SectionValues:
    grade: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class OverallValues:
    grade: str | None = None
    rationale: str | None = None
    above_inadequate_reason: str | None = None


@dataclass(frozen=True)
class DraftValues:
    answers: dict[int, AnswerValues] = field(default_factory=dict)
    sections: dict[int, SectionValues] = field(default_factory=dict)
    overall: OverallValues | None = None
    strengths: str | None = None
    areas_for_development: str | None = None
    child_family_feedback: str | None = None
    # Field names (``q12_evidence``, ``strengths``) whose posted value was invalid: they keep what
    # is saved, so that a typing slip never erases the words saved before it.
    keep: frozenset[str] = frozenset()

    def changes(self, name: str) -> bool:
        return name not in self.keep


class AuditLocked(Exception):
    """A submitted audit changes only by amendment."""


def _grades_by_key(audit: Audit) -> dict[str, ScaleGrade]:
    return {grade.key: grade for grade in audit.tool_version.scale.grades}


def _grade_fields(grade_key: str | None, grades: dict[str, ScaleGrade]) -> tuple[int | None, bool]:
    if grade_key == NOT_APPLICABLE:
        return None, True
    grade = grades.get(grade_key or "")
    return (grade.id if grade else None), False


def save_draft(audit: Audit, values: DraftValues, user: User, expected_version: int | None) -> None:
    """Store the values on the audit; raises EditConflict when the audit changed underneath, and
    AuditLocked when it is submitted or cancelled."""
    if not audit.status_enum.is_open:
        raise AuditLocked
    amendments.check_version(audit, expected_version)
    _apply(audit, values)
    if audit.status == AuditStatus.ASSIGNED:
        audit.status = AuditStatus.IN_PROGRESS
        audit.started_at = utcnow()
    audit.updated_at = utcnow()
    audit.updated_by_id = user.id
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise EditConflict(db.session.get(Audit, audit.id) or audit) from error


def _apply(audit: Audit, values: DraftValues) -> None:
    grades = _grades_by_key(audit)
    answers = {answer.question_id: answer for answer in audit.answers}
    changes = values.changes
    for question_id, answer_values in values.answers.items():
        answer = answers.get(question_id)
        if answer is None:
            answer = Answer(question_id=question_id, not_applicable=False)
            audit.answers.append(answer)
        part = f"q{question_id}_"
        if changes(part + "grade"):
            answer.grade_id, answer.not_applicable = _grade_fields(answer_values.grade, grades)
        if changes(part + "choice"):
            answer.choice = answer_values.choice if answer_values.choice in YES_NO_LABELS else None
        if changes(part + "date"):
            answer.date_value = answer_values.date_value
        if changes(part + "text"):
            answer.text_value = answer_values.text
        if changes(part + "evidence"):
            answer.evidence = answer_values.evidence
    judgements = {judgement.section_id: judgement for judgement in audit.judgements}
    for section_id, section_values in values.sections.items():
        judgement = judgements.get(section_id)
        if judgement is None:
            judgement = SectionJudgement(section_id=section_id, not_applicable=False)
            audit.judgements.append(judgement)
        if changes(f"s{section_id}_grade"):
            judgement.grade_id, judgement.not_applicable = _grade_fields(section_values.grade, grades)
        if changes(f"s{section_id}_evidence"):
            judgement.evidence = section_values.evidence
    if values.overall is not None:
        if changes("overall_grade"):
            grade = grades.get(values.overall.grade or "")
            audit.overall_grade_id = grade.id if grade else None
        if changes("overall_rationale"):
            audit.overall_rationale = values.overall.rationale
        if changes("overall_above_inadequate_reason"):
            audit.overall_above_inadequate_reason = values.overall.above_inadequate_reason
    if changes("strengths"):
        audit.strengths = values.strengths
    if changes("areas_for_development"):
        audit.areas_for_development = values.areas_for_development
    if changes("child_family_feedback"):
        audit.child_family_feedback = values.child_family_feedback


def submission_problems(audit: Audit) -> list[tuple[str, str]]:
    """Everything that stops the saved audit being submitted, in the order of the form."""
    problems: list[tuple[str, str]] = []
    answers = {answer.question_id: answer for answer in audit.answers}
    judgements = {judgement.section_id: judgement for judgement in audit.judgements}
    worst_position = max(grade.position for grade in audit.tool_version.scale.grades)
    grade_positions = {grade.id: grade.position for grade in audit.tool_version.scale.grades}
    inadequate_sections = []

    def too_long(name: str, text: str | None, label: str) -> None:
        if text and len(text) > EVIDENCE_MAX:
            problems.append((name, f"{label} must be {EVIDENCE_MAX:,} characters or fewer"))

    for section in audit.tool_version.sections:
        for number, question in enumerate(section.questions, start=1):
            where = f"{section.title}, question {number}"
            answer = answers.get(question.id) or Answer()
            problems += answer_kind(question.answer_type).problems(
                answer, where, f"q{question.id}", required=question.required
            )
        judgement = judgements.get(section.id) or SectionJudgement()
        if judgement.grade_id is None and not judgement.not_applicable:
            problems.append((f"s{section.id}_grade", f"{section.title}: select your judgement for the section"))
        elif not (judgement.evidence or "").strip():
            problems.append((f"s{section.id}_evidence", f"{section.title}: enter the evidence for your judgement"))
        too_long(f"s{section.id}_evidence", judgement.evidence, f"{section.title}: evidence")
        if judgement.grade_id is not None and grade_positions.get(judgement.grade_id) == worst_position:
            inadequate_sections.append(section.title)

    if audit.tool_version.asks_overall_grade:
        if audit.overall_grade_id is None:
            problems.append(("overall_grade", "Select the overall grade"))
        if not (audit.overall_rationale or "").strip():
            problems.append(("overall_rationale", "Enter why you gave this overall grade"))
        if (
            audit.overall_grade_id is not None
            and inadequate_sections
            and grade_positions.get(audit.overall_grade_id, worst_position) < worst_position
            and not (audit.overall_above_inadequate_reason or "").strip()
        ):
            problems.append(
                (
                    "overall_above_inadequate_reason",
                    f"Explain why the overall grade is higher than the inadequate judgement for "
                    f"{', '.join(inadequate_sections)}",
                )
            )
    if not (audit.strengths or "").strip():
        problems.append(("strengths", "Enter the strengths you found"))
    if not (audit.areas_for_development or "").strip():
        problems.append(("areas_for_development", "Enter the areas for development"))
    return problems


def submit(audit: Audit, user: User) -> list[tuple[str, str]]:
    """Lock the audit if it is complete; otherwise return the problems and change nothing."""
    problems = submission_problems(audit)
    if problems:
        return problems
    audit.status = AuditStatus.SUBMITTED
    audit.submitted_at = utcnow()
    audit.updated_at = utcnow()
    audit.updated_by_id = user.id
    db.session.flush()
    return []


# Amendments after submission ---------------------------------------------------------------------


def _describe(audit: Audit) -> dict[str, tuple[str, str | None]]:
    """Every amendable item of a saved audit as (label, value in words), keyed by field name."""
    grades = {grade.id: grade.label for grade in audit.tool_version.scale.grades}
    na_label = audit.tool_version.scale.not_applicable_label
    answers = {answer.question_id: answer for answer in audit.answers}
    judgements = {judgement.section_id: judgement for judgement in audit.judgements}

    def grade_text(grade_id: int | None, not_applicable: bool) -> str | None:
        return na_label if not_applicable else grades.get(grade_id) if grade_id else None

    items: dict[str, tuple[str, str | None]] = {}
    for section in audit.tool_version.sections:
        for number, question in enumerate(section.questions, start=1):
            answer = answers.get(question.id) or Answer(not_applicable=False)
            where = f"{section.title}, question {number}"
            prefix = f"q{question.id}"
            items[f"{prefix}_grade"] = (f"{where}: grade", grade_text(answer.grade_id, bool(answer.not_applicable)))
            items[f"{prefix}_choice"] = (f"{where}: answer", YES_NO_LABELS.get(answer.choice or ""))
            items[f"{prefix}_date"] = (f"{where}: date", answer.date_value.isoformat() if answer.date_value else None)
            items[f"{prefix}_text"] = (f"{where}: answer", answer.text_value)
            items[f"{prefix}_evidence"] = (f"{where}: evidence", answer.evidence)
        judgement = judgements.get(section.id) or SectionJudgement(not_applicable=False)
        items[f"s{section.id}_grade"] = (
            f"{section.title}: judgement",
            grade_text(judgement.grade_id, bool(judgement.not_applicable)),
        )
        items[f"s{section.id}_evidence"] = (f"{section.title}: evidence", judgement.evidence)
    items["overall_grade"] = ("Overall grade", grades.get(audit.overall_grade_id) if audit.overall_grade_id else None)
    items["overall_rationale"] = ("Overall rationale", audit.overall_rationale)
    items["overall_above_inadequate_reason"] = (
        "Reason overall grade is above an inadequate section",
        audit.overall_above_inadequate_reason,
    )
    items["strengths"] = ("Strengths", audit.strengths)
    items["areas_for_development"] = ("Areas for development", audit.areas_for_development)
    items["child_family_feedback"] = ("Child's and family's feedback", audit.child_family_feedback)
    return items


def amend(
    audit: Audit, values: DraftValues, user: User, reason: str, expected_version: int | None
) -> list[AuditAmendment]:
    """Change a submitted audit, recording each changed item with who, when, from, to and why.
    The changed audit must still be complete; returns the amendments (none if nothing changed)."""
    if not audit.is_locked:
        raise ValueError("only a submitted audit is amended")
    return amendments.amend(
        audit,
        describe=lambda: _describe(audit),
        apply=lambda: _apply(audit, values),
        amendment=AuditAmendment,
        recorded=audit.amendments,
        user=user,
        reason=reason,
        expected_version=expected_version,
        noun="audit",
    )


def amend_if_complete(
    audit: Audit, values: DraftValues, user: User, reason: str, expected_version: int | None
) -> list[AuditAmendment]:
    """Amend a submitted audit, all or nothing: an amendment that would leave the audit
    incomplete changes nothing and raises ``Refused`` with the problems."""
    return amendments.amend_if_complete(
        lambda: amend(audit, values, user, reason, expected_version), lambda: submission_problems(audit)
    )
