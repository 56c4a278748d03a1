"""The smaller audit forms: the list's date filter, starting an audit, actions, concerns, reflection
and amendment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in types-WTForms 3.2
from wtforms.validators import DataRequired, InputRequired, Length

from audit.clock import today
from audit.models import AuditToolVersion, User
from forms.base import Form, add_error
from forms.fields import FilterDateField, GovDateField, GovSelectField, RadioField
from forms.validators import due_not_in_past, long_text

DESCRIPTION_MAX = 2000


class AuditDatesFilterForm(Form):
    """The Audits list's "submitted from / to" filter: GOV.UK day, month and year boxes, read from
    the query string (so no CSRF token); one ISO date (``?from=2026-01-01``) from an older link works
    too. A date that is not real is an error, never silently ignored."""

    class Meta:
        csrf = False

    start = FilterDateField("Submitted from", name="from", description="For example, 1 4 2026")
    end = FilterDateField("Submitted to", name="to", description="For example, 30 6 2026")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.start.data and self.end.data and self.start.data > self.end.data:
            add_error(self.end, "‘Submitted to’ must be the same as or after ‘Submitted from’")
            valid = False
        return valid


class NewAuditForm(Form):
    case_reference = StringField(
        "Case reference",
        description="The child's reference in the case-management system, for example CS-104233.",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the case reference"), Length(max=40)],
    )
    tool = RadioField("Audit tool", validators=[InputRequired(message="Select the audit tool")])
    submit = SubmitField("Start audit", widget=GovSubmitInput())

    def __init__(self, *args: object, tools: Sequence[AuditToolVersion], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.tool.choices = [SelectChoice(str(tool.id), tool.label) for tool in tools]


class ActionForm(Form):
    description = long_text("What needs to happen", required="Enter what needs to happen", limit=DESCRIPTION_MAX)
    owner = GovSelectField("Who owns it", validators=[DataRequired(message="Select who owns the action")])
    due_date = GovDateField(
        "Due date",
        validators=[InputRequired(message="Enter the due date"), due_not_in_past],
    )
    submit = SubmitField("Add action", widget=GovSubmitInput())

    def __init__(self, *args: object, owners: Sequence[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.owner.choices = [SelectChoice("", "Select a person")] + [
            SelectChoice(str(user.id), f"{user.name}{f' ({user.team.name})' if user.team else ''}") for user in owners
        ]
        self.due_date.error_anchor = "due_date-day"
        example = today() + timedelta(days=28)  # an example that is always in the future
        self.due_date.description = f"For example, {example.day} {example.month} {example.year}"


class ConcernForm(Form):
    details = long_text(
        "What is the concern",
        required="Describe the safeguarding concern",
        description="What you found, why it means the child may be at risk now, and anything already done.",
    )
    submit = SubmitField(
        "Raise the concern now", widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--warning"}}
    )


class AcknowledgeForm(Form):
    action_taken = long_text("Action taken", required="Enter the action taken to keep the child safe")
    submit = SubmitField("Acknowledge concern", widget=GovSubmitInput())


class ReflectionForm(Form):
    reflection = long_text(
        "Your reflection",
        required="Enter your reflection",
        description="What you think of the audit's findings, what you have learned, and what you will do differently.",
    )
    submit = SubmitField("Save reflection", widget=GovSubmitInput())


class CompleteActionForm(Form):
    note = TextAreaField(
        "What was done (optional)",
        widget=GovCharacterCount(),
        validators=[
            Length(max=DESCRIPTION_MAX, message=f"What was done must be {DESCRIPTION_MAX:,} characters or fewer")
        ],
    )
    submit = SubmitField("Mark as done", widget=GovSubmitInput())


class SubmitAuditForm(Form):
    """Submits the audit from "Check your answers": the button and the CSRF token."""


class GradeOverrideForm(Form):
    """A leader's reasons for letting an audit that raised a safeguarding concern be graded good or better."""

    reason = long_text(
        "Why this audit may be graded good or better",
        required="Enter why the audit may be graded good or better although it raised a concern",
        description="For example, the concern was about another agency's work and the service's own practice was good.",
    )
    submit = SubmitField("Record the override", widget=GovSubmitInput())
