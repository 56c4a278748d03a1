"""Improvement plan forms: a priority, a measure of success, an action, and removing one of them.

Each edit form carries the version of the record it was loaded at (``version``), so that a save
over someone else's newer change is refused (see ``audit.domain.plan``). The rules that compare
fields (a theme for a theme figure, a target above the baseline) live in the domain, which reports
them against these field names."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput, GovTextInput
from wtforms import Field, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in types-WTForms 3.2
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from audit.clock import today
from audit.domain import plan as rules
from audit.domain.plan import (
    SOURCE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    WINDOW_MONTHS,
    ActionValues,
    MeasureValues,
    PriorityValues,
    Problem,
)
from audit.models import Measure, PlanAction, PlanActionStatus, Priority, Team, User
from audit.reporting.measures import FIGURES, QUESTION_FIGURE, QUESTION_FIGURE_LABEL, QUESTION_PREFIX, offered_figures
from forms.base import Form, required
from forms.fields import CheckboxesField, GovDateField, GovSelectField, RadioField
from forms.validators import strip, strip_lines


def _validators(label: str, required: str | None, limit: int) -> list[object]:
    too_long = f"{label.removesuffix(' (optional)')} must be {limit:,} characters or fewer"
    return [DataRequired(message=required) if required else Optional(), Length(max=limit, message=too_long)]


def _text(label: str, required: str | None, limit: int, description: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        widget=GovCharacterCount(),
        filters=[strip_lines],
        validators=_validators(label, required, limit),
    )


def _line(label: str, required: str | None, limit: int, description: str = "") -> StringField:
    return StringField(
        label,
        description=description,
        widget=GovTextInput(),
        filters=[strip],
        validators=_validators(label, required, limit),
    )


def _date_example(days_ahead: int) -> str:
    example = today() + timedelta(days=days_ahead)
    return f"For example, {example.day} {example.month} {example.year}"


def _owner_choices(owners: Sequence[User]) -> list[SelectChoice]:
    return [SelectChoice("", "Select a person")] + [
        SelectChoice(str(user.id), f"{user.name} ({user.team.name if user.team else ', '.join(user.role_labels)})")
        for user in owners
    ]


def parse_percentage(text: str | None) -> float | None:
    """A percentage typed as "62", "62.5" or "62.5%"; None if it is not a number."""
    cleaned = (text or "").strip().removesuffix("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class PlanForm(Form):
    version = HiddenField()

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, then the plan's rules that compare fields (from the domain), for
        the fields that passed theirs: so every problem is listed at once."""
        valid = super().validate(extra_validators)
        problems = self.rule_problems()
        self.add_problems(problems)
        return valid and not problems

    def rule_problems(self) -> list[Problem]:
        return []

    @property
    def shown_version(self) -> int | None:
        if self.version.data is None:
            return None
        try:
            return int(self.version.data)
        except ValueError:
            return None

    def add_problems(self, problems: Sequence[Problem]) -> None:
        for name, message in problems:
            field = self._fields.get(name)
            if field is not None and message not in field.errors:
                field.errors = [*field.errors, message]
            elif field is None:
                self.form_errors.append(message)


class PriorityForm(PlanForm):
    title = _line("Priority", "Enter the priority", TITLE_MAX, "What must improve, in a few words.")
    source = _line(
        "Where it comes from (optional)",
        None,
        SOURCE_MAX,
        "For example, Ofsted ILACS monitoring visit, March 2026: recommendation 2.",
    )
    description = _text(
        "What good looks like (optional)",
        None,
        TEXT_MAX,
        "What inspectors or audits found, and what will be different for children when it is done.",
    )
    owner = GovSelectField(
        "Owner",
        description="The leader accountable to the improvement board.",
        invalid_choice_message="Select an owner from the list",
    )
    target_date = GovDateField("Target date", validators=[InputRequired(message="Enter the target date")])
    # Checked below: a post without it (the form for a new priority) keeps the priority's place.
    number = GovSelectField(
        "Number in the plan", description="The board reads the priorities in this order.", validate_choice=False
    )
    submit = SubmitField("Save priority", widget=GovSubmitInput())

    def __init__(self, *args: object, owners: Sequence[User], places: int = 0, **kwargs: object) -> None:
        """``places``: how many priorities the plan has; 0 for a new priority, which goes last."""
        super().__init__(*args, **kwargs)
        self.owner.choices = _owner_choices(owners)
        self.target_date.error_anchor = "target_date-day"
        self.target_date.description = _date_example(180)
        if places:
            self.number.choices = [SelectChoice(str(n), str(n)) for n in range(1, places + 1)]
        else:
            del self.number

    def validate_owner(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Select the owner")

    def validate_number(self, field: GovSelectField) -> None:
        offered: list[Any] = list(field.choices or [])  # SelectChoices, which types-WTForms 3.2 does not know
        if field.data and field.data not in {choice.value for choice in offered}:
            raise ValidationError("Select the priority's number in the plan")

    def fill_from(self, priority: Priority) -> None:
        self.title.data = priority.title
        self.source.data = priority.source
        self.description.data = priority.description
        self.owner.data = str(priority.owner_id)
        self.target_date.data = priority.target_date
        if "number" in self._fields:
            self.number.data = str(priority.position)

    def values(self) -> PriorityValues:
        number = self._fields.get("number")
        return PriorityValues(
            title=required(self.title),
            source=self.source.data or None,
            description=self.description.data or None,
            owner_id=int(self.owner.data),
            target_date=required(self.target_date),
            number=int(number.data) if number is not None and number.data else None,
        )


def _percentage(label: str) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[strip],
        validators=[InputRequired(message=f"Enter the {label.lower().removesuffix(' (%)')} as a percentage")],
    )


class MeasureForm(PlanForm):
    title = _line(
        "Measure of success",
        "Enter the measure of success",
        TITLE_MAX,
        "As the board will read it, for example: 70% of audits good or better for plan co-production.",
    )
    figure = RadioField(
        "Figure it is measured by",
        description="Worked out from audits and supervision records as they are saved, or read from an imported "
        "performance indicator: nobody types the figures in.",
        validators=[InputRequired(message="Select the figure the measure is based on")],
        invalid_choice_message="Select the figure the measure is based on",
    )
    question = GovSelectField(
        "Question",
        description=f"Only for ‘{QUESTION_FIGURE_LABEL}’: the question, and the answer whose share is counted.",
        validate_choice=False,  # checked below: a form posted without it asks for no question
    )
    theme = GovSelectField(
        "Theme",
        description="Only for ‘% good or better for a theme’: the audit sections with this theme are counted.",
        invalid_choice_message="Select a theme from the list",
    )
    teams = CheckboxesField(
        "Teams (optional)",
        description="Select the teams to count. Select none to count every team.",
        invalid_choice_message="Select teams from the list",
    )
    window_months = RadioField(
        "Audits counted",
        description="For figures from audits. Supervision figures are always as at today.",
        choices=[
            SelectChoice(str(months), f"Audits completed in the last {months} months") for months in WINDOW_MONTHS
        ],
        validators=[InputRequired(message="Select how many months of audits to count")],
        invalid_choice_message="Select how many months of audits to count",
    )
    baseline_value = _percentage("Baseline (%)")
    baseline_on = GovDateField(
        "Date of the baseline",
        description="When the baseline was measured, such as the date of the inspection.",
        validators=[InputRequired(message="Enter the date of the baseline")],
    )
    target_value = _percentage("Target (%)")
    target_on = GovDateField("Target date", validators=[InputRequired(message="Enter the target date")])
    submit = SubmitField("Save measure", widget=GovSubmitInput())

    def __init__(self, *args: object, themes: Sequence[str], teams: Sequence[Team], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.themes = themes
        listed, by_question = offered_figures()
        self.figure.choices = [SelectChoice(figure.key, figure.label) for figure in listed]
        self.figure.choices.append(SelectChoice(QUESTION_FIGURE, QUESTION_FIGURE_LABEL))
        self.question.choices = [SelectChoice("", "No question")]
        self.question.choices += [SelectChoice(figure.key, figure.label) for figure in by_question]
        self.theme.choices = [SelectChoice("", "No theme"), *(SelectChoice(theme) for theme in themes)]
        self.teams.choices = [SelectChoice(str(team.id), team.name) for team in teams]
        self.baseline_on.error_anchor = "baseline_on-day"
        self.baseline_on.description += " " + _date_example(-90)
        self.target_on.error_anchor = "target_on-day"
        self.target_on.description = _date_example(365)
        if not self.showing_saved_values:
            self.window_months.data = str(WINDOW_MONTHS[0])

    def _check_percentage(self, field: Field, name: str) -> None:
        if not field.data:
            return
        value = parse_percentage(field.data)
        if value is None:
            raise ValidationError(f"{name} must be a number, like 65 or 62.5")
        if not 0 <= value <= 100:
            raise ValidationError(f"{name} must be from 0 to 100")

    def validate_question(self, field: GovSelectField) -> None:
        offered: list[Any] = list(field.choices or [])  # SelectChoices, which types-WTForms 3.2 does not know
        if field.data and field.data not in {choice.value for choice in offered}:
            raise ValidationError("Select a question from the list")

    def validate_baseline_value(self, field: Field) -> None:
        self._check_percentage(field, "Baseline")

    def validate_target_value(self, field: Field) -> None:
        self._check_percentage(field, "Target")

    @property
    def chosen_figure(self) -> str | None:
        """The figure's key: the one chosen, or for a question's answers, the question chosen."""
        return (self.question.data or None) if self.figure.data == QUESTION_FIGURE else self.figure.data

    def rule_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.figure.data == QUESTION_FIGURE and not self.chosen_figure and not self.question.errors:
            problems.append(("question", "Select the question the measure counts"))
        elif self.chosen_figure and not self.figure.errors and not self.theme.errors and not self.question.errors:
            problems += rules.theme_problems(FIGURES, self.chosen_figure, self.theme.data or None, self.themes)
        baseline, target = parse_percentage(self.baseline_value.data), parse_percentage(self.target_value.data)
        if baseline is not None and target is not None and not (self.baseline_value.errors or self.target_value.errors):
            problems += rules.value_problems(baseline, target)
        if self.baseline_on.data and self.target_on.data:
            problems += rules.date_problems(self.baseline_on.data, self.target_on.data)
        return problems

    def fill_from(self, measure: Measure) -> None:
        self.title.data = measure.title
        # A figure or theme that is no longer offered is left unselected: the leader must choose again.
        self.figure.data = measure.figure if measure.figure in FIGURES else None
        if self.figure.data and self.figure.data.startswith(QUESTION_PREFIX):
            self.figure.data, self.question.data = QUESTION_FIGURE, measure.figure
        self.theme.data = measure.theme or ""
        self.teams.data = [str(team.id) for team in measure.teams]
        self.window_months.data = str(measure.window_months)
        self.baseline_value.data = f"{measure.baseline_value:g}"
        self.baseline_on.data = measure.baseline_on
        self.target_value.data = f"{measure.target_value:g}"
        self.target_on.data = measure.target_on

    def values(self) -> MeasureValues:
        """Call only when the form is valid."""
        return MeasureValues(
            title=required(self.title),
            figure=self.chosen_figure or "",
            theme=self.theme.data or None,
            window_months=int(self.window_months.data),
            baseline_value=round(parse_percentage(self.baseline_value.data) or 0.0, 1),
            baseline_on=required(self.baseline_on),
            target_value=round(parse_percentage(self.target_value.data) or 0.0, 1),
            target_on=required(self.target_on),
            team_ids=tuple(int(team_id) for team_id in self.teams.data or ()),
        )


class ActionForm(PlanForm):
    description = _text("Action", "Enter the action", TEXT_MAX, "What will be done, specifically enough to check.")
    owner = GovSelectField("Owner", invalid_choice_message="Select an owner from the list")
    due_date = GovDateField("Due date", validators=[InputRequired(message="Enter the due date")])
    status = RadioField(
        "Status",
        choices=[SelectChoice(status.value, status.label) for status in PlanActionStatus],
        validators=[InputRequired(message="Select the status")],
        invalid_choice_message="Select the status",
    )
    completed_on = GovDateField(
        "Date completed (optional)", description="Only when the status is Done. Leave blank for today."
    )
    submit = SubmitField("Save action", widget=GovSubmitInput())

    def __init__(self, *args: object, owners: Sequence[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.owner.choices = _owner_choices(owners)
        self.due_date.error_anchor = "due_date-day"
        self.due_date.description = _date_example(60)
        self.completed_on.error_anchor = "completed_on-day"
        if not self.showing_saved_values:
            self.status.data = PlanActionStatus.NOT_STARTED.value

    def validate_owner(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Select the owner")

    def rule_problems(self) -> list[Problem]:
        if self.status.errors or not self.status.data or self.completed_on.errors:
            return []
        return rules.completion_problems(PlanActionStatus(self.status.data), self.completed_on.data, today())

    def fill_from(self, action: PlanAction) -> None:
        self.description.data = action.description
        self.owner.data = str(action.owner_id)
        self.due_date.data = action.due_date
        self.status.data = action.status
        self.completed_on.data = action.completed_on

    def values(self) -> ActionValues:
        return ActionValues(
            description=required(self.description),
            owner_id=int(self.owner.data),
            due_date=required(self.due_date),
            status=PlanActionStatus(self.status.data),
            completed_on=self.completed_on.data,
        )


class RemoveForm(PlanForm):
    submit = SubmitField(
        "Yes, remove it", widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--warning"}}
    )


class ActionProgressForm(PlanForm):
    """The owner's update of their own plan action: its status, and when it was done."""

    status = RadioField(
        "Status",
        choices=[SelectChoice(status.value, status.label) for status in PlanActionStatus],
        validators=[InputRequired(message="Select how the action is going")],
        invalid_choice_message="Select how the action is going",
    )
    completed_on = GovDateField(
        "Date completed (optional)", description="Only when the status is Done. Leave blank for today."
    )
    submit = SubmitField("Save progress", widget=GovSubmitInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.completed_on.error_anchor = "completed_on-day"

    def rule_problems(self) -> list[Problem]:
        if self.status.errors or not self.status.data or self.completed_on.errors:
            return []
        return rules.completion_problems(PlanActionStatus(self.status.data), self.completed_on.data, today())
