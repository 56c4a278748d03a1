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
from audit.domain import amendments, notifications
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
    option: str | None = None  # a choice question's option key
    number: int | None = None


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
    # A collaborative audit's own parts: who took part, and the worker's reflection taken at the time.
    participants: str | None = None
    practitioner_reflection: str | None = None
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


def save_draft(audit: Audit, values: DraftValues, user: User, expected_version: int | None) -> bool:
    """Store the values on the audit; returns whether anything changed. Raises EditConflict when the
    audit changed underneath, and AuditLocked when it is submitted or cancelled.

    Only what differs from what is saved is written: a save that changes nothing (an autosave of
    a field typed and then put back) writes nothing at all, and keeps the version, so another tab's
    copy of the same audit stays current."""
    if not audit.status_enum.is_open:
        raise AuditLocked
    amendments.check_version(audit, expected_version)
    if not _apply(audit, values):
        return False
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
    return True


Row = Audit | Answer | SectionJudgement


def _update(row: Row, new: dict[str, object]) -> bool:
    """Set the attributes whose value differs; whether any did."""
    changed = False
    for name, value in new.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _apply(audit: Audit, values: DraftValues) -> bool:
    """Put the values on the audit, touching only what differs; whether anything did. Every posted
    question and section has a row once saved (the pages and the tests read them), so the first
    save of an audit adds its rows; later saves change only the values that differ."""
    grades = _grades_by_key(audit)
    changes = values.changes
    changed = False
    answers = {answer.question_id: answer for answer in audit.answers}
    options = {
        question.id: {option.key: option.id for option in question.options}
        for section in audit.tool_version.sections
        for question in section.questions
    }
    for question_id, answer_values in values.answers.items():
        part = f"q{question_id}_"
        new: dict[str, object] = {}
        if changes(part + "grade"):
            new["grade_id"], new["not_applicable"] = _grade_fields(answer_values.grade, grades)
        if changes(part + "choice"):
            new["choice"] = answer_values.choice if answer_values.choice in YES_NO_LABELS else None
        if changes(part + "option"):  # a key not among the question's options stores nothing
            new["option_id"] = options.get(question_id, {}).get(answer_values.option or "")
        if changes(part + "number"):
            new["number_value"] = answer_values.number
        if changes(part + "date"):
            new["date_value"] = answer_values.date_value
        if changes(part + "text"):
            new["text_value"] = answer_values.text
        if changes(part + "evidence"):
            new["evidence"] = answer_values.evidence
        answer = answers.get(question_id)
        if answer is None:
            answer = Answer(question_id=question_id, not_applicable=False)
            audit.answers.append(answer)
            changed = True
        changed = _update(answer, new) or changed
    judgements = {judgement.section_id: judgement for judgement in audit.judgements}
    for section_id, section_values in values.sections.items():
        new = {}
        if changes(f"s{section_id}_grade"):
            new["grade_id"], new["not_applicable"] = _grade_fields(section_values.grade, grades)
        if changes(f"s{section_id}_evidence"):
            new["evidence"] = section_values.evidence
        judgement = judgements.get(section_id)
        if judgement is None:
            judgement = SectionJudgement(section_id=section_id, not_applicable=False)
            audit.judgements.append(judgement)
            changed = True
        changed = _update(judgement, new) or changed
    closing: dict[str, object] = {}
    if values.overall is not None:
        if changes("overall_grade"):
            grade = grades.get(values.overall.grade or "")
            closing["overall_grade_id"] = grade.id if grade else None
        if changes("overall_rationale"):
            closing["overall_rationale"] = values.overall.rationale
        if changes("overall_above_inadequate_reason"):
            closing["overall_above_inadequate_reason"] = values.overall.above_inadequate_reason
    for name in ("strengths", "areas_for_development", "child_family_feedback"):
        if changes(name):
            closing[name] = getattr(values, name)
    if audit.collaborative:  # who took part, and the worker's reflection taken at the time
        for name in ("participants", "practitioner_reflection"):
            if changes(name):
                closing[name] = getattr(values, name)
        reflection = closing.get("practitioner_reflection", audit.practitioner_reflection)
        if reflection != audit.practitioner_reflection:
            closing["reflection_at"] = utcnow() if reflection else None
    return _update(audit, closing) or changed


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
    if grade_capped_by_concern(audit):
        problems.append(("overall_grade", CAPPED_BY_CONCERN))
    if not (audit.strengths or "").strip():
        problems.append(("strengths", "Enter the strengths you found"))
    if not (audit.areas_for_development or "").strip():
        problems.append(("areas_for_development", "Enter the areas for development"))
    if audit.collaborative and not (audit.participants or "").strip():
        problems.append(("participants", "Enter who took part in the audit"))
    return problems


CAPPED_BY_CONCERN = (
    "This audit raised an immediate safeguarding concern, so its overall grade cannot be good or better "
    "unless a leader records an override with reasons"
)


def grade_capped_by_concern(audit: Audit) -> bool:
    """True when the overall grade breaks the tool's rule that an audit which raised an immediate
    safeguarding concern is not graded good or better, and no leader has recorded an override."""
    if not audit.tool_version.concern_caps_grade or not audit.concerns or audit.overall_grade_id is None:
        return False
    good = {grade.id for grade in audit.tool_version.scale.grades if grade.good_or_better}
    return audit.overall_grade_id in good and not (audit.grade_override_reason or "").strip()


def override_grade_cap(audit: Audit, leader: User, reason: str) -> None:
    """A leader's recorded decision that this audit may be graded good or better although it raised
    a safeguarding concern; kept on the audit with who and when."""
    audit.grade_override_reason = reason
    audit.grade_override_by_id = leader.id
    audit.grade_override_at = utcnow()
    db.session.flush()


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
    # Follow-through: the moderation sample is decided now, and an Inadequate audit is re-audited.
    from audit.domain import moderation_sampling, reaudit

    moderation_sampling.select_for_moderation(audit)
    reaudit.schedule_reaudit(audit, moderation_sampling.overall_grade_of(audit), user)
    if not audit.collaborative:  # a practice-week audit took the worker's reflection at the time
        notifications.reflection_requested(audit, audit.case.worker)
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
            items[f"{prefix}_option"] = (f"{where}: answer", answer.option.label if answer.option else None)
            items[f"{prefix}_number"] = (
                f"{where}: number",
                str(answer.number_value) if answer.number_value is not None else None,
            )
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
    if audit.collaborative:
        items["participants"] = ("Who took part", audit.participants)
        items["practitioner_reflection"] = ("Practitioner's reflection", audit.practitioner_reflection)
    return items


def amend(
    audit: Audit, values: DraftValues, user: User, reason: str, expected_version: int | None
) -> list[AuditAmendment]:
    """Change a submitted audit, recording each changed item with who, when, from, to and why.
    The changed audit must still be complete; returns the amendments (none if nothing changed)."""
    if not audit.is_locked:
        raise ValueError("only a submitted audit is amended")

    def apply() -> None:  # what changed is found by comparing descriptions
        _apply(audit, values)

    return amendments.amend(
        audit,
        describe=lambda: _describe(audit),
        apply=apply,
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
