"""The audit programme form: a name and month, the tool, how the cases are chosen, the auditors
and the due date. The sample's questions are asked only when "Random sample per team" is chosen,
and the case references only for "Chosen cases"."""

from __future__ import annotations

from collections.abc import Sequence

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import Field, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in types-WTForms 3.2
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from audit.domain.programme import (
    CLOSURE_MONTHS,
    MAX_CHOSEN_REFERENCES,
    MAX_PER_TEAM,
    MAX_SEED,
    REASON_MAX,
    parse_references,
)
from audit.models import AuditToolVersion, Team, User
from forms.base import Form
from forms.fields import CheckboxesField, GovDateField, GovMonthField, NestableTextArea, RadioField
from forms.validators import due_not_in_past, long_text, strip

SAMPLE = "sample"
CHOSEN = "chosen"
SERVICE_RULE = "service"


def whole_number(text: str | None) -> int | None:
    """The whole number typed, allowing spaces and thousands commas; None if it is not one."""
    cleaned = (text or "").replace(",", "").replace(" ", "")
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() else None


class RuleChoiceField(RadioField):
    """A choice that falls back to the service's rule when nothing is posted (a form posted by an
    older page, or by a script that does not know the question)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist and valuelist[0] else SERVICE_RULE


CLOSED_CASES = "closed"
COLLABORATIVE = "collaborative"


class ProgrammeForm(Form):
    name = StringField(
        "Programme name",
        description="For example, May 2026: fathers' engagement",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter a name for the programme"),
            Length(max=200, message="Programme name must be 200 characters or fewer"),
        ],
    )
    month = GovMonthField(
        "Month audited",
        description="For example, 5 2026",
        validators=[InputRequired(message="Enter the month audited")],
    )
    tool = RadioField(
        "Audit tool",
        validators=[InputRequired(message="Select the audit tool")],
        invalid_choice_message="Select the audit tool",
    )
    selection = RadioField(
        "How to choose the cases",
        choices=[SelectChoice(SAMPLE, "Random sample per team"), SelectChoice(CHOSEN, "Chosen cases")],
        validators=[InputRequired(message="Select how to choose the cases")],
        invalid_choice_message="Select how to choose the cases",
    )
    # What kind of audits: of open cases (the default), of closed cases, and/or with the worker present.
    kind = CheckboxesField(
        "What kind of audit (optional)",
        description="Leave both unticked for audits of open cases, done by the auditor alone.",
        choices=[
            SelectChoice(
                CLOSED_CASES,
                f"Closure audits: sample cases closed in the last {CLOSURE_MONTHS} months",
            ),
            SelectChoice(COLLABORATIVE, "Practice week: each case is audited with its worker present"),
        ],
        invalid_choice_message="Select the kind of audit from the list",
    )
    per_team = StringField(
        "Cases per team",
        description=f"From 1 to {MAX_PER_TEAM}. Cases audited in the last 6 months are left out. "
        "A team with fewer cases gives all it has.",
        widget=GovTextInput(),
        filters=[strip],
    )
    teams = CheckboxesField(
        "Teams", description="Select all that apply.", invalid_choice_message="Select teams from the list"
    )
    seed = StringField(
        "Sample number (optional)",
        description="To pick the same cases as an earlier sample, enter its number from the programme page. "
        "Leave blank for a new sample.",
        widget=GovTextInput(),
        filters=[strip],
    )
    references = TextAreaField(
        "Case references",
        description="One per line, or separated by commas. For example, CS-104233.",
        widget=NestableTextArea(),
    )
    auditors = CheckboxesField(
        "Auditors",
        description="Cases are shared out evenly. Nobody is given a case they hold or a case in a team they manage.",
        validators=[DataRequired(message="Select at least one auditor")],
        invalid_choice_message="Select auditors from the list",
    )
    due_date = GovDateField(
        "Due date",
        description="For example, 29 5 2026",
        validators=[
            InputRequired(message="Enter the due date"),
            due_not_in_past,
        ],
    )
    # What is moderated of this programme's audits; blank or "the service's rule" follows the setting.
    moderation_percent = StringField(
        "Percentage of audits to moderate at random (optional)",
        description="From 0 to 100. Leave blank to use the service's rule.",
        widget=GovTextInput(),
        filters=[strip],
    )
    moderate_best_and_worst = RuleChoiceField(
        "Moderate every audit graded the best or worst grade overall (such as Outstanding or Inadequate)?",
        choices=[
            SelectChoice(SERVICE_RULE, "Use the service's rule"),
            SelectChoice("yes", "Yes, moderate them all"),
            SelectChoice("no", "No, only the random percentage"),
        ],
        default=SERVICE_RULE,
        invalid_choice_message="Select whether to moderate every audit graded the best or worst grade",
    )
    submit = SubmitField("Create programme", widget=GovSubmitInput())

    def __init__(
        self,
        *args: object,
        tools: Sequence[AuditToolVersion],
        teams: Sequence[Team],
        auditors: Sequence[User],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tool.choices = [SelectChoice(str(tool.id), tool.label) for tool in tools]
        self.teams.choices = [SelectChoice(str(team.id), team.name) for team in teams]
        self.auditors.choices = [SelectChoice(str(user.id), user.name) for user in auditors]
        self._auditor_teams = [user.team.name if user.team else "No team" for user in auditors]
        # The summary links to the first box of a group, as GOV.UK Frontend numbers them.
        self.month.error_anchor = "month-month"
        self.due_date.error_anchor = "due_date-day"

    def auditor_items(self) -> list[dict[str, object]]:
        """Each auditor's team, shown under their name (a fresh list each time: the widget
        consumes it)."""
        return [{"hint": {"text": team}} for team in self._auditor_teams]

    @property
    def sampling(self) -> bool:
        return bool(self.selection.data == SAMPLE)

    @property
    def choosing(self) -> bool:
        return bool(self.selection.data == CHOSEN)

    # The sample's questions are checked only when sampling; the references only when choosing.

    def validate_per_team(self, field: Field) -> None:
        if not self.sampling:
            return
        if not field.data:
            raise ValidationError("Enter how many cases to sample from each team")
        number = whole_number(field.data)
        if number is None:
            raise ValidationError("Cases per team must be a whole number, like 5")
        if not 1 <= number <= MAX_PER_TEAM:
            raise ValidationError(f"Cases per team must be between 1 and {MAX_PER_TEAM}")

    def validate_teams(self, field: Field) -> None:
        if self.sampling and not field.data:
            raise ValidationError("Select at least one team to sample from")

    def validate_seed(self, field: Field) -> None:
        if not self.sampling or not field.data:
            return
        number = whole_number(field.data)
        if number is None or number > MAX_SEED:
            raise ValidationError(f"Sample number must be a whole number from 0 to {MAX_SEED:,}")

    def validate_references(self, field: Field) -> None:
        if not self.choosing:
            return
        if not (field.data or "").strip():
            raise ValidationError("Enter the references of the cases to audit")
        if len(parse_references(field.data)) > MAX_CHOSEN_REFERENCES:
            raise ValidationError(f"Enter {MAX_CHOSEN_REFERENCES} case references or fewer")

    def validate_moderation_percent(self, field: Field) -> None:
        if not field.data:
            return
        number = whole_number(field.data.removesuffix("%"))
        if number is None or number > 100:
            raise ValidationError("Percentage to moderate must be a whole number from 0 to 100, like 10")

    @property
    def moderation_percent_number(self) -> int | None:
        """The programme's own percentage, or None to follow the service's rule."""
        return whole_number((self.moderation_percent.data or "").removesuffix("%"))

    @property
    def moderate_best_and_worst_choice(self) -> bool | None:
        """Yes, no, or None to follow the service's rule."""
        return {"yes": True, "no": False}.get(self.moderate_best_and_worst.data or SERVICE_RULE)

    @property
    def closed_cases(self) -> bool:
        return CLOSED_CASES in (self.kind.data or [])

    @property
    def collaborative(self) -> bool:
        return COLLABORATIVE in (self.kind.data or [])

    @property
    def per_team_number(self) -> int | None:
        return whole_number(self.per_team.data) if self.sampling else None

    @property
    def seed_number(self) -> int | None:
        return whole_number(self.seed.data) if self.sampling and self.seed.data else None


class ReassignForm(Form):
    """Another auditor for an audit not yet submitted, and why."""

    auditor = RadioField(
        "New auditor",
        description="Nobody can be given a case they hold or a case in a team they manage.",
        validators=[InputRequired(message="Select the new auditor")],
        invalid_choice_message="Select the new auditor from the list",
    )
    reason = long_text("Reason for the change", required="Enter the reason for the change", limit=REASON_MAX)
    submit = SubmitField("Reassign the audit", widget=GovSubmitInput())

    def __init__(self, *args: object, auditors: Sequence[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.auditor.choices = [SelectChoice(str(user.id), user.name) for user in auditors]
        self._auditor_teams = [user.team.name if user.team else "No team" for user in auditors]

    def auditor_items(self) -> list[dict[str, object]]:
        return [{"hint": {"text": team}} for team in self._auditor_teams]


class CancelAuditForm(Form):
    """Why an audit not yet submitted is withdrawn."""

    reason = long_text("Reason for cancelling", required="Enter the reason for cancelling", limit=REASON_MAX)
    submit = SubmitField("Cancel the audit", widget=GovSubmitInput())
