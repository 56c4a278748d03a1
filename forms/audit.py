"""The audit form, built at run time from the stored audit tool (one class per tool version).

Field names carry the ids of the tool's questions and sections, so that a posted form can only
answer questions of the audit's own tool version: a tampered id is simply not a field.
"""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from wtforms import Field, HiddenField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in types-WTForms 3.2
from wtforms.validators import DataRequired, Length

from audit.answers import ANSWER_KINDS, answer_kind
from audit.answers.fields import ScaleRadioField
from audit.domain.audit_answers import (
    NOT_APPLICABLE,
    AnswerValues,
    DraftValues,
    OverallValues,
    SectionValues,
)
from audit.domain.audit_tasks import OVERALL, OVERALL_FIELDS
from audit.models import Audit, AuditToolVersion
from forms.base import DraftForm
from forms.validators import long_text

# Every part a question's fields can have ("grade", "evidence", "choice"...), over all kinds of answer.
ANSWER_PARTS = tuple(dict.fromkeys(part for kind in ANSWER_KINDS.values() for part in kind.parts))


class AuditFormBase(DraftForm):
    tool_version: AuditToolVersion
    # On a page with one part of the audit (a section, or the overall grade and findings): which
    # part, so a save changes that part alone and leaves the others as they are saved.
    part = HiddenField()
    completed: ScaleRadioField  # "Have you completed this section?", last of the fields (audit_form_class)

    def question_fields(self, question_id: int) -> dict[str, Field]:
        return {
            kind: getattr(self, f"q{question_id}_{kind}")
            for kind in ANSWER_PARTS
            if hasattr(self, f"q{question_id}_{kind}")
        }

    def section_fields(self, section_id: int) -> tuple[Field, Field]:
        return getattr(self, f"s{section_id}_grade"), getattr(self, f"s{section_id}_evidence")

    def fill_from(self, audit: Audit) -> None:
        """Show what is saved (used when the page is not redisplaying a post)."""
        answers = {answer.question_id: answer for answer in audit.answers}
        for section in self.tool_version.sections:
            for question in section.questions:
                answer = answers.get(question.id)
                if answer is None:
                    continue
                fields = self.question_fields(question.id)
                if "grade" in fields:
                    fields["grade"].data = (
                        NOT_APPLICABLE if answer.not_applicable else _grade_key(audit, answer.grade_id)
                    )
                if "choice" in fields:
                    fields["choice"].data = answer.choice
                if "option" in fields:
                    fields["option"].data = answer.option.key if answer.option else None
                if "number" in fields:
                    fields["number"].data = answer.number_value
                if "date" in fields:
                    fields["date"].data = answer.date_value
                if "text" in fields:
                    fields["text"].data = answer.text_value
                if "evidence" in fields:
                    fields["evidence"].data = answer.evidence
        judgements = {judgement.section_id: judgement for judgement in audit.judgements}
        for section in self.tool_version.sections:
            judgement = judgements.get(section.id)
            if judgement is not None:
                grade, evidence = self.section_fields(section.id)
                grade.data = NOT_APPLICABLE if judgement.not_applicable else _grade_key(audit, judgement.grade_id)
                evidence.data = judgement.evidence
        if self.tool_version.asks_overall_grade:
            self.overall_grade.data = _grade_key(audit, audit.overall_grade_id)
            self.overall_rationale.data = audit.overall_rationale
            self.overall_above_inadequate_reason.data = audit.overall_above_inadequate_reason
        self.strengths.data = audit.strengths
        self.areas_for_development.data = audit.areas_for_development
        self.child_family_feedback.data = audit.child_family_feedback
        self.participants.data = audit.participants
        self.practitioner_reflection.data = audit.practitioner_reflection
        self.version.data = str(audit.version)

    def posted_part(self) -> str | None:
        """The part this post is about (``s12``, ``overall``), or None for the whole audit."""
        return self.part.data or None

    def draft_values(self) -> DraftValues:
        """The posted values in the domain's terms; fields that failed validation are left out and
        named in ``keep``, so that their saved values stay as they are. A post from one part's page
        carries that part's values only: every other part keeps what is saved."""

        def ok(field: Field) -> bool:
            return not field.errors

        part = self.posted_part()
        sections_posted = [
            section for section in self.tool_version.sections if part is None or part == f"s{section.id}"
        ]
        closing_posted = part in (None, OVERALL)
        answers = {}
        for section in sections_posted:
            for question in section.questions:
                fields = self.question_fields(question.id)
                answers[question.id] = AnswerValues(
                    grade=fields["grade"].data if "grade" in fields and ok(fields["grade"]) else None,
                    choice=fields["choice"].data if "choice" in fields and ok(fields["choice"]) else None,
                    option=fields["option"].data if "option" in fields and ok(fields["option"]) else None,
                    number=fields["number"].data if "number" in fields and ok(fields["number"]) else None,
                    date_value=fields["date"].data if "date" in fields and ok(fields["date"]) else None,
                    text=(fields["text"].data or None) if "text" in fields and ok(fields["text"]) else None,
                    evidence=(fields["evidence"].data or None)
                    if "evidence" in fields and ok(fields["evidence"])
                    else None,
                )
        sections = {}
        for section in sections_posted:
            grade, evidence = self.section_fields(section.id)
            sections[section.id] = SectionValues(
                grade=grade.data if ok(grade) else None,
                evidence=(evidence.data or None) if ok(evidence) else None,
            )
        overall = None
        if self.tool_version.asks_overall_grade and closing_posted:
            overall = OverallValues(
                grade=self.overall_grade.data if ok(self.overall_grade) else None,
                rationale=_text(self.overall_rationale),
                above_inadequate_reason=_text(self.overall_above_inadequate_reason),
            )
        return DraftValues(
            answers=answers,
            sections=sections,
            overall=overall,
            strengths=_text(self.strengths),
            areas_for_development=_text(self.areas_for_development),
            child_family_feedback=_text(self.child_family_feedback),
            participants=_text(self.participants),
            practitioner_reflection=_text(self.practitioner_reflection),
            keep=frozenset(field.name for field in self if field.errors)
            | (frozenset() if closing_posted else frozenset(OVERALL_FIELDS)),
        )

    def add_problems(self, problems: list[tuple[str, str]]) -> None:
        """Attach the domain's submission problems to the fields they are about."""
        for field_name, message in problems:
            field = getattr(self, field_name, None)
            if field is not None and message not in field.errors:
                field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
            elif field is None:
                self.form_errors.append(message)


def _text(field: Field) -> str | None:
    return (field.data or None) if not field.errors else None


def _grade_key(audit: Audit, grade_id: int | None) -> str | None:
    if grade_id is None:
        return None
    for grade in audit.tool_version.scale.grades:
        if grade.id == grade_id:
            return grade.key
    return None


def audit_form_class(tool_version: AuditToolVersion) -> type[AuditFormBase]:
    """A form class for one tool version: its questions, section judgements and the closing parts."""
    scale = tool_version.scale
    grade_choices = [SelectChoice(grade.key, grade.label) for grade in scale.grades]
    grade_choices.append(SelectChoice(NOT_APPLICABLE, scale.not_applicable_label))
    attributes: dict[str, Any] = {"tool_version": tool_version}
    for section in tool_version.sections:
        for question in section.questions:
            fields = answer_kind(question.answer_type).form_fields(question, grade_choices)
            attributes.update({f"q{question.id}_{part}": field for part, field in fields.items()})
        attributes[f"s{section.id}_grade"] = ScaleRadioField(
            f"Your judgement: {section.title}",
            choices=grade_choices,
        )
        attributes[f"s{section.id}_evidence"] = long_text(
            "Evidence for this judgement", "Summarise what you found across this section and its impact on the child."
        )
    if tool_version.asks_overall_grade:
        attributes["overall_grade"] = ScaleRadioField(
            "Overall grade",
            description="Your judgement of the whole case: not an average of the sections.",
            choices=[SelectChoice(grade.key, grade.label) for grade in scale.grades],
        )
        attributes["overall_rationale"] = long_text("Why you gave this overall grade")
        attributes["overall_above_inadequate_reason"] = long_text(
            "Reason the overall grade is above a section judged inadequate",
            "Needed only when a section is judged inadequate and the overall grade is higher.",
        )
    attributes["strengths"] = long_text("Strengths", "What is working well for this child, with examples.")
    attributes["areas_for_development"] = long_text(
        "Areas for development", "What needs to improve for this child, specifically."
    )
    attributes["child_family_feedback"] = long_text(
        "The child's and family's feedback (optional)",
        "What the child and family said about the help they get. If you could not gather it, say why.",
    )
    # A collaborative (practice week) audit's own parts; shown and saved only on such an audit.
    attributes["participants"] = long_text(
        "Who took part",
        "Names and roles: the auditor, the worker, and anyone else (their manager, say).",
    )
    attributes["practitioner_reflection"] = long_text(
        "The worker's reflection, in their words (optional)",
        "What the worker said about the findings while you audited together: what they learned, "
        "what they would do differently. They can add to it after you submit.",
    )
    # Last, so that a problem with it comes last in the error summary, after the answers it is about.
    attributes["completed"] = ScaleRadioField(
        "Have you completed this section?",
        choices=[
            SelectChoice("yes", "Yes, I’ve completed this section"),
            SelectChoice("no", "No, I’ll come back to it later"),
        ],
    )
    name = f"AuditForm{tool_version.id}"
    return type(name, (AuditFormBase,), attributes)


def amendment_form_class(tool_version: AuditToolVersion) -> type[AuditFormBase]:
    """The audit form with the reason every amendment must give."""
    reason = TextAreaField(
        "Reason for the amendment",
        description="Recorded with each change, with your name and the time.",
        widget=GovCharacterCount(),
        validators=[
            DataRequired(message="Enter the reason for the amendment"),
            Length(max=2000, message="Reason for the amendment must be 2,000 characters or fewer"),
        ],
    )
    return type(f"AmendmentForm{tool_version.id}", (audit_form_class(tool_version),), {"amendment_reason": reason})
