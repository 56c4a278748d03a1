"""The smaller audit forms: starting an audit, actions, concerns, reflection and amendment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput, GovTextInput
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from audit.clock import today
from audit.domain.audit_answers import EVIDENCE_MAX
from audit.models import AuditToolVersion, User
from forms.base import Form
from forms.fields import GovDateField, GovSelectField, RadioField

DESCRIPTION_MAX = 2000


def _text(label: str, required_message: str, limit: int = EVIDENCE_MAX, description: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        widget=GovCharacterCount(),
        validators=[
            DataRequired(message=required_message),
            Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"),
        ],
    )


def _not_in_past(_form: object, field: DateField) -> None:
    # The service's "today" (UTC, as every stored date), not the server's local date.
    if field.data and field.data < today():
        raise ValidationError("The due date must be today or in the future")


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
    description = _text("What needs to happen", "Enter what needs to happen", limit=DESCRIPTION_MAX)
    owner = GovSelectField("Who owns it", validators=[DataRequired(message="Select who owns the action")])
    due_date = GovDateField(
        "Due date",
        validators=[InputRequired(message="Enter the due date"), _not_in_past],
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
    details = _text(
        "What is the concern",
        "Describe the safeguarding concern",
        description="What you found, why it means the child may be at risk now, and anything already done.",
    )
    submit = SubmitField(
        "Raise the concern now", widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--warning"}}
    )


class AcknowledgeForm(Form):
    action_taken = _text("Action taken", "Enter the action taken to keep the child safe")
    submit = SubmitField("Acknowledge concern", widget=GovSubmitInput())


class ReflectionForm(Form):
    reflection = _text(
        "Your reflection",
        "Enter your reflection",
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
