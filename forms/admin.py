"""Admin forms: teams, users, cases and the case import."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextInput
from wtforms import HiddenField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in types-WTForms 3.2
from wtforms.validators import DataRequired, Email, InputRequired, Length, Regexp, ValidationError

from audit.domain.cases import NOT_A_NAME
from audit.models import PlanType, Role, ServiceArea, Team, User
from audit.models.cases import AGE_BANDS, DISABILITY, ETHNICITIES, GENDERS, RELIGIONS
from audit.models.people import SERVICE_WIDE_ROLES
from forms.base import Form
from forms.fields import CheckboxesField, GovDateField, GovSelectField, RadioField
from forms.validators import NotInFuture, strip

NO_TEAM = ""


def _optional_choices(values: Sequence[str]) -> list[SelectChoice]:
    return [SelectChoice("", "Not recorded"), *(SelectChoice(value) for value in values if value != "Not recorded")]


class _OptionalChoice(TypedDict):
    choices: list[SelectChoice]
    invalid_choice_message: str
    default: str


def _optional(values: Sequence[str], message: str) -> _OptionalChoice:
    """An optional aggregate field: "" means not recorded; a value not in the list gets the message."""
    return {"choices": _optional_choices(values), "invalid_choice_message": message, "default": ""}


class TeamForm(Form):
    name = StringField(
        "Team name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the team's name"),
            Length(max=100, message="Team name must be 100 characters or fewer"),
        ],
    )
    service_area = RadioField(
        "Service area",
        validators=[InputRequired(message="Select the team's service area")],
        invalid_choice_message="Select the team's service area",
    )
    submit = SubmitField("Save team", widget=GovSubmitInput())

    def __init__(self, *args: object, areas: Sequence[ServiceArea], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.service_area.choices = [SelectChoice(str(area.id), area.name) for area in areas]


class UserForm(Form):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the user's full name"),
            Length(max=100, message="Name must be 100 characters or fewer"),
        ],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the user's email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like name@example.gov.uk"),
        ],
    )
    team = GovSelectField("Team", invalid_choice_message="Select a team from the list")
    roles = CheckboxesField(
        "Roles",
        description="Select all that apply. Admins, leaders and moderators see every team's records.",
        choices=[SelectChoice(role.value, role.label) for role in Role],
        validators=[DataRequired(message="Select at least one role")],
        invalid_choice_message="Select roles from the list",
    )
    newly_qualified_from = GovDateField(
        "Qualified as a social worker on (optional)",
        description="For a newly qualified social worker: supervision is expected weekly for the first 6 weeks, "
        "then fortnightly up to 6 months. Leave empty for an experienced worker. For example, 1 9 2026",
        validators=[NotInFuture("The date they qualified must be today or in the past")],
    )
    submit = SubmitField("Save user", widget=GovSubmitInput())

    def __init__(self, *args: object, teams: Sequence[Team], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.team.choices = [SelectChoice(NO_TEAM, "No team (service-wide)")] + [
            SelectChoice(str(team.id), team.name) for team in teams
        ]
        self.roles.error_anchor = "roles"  # the first checkbox

    def validate_team(self, field: GovSelectField) -> None:
        roles = {Role(value) for value in (self.roles.data or []) if value in Role._value2member_map_}
        if field.data == NO_TEAM and roles and not roles & SERVICE_WIDE_ROLES:
            raise ValidationError("Select a team: only admins, leaders and moderators can work without one")


class CaseForm(Form):
    reference = StringField(
        "Case reference",
        description="The child's reference in the case-management system, for example CS-104233. Never a name.",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the case reference"),
            Length(max=40, message="Case reference must be 40 characters or fewer"),
            Regexp(
                r"^\s*[A-Za-z0-9][A-Za-z0-9/_\-. ]*\s*$",
                message="Case reference must contain only letters, numbers, spaces and / _ - .",
            ),
        ],
    )
    team = GovSelectField(
        "Team",
        validators=[DataRequired(message="Select the team that holds the case")],
        invalid_choice_message="Select the team that holds the case",
    )
    worker = GovSelectField(
        "Allocated worker", default="", invalid_choice_message="Select a worker from the list, or 'Not allocated'"
    )
    plan_type = RadioField(
        "Plan type",
        choices=[SelectChoice(plan.value, plan.label) for plan in PlanType],
        validators=[InputRequired(message="Select the plan type")],
        invalid_choice_message="Select the plan type",
    )
    age_band = GovSelectField("Age band (optional)", **_optional(AGE_BANDS, "Select an age band from the list"))
    gender = GovSelectField("Gender (optional)", **_optional(GENDERS, "Select a gender from the list"))
    ethnicity = GovSelectField("Ethnicity (optional)", **_optional(ETHNICITIES, "Select an ethnicity from the list"))
    religion = GovSelectField("Religion (optional)", **_optional(RELIGIONS, "Select a religion from the list"))
    disability = GovSelectField(
        "Disability (optional)", **_optional(DISABILITY, "Select whether the child has a disability, or Not recorded")
    )
    submit = SubmitField("Save case", widget=GovSubmitInput())

    def __init__(self, *args: object, teams: Sequence[Team], workers: Sequence[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.team.choices = [SelectChoice("", "Select a team")] + [
            SelectChoice(str(team.id), team.name) for team in teams
        ]
        self.worker.choices = [SelectChoice("", "Not allocated")] + [
            SelectChoice(
                str(user.id),
                f"{user.name} ({user.team.name if user.team else 'no team'}){'' if user.active else ', deactivated'}",
            )
            for user in workers
        ]
        self._worker_teams = {str(user.id): str(user.team_id) for user in workers}

    def validate_reference(self, field: StringField) -> None:
        if field.data and not any(character.isdigit() for character in field.data):
            raise ValidationError(f"Case reference must include a number: {NOT_A_NAME}")

    def validate_worker(self, field: GovSelectField) -> None:
        if field.data and self.team.data and self._worker_teams.get(field.data) != self.team.data:
            raise ValidationError("Select a worker in the case's team, or 'Not allocated'")


class CaseImportForm(Form):
    file = FileField(
        "CSV file of cases",
        description="A CSV file with a header row. Columns: reference, team, plan_type (required); "
        "worker_email, age_band, gender, ethnicity, religion, disability, status (optional).",
        widget=GovFileInput(),
    )
    scope = CheckboxesField(
        "Which cases the file holds",
        choices=[SelectChoice("full", "This file is a full export of open cases: close cases not in it")],
        invalid_choice_message="Select from the list",
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())

    def validate_file(self, field: FileField) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Select a CSV file")
        if not field.data.filename.lower().endswith(".csv"):
            raise ValidationError("The selected file must be a CSV")


class CaseImportConfirmForm(Form):
    """Confirms the changes previewed; the fingerprint says which plan the admin saw."""

    fingerprint = HiddenField()
    submit = SubmitField("Apply these changes", widget=GovSubmitInput())
