"""The moderation form, built at run time from the audit's tool version (one class per version).

Each section gets the moderator's grade (the scale's grades and its not-applicable label) and
their reason. Agreement is not asked: the domain works it out from the grades, and says where a
reason is needed because the grades differ (``audit.domain.moderation.problems_with``); the form
only turns what was posted into values and refuses values that are not among its choices.
"""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput
from wtforms import Field, HiddenField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in types-WTForms 3.2
from wtforms.validators import Length

from audit.domain.moderation import REASON_MAX, OverallGrade, SectionGrade
from audit.models import AuditToolVersion
from forms.base import Form
from forms.fields import RadioField

NOT_APPLICABLE = "na"
REASON_LABEL = "Why is your grade different?"
REASON_HINT = "Needed only if your grade differs from the auditor's. If it is the same, you may add a comment."


class OptionalRadioField(RadioField):
    """Radios that may be left unanswered (the domain says what is missing); a posted value that
    is not one of the choices gets ``invalid_choice_message``."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist and valuelist[0] else None

    def pre_validate(self, form: Any) -> None:
        if self.data is not None:
            super().pre_validate(form)


def _reason(where: str) -> TextAreaField:
    """Optional here: whether it is needed depends on the grades, which is the domain's call. The
    domain also limits its length; this says so against the field, naming the section."""
    return TextAreaField(
        REASON_LABEL,
        description=REASON_HINT,
        widget=GovCharacterCount(),
        validators=[Length(max=REASON_MAX, message=f"{where}: your reason must be {REASON_MAX:,} characters or fewer")],
    )


class ModerationFormBase(Form):
    # The audit's version the moderator was shown: an amendment since then must be looked at.
    version = HiddenField()
    submit = SubmitField("Submit moderation and close the audit", widget=GovSubmitInput())

    tool_version: AuditToolVersion
    overall_grade: Field
    overall_reason: Field

    def section_fields(self, section_id: int) -> tuple[Field, Field]:
        """The section's grade and reason fields."""
        return getattr(self, f"s{section_id}_grade"), getattr(self, f"s{section_id}_reason")

    def section_values(self) -> dict[int, SectionGrade]:
        """What was posted for each section, in the domain's terms; a refused value counts as none."""
        values = {}
        for section in self.tool_version.sections:
            grade, reason = self.section_fields(section.id)
            grade_value = None if grade.errors else grade.data
            values[section.id] = SectionGrade(
                grade_id=int(grade_value) if grade_value and grade_value != NOT_APPLICABLE else None,
                not_applicable=grade_value == NOT_APPLICABLE,
                reason=None if reason.errors else reason.data,
            )
        return values

    def overall_values(self) -> OverallGrade | None:
        if not self.tool_version.asks_overall_grade:
            return None
        grade = self.overall_grade
        grade_value = None if grade.errors else grade.data
        return OverallGrade(
            grade_id=int(grade_value) if grade_value else None,
            reason=None if self.overall_reason.errors else self.overall_reason.data,
        )

    def add_problems(self, problems: list[tuple[str, str]]) -> None:
        """Attach the domain's problems to their fields; a field already in error keeps its own."""
        for name, message in problems:
            field = self._fields.get(name)
            if field is None:
                if message not in self.form_errors:
                    self.form_errors.append(message)
            elif not field.errors:
                field.errors = [message]


def moderation_form_class(tool_version: AuditToolVersion) -> type[ModerationFormBase]:
    """A form class for one tool version. Field names carry section ids, so a posted form can only
    moderate sections of the audit's own tool."""
    scale = tool_version.scale
    off_scale = f"select a grade from the {scale.name}"
    grade_choices = [SelectChoice(str(grade.id), grade.label) for grade in scale.grades]
    attributes: dict[str, Any] = {"tool_version": tool_version}
    for section in tool_version.sections:
        prefix = f"s{section.id}"
        attributes[f"{prefix}_grade"] = OptionalRadioField(
            f"Your grade for {section.title}",
            choices=[*grade_choices, SelectChoice(NOT_APPLICABLE, scale.not_applicable_label)],
            invalid_choice_message=f"{section.title}: {off_scale}",
        )
        attributes[f"{prefix}_reason"] = _reason(section.title)
    if tool_version.asks_overall_grade:
        attributes["overall_grade"] = OptionalRadioField(
            "Your overall grade",
            choices=grade_choices,
            invalid_choice_message=f"Overall grade: {off_scale}",
        )
        attributes["overall_reason"] = _reason("Overall grade")
    return type(f"ModerationForm{tool_version.id}", (ModerationFormBase,), attributes)
