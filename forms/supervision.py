"""Supervision forms. The record's form is built at run time for its kind and the cases discussed
(field names ``c<case id>_<part>``), as audit forms are built from the audit tool; every form
derives from forms.base.Form, so what was typed survives an expired session or CSRF token."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput, GovTextInput
from wtforms import Field, HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in types-WTForms 3.2
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from audit.domain.supervision import (
    CASE_JUDGEMENT_FIELDS,
    CASE_TEXT_FIELDS,
    CYCLE_FIELDS,
    FUNCTION_FIELDS,
    MAX_DURATION_MINUTES,
    NOT_A_WORKER_YOU_SUPERVISE,
    WELLBEING_FIELDS,
    CaseValues,
    RecordValues,
)
from audit.domain.supervision_tasks import part_of_field
from audit.models import Case, SupervisionKind, SupervisionRecord, SupervisionStandard, User
from forms.base import DraftForm, Form
from forms.fields import CheckboxesField, GovDateField, GovSelectField, RadioField
from forms.validators import distinct, long_text, not_in_future, not_in_past

SAFETY_SCALE = range(0, 11)


class WholeNumberField(IntegerField):
    """A number typed in a GOV.UK text input, refused in words a user can act on."""

    widget = GovTextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError as error:
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number, like 90") from error


class TimeOfDayField(StringField):
    """A time on the 24-hour clock, like 14:30 (also 14.30 or 9:05)."""

    widget = GovTextInput()
    data: time | None  # type: ignore[assignment]  # the time typed, parsed; StringField's is text

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.raw_text = text
        if not text:
            self.data = None
            return
        match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            self.data = None
            raise ValueError(f"{self.label.text} must be a time on the 24-hour clock, like 14:30")
        self.data = time(int(match[1]), int(match[2]))

    def _value(self) -> str:
        if isinstance(self.data, time):
            return self.data.strftime("%H:%M")
        return getattr(self, "raw_text", "") or ""


class SafetyScaleField(RadioField):
    """Signs of Safety's 0 to 10 scale; anything else is refused."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [SelectChoice(str(n), str(n)) for n in SAFETY_SCALE])
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist and valuelist[0] else None

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data not in {str(n) for n in SAFETY_SCALE}:
            raise ValidationError("The safety scale must be a whole number from 0 to 10")

    @property
    def number(self) -> int | None:
        return int(self.data) if self.data is not None and not self.errors else None


# Starting a record --------------------------------------------------------------------------------


class NewSupervisionForm(Form):
    kind = RadioField(
        "What kind of supervision?",
        choices=[
            SelectChoice(SupervisionKind.CASE.value, "Case supervision: one or more of a worker's cases"),
            SelectChoice(SupervisionKind.REFLECTIVE.value, "Reflective supervision: practice and wellbeing"),
            SelectChoice(SupervisionKind.GROUP.value, "Group supervision: several workers together"),
        ],
        validators=[InputRequired(message="Select the kind of supervision")],
    )
    workers = CheckboxesField(
        "Who was supervised?",
        description="Select one worker, or several for group supervision.",
        validators=[DataRequired(message="Select who was supervised")],
        filters=[distinct],  # the same worker twice is one worker, never two attendances
        # Only the workers offered: anyone else (unknown, another team's, inactive) gets the same
        # words, never their name.
        invalid_choice_message=NOT_A_WORKER_YOU_SUPERVISE,
    )
    held_on = GovDateField(
        "Date of the supervision",
        description="For example, 27 3 2026",
        validators=[InputRequired(message="Enter the date of the supervision"), not_in_future],
    )
    submit = SubmitField("Start the record", widget=GovSubmitInput())

    def __init__(self, *args: Any, workers: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workers.choices = [
            SelectChoice(str(user.id), f"{user.name}{f' ({user.team.name})' if user.team else ''}") for user in workers
        ]
        self.held_on.error_anchor = "held_on-day"
        self.workers.error_anchor = "workers"


# The record ---------------------------------------------------------------------------------------


class SupervisionFormBase(DraftForm):
    held_on = GovDateField(
        "Date", description="For example, 27 3 2026", validators=[InputRequired("Enter the date"), not_in_future]
    )
    start_time = TimeOfDayField(
        "Start time", description="On the 24-hour clock, for example 14:30", validators=[Optional()]
    )
    duration_minutes = WholeNumberField(
        "Duration in minutes",
        description="About 90 minutes is usual.",
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_DURATION_MINUTES,
                message=f"Duration must be between 1 and {MAX_DURATION_MINUTES:,} minutes (a day)",
            ),
        ],
    )
    previous_actions_review = long_text(
        "Review of actions from last time", "What was done, what was not and why, and what carries on."
    )
    next_supervision_date = GovDateField(
        "Date of the next supervision", description="For example, 24 4 2026", validators=[Optional()]
    )

    # On a page with one part of the record: which part, so a save changes that part alone and
    # leaves the others as they are saved (audit.domain.supervision_tasks names the parts).
    part = HiddenField()
    completed: RadioField  # "Have you completed this part?", last of the fields (supervision_form_class)

    record: SupervisionRecord
    case_ids: list[int]
    text_fields: tuple[tuple[str, str, str], ...]

    def outside_part(self, name: str) -> bool:
        """True for a field of the record that the posted part's page does not show."""
        part = self.part.data or None
        owner = part_of_field(name)
        return part is not None and owner != "" and owner != part

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        # A part's page posts that part alone: the fields it does not show are not its problem
        # (the date, say, is required but lives on the session's page).
        for field in self:
            if self.outside_part(field.name):
                field.errors = []
        return not self.errors

    def case_fields(self, case_id: int) -> dict[str, Field]:
        names = [name for name, _label, _hint in CASE_TEXT_FIELDS + CASE_JUDGEMENT_FIELDS]
        names += ["safety_scale", "next_review_date"]
        return {name: getattr(self, f"c{case_id}_{name}") for name in names}

    def fill_from(self, record: SupervisionRecord) -> None:
        self.held_on.data = record.held_on
        self.start_time.data = record.start_time
        self.duration_minutes.data = record.duration_minutes
        self.previous_actions_review.data = record.previous_actions_review
        self.next_supervision_date.data = record.next_supervision_date
        for name, _label, _hint in self.text_fields:
            getattr(self, name).data = getattr(record, name)
        if hasattr(self, "cases"):
            self.cases.data = [str(discussed.case_id) for discussed in record.cases]
        for discussed in record.cases:
            fields = self.case_fields(discussed.case_id)
            for name, field in fields.items():
                value = getattr(discussed, name)
                field.data = str(value) if name == "safety_scale" and value is not None else value
        self.version.data = str(record.version)

    def values(self) -> RecordValues:
        """What was posted in the domain's terms; fields that failed validation are left empty and
        named in ``keep``, so that their saved values stay as they are."""

        def ok(field: Field) -> Any:
            return field.data if not field.errors else None

        def text(field: Field) -> str | None:
            return (field.data or None) if not field.errors else None

        case_ids = None
        if hasattr(self, "cases") and not self.cases.errors:
            case_ids = [int(value) for value in self.cases.data or [] if str(value).isdigit()]
        cases = {}
        for case_id in self.case_ids:
            fields = self.case_fields(case_id)
            scale: SafetyScaleField = getattr(self, f"c{case_id}_safety_scale")
            cases[case_id] = CaseValues(
                texts={name: text(fields[name]) for name, _l, _h in CASE_TEXT_FIELDS + CASE_JUDGEMENT_FIELDS},
                safety_scale=scale.number,
                next_review_date=ok(fields["next_review_date"]),
            )
        texts = {name: text(getattr(self, name)) for name, _label, _hint in self.text_fields}
        texts["previous_actions_review"] = text(self.previous_actions_review)
        return RecordValues(
            held_on=ok(self.held_on),
            start_time=ok(self.start_time),
            duration_minutes=ok(self.duration_minutes),
            next_supervision_date=ok(self.next_supervision_date),
            texts=texts,
            case_ids=case_ids if not self.outside_part("cases") else None,
            cases=cases,
            keep=frozenset(field.name for field in self if field.errors or self.outside_part(field.name)),
        )

    def add_problems(self, problems: list[tuple[str, str]]) -> None:
        for field_name, message in problems:
            field = getattr(self, field_name, None)
            if field is not None and message not in field.errors:
                field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
            elif field is None:
                self.form_errors.append(message)


def text_fields_for(kind: SupervisionKind) -> tuple[tuple[str, str, str], ...]:
    """The record's own text parts for each kind: reflective supervision has them all; group
    supervision reflects together with the reflective cycle."""
    if kind is SupervisionKind.REFLECTIVE:
        return FUNCTION_FIELDS + CYCLE_FIELDS + WELLBEING_FIELDS
    if kind is SupervisionKind.GROUP:
        return CYCLE_FIELDS
    return ()


def supervision_form_class(record: SupervisionRecord, allocated: Sequence[Case]) -> type[SupervisionFormBase]:
    kind = record.kind_enum
    case_ids = [discussed.case_id for discussed in record.cases]
    attributes: dict[str, Any] = {"record": record, "case_ids": case_ids, "text_fields": text_fields_for(kind)}
    for name, label, hint in text_fields_for(kind):
        attributes[name] = long_text(label, hint)
    if kind.discusses_cases:
        attributes["cases"] = CheckboxesField(
            "Cases discussed",
            description="Cases allocated to the worker" + ("s" if kind is SupervisionKind.GROUP else "") + ".",
            choices=[
                SelectChoice(
                    str(case.id),
                    f"{case.reference}: {case.plan_type_label}"
                    + (f" ({case.worker.name})" if kind is SupervisionKind.GROUP and case.worker else ""),
                )
                for case in allocated
            ],
            validate_choice=False,  # the domain refuses a case not allocated, never naming it
        )
    for case_id in case_ids:
        prefix = f"c{case_id}"
        for name, label, hint in CASE_TEXT_FIELDS + CASE_JUDGEMENT_FIELDS:
            attributes[f"{prefix}_{name}"] = long_text(label, hint)
        attributes[f"{prefix}_safety_scale"] = SafetyScaleField(
            "Safety scale",
            description="0 means the child will be harmed again; 10 means everyone agrees the child is safe enough.",
            validators=[Optional()],
        )
        attributes[f"{prefix}_next_review_date"] = GovDateField(
            "Next review of this case", description="For example, 24 4 2026", validators=[Optional()]
        )
    # Last, so that a problem with it comes last in the error summary, after the answers it is about.
    attributes["completed"] = RadioField(
        "Have you completed this part?",
        choices=[
            SelectChoice("yes", "Yes, I’ve completed this part"),
            SelectChoice("no", "No, I’ll come back to it later"),
        ],
        validators=[Optional()],
    )
    return type(f"SupervisionForm{record.id}", (SupervisionFormBase,), attributes)


def amendment_form_class(record: SupervisionRecord, allocated: Sequence[Case]) -> type[SupervisionFormBase]:
    reason = TextAreaField(
        "Reason for the amendment",
        description="Recorded with each change, with your name and the time. The worker sees it.",
        widget=GovCharacterCount(),
        validators=[
            DataRequired(message="Enter the reason for the amendment"),
            Length(max=2000, message="Reason for the amendment must be 2,000 characters or fewer"),
        ],
    )
    return type(
        f"SupervisionAmendmentForm{record.id}",
        (supervision_form_class(record, allocated),),
        {"amendment_reason": reason},
    )


# Smaller forms ------------------------------------------------------------------------------------


class SupervisionActionForm(Form):
    description = TextAreaField(
        "What needs to happen",
        widget=GovCharacterCount(),
        validators=[
            DataRequired(message="Enter what needs to happen"),
            Length(max=2000, message="What needs to happen must be 2,000 characters or fewer"),
        ],
    )
    owner = GovSelectField("Who owns it", validators=[DataRequired(message="Select who owns the action")])
    case = GovSelectField("Which child's case is it about?", validators=[Optional()])
    due_date = GovDateField(
        "Due date",
        description="For example, 27 3 2027",
        validators=[InputRequired(message="Enter the due date"), not_in_past],
    )
    submit = SubmitField("Add action", widget=GovSubmitInput())

    def __init__(self, *args: Any, owners: Sequence[User], record: SupervisionRecord, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner.choices = [SelectChoice("", "Select a person")] + [
            SelectChoice(str(user.id), user.name) for user in owners
        ]
        self.case.choices = [SelectChoice("", "None: about the worker's practice")] + [
            SelectChoice(str(discussed.case_id), discussed.case.reference) for discussed in record.cases
        ]
        self.due_date.error_anchor = "due_date-day"


class AcknowledgeSupervisionForm(Form):
    agrees = RadioField(
        "Is this an accurate record of your supervision?",
        choices=[
            SelectChoice("yes", "Yes"),
            SelectChoice("no", "No, I disagree with part of it"),
        ],
        validators=[InputRequired(message="Select whether this is an accurate record")],
    )
    comment = TextAreaField(
        "Your comment (optional if you agree)",
        description="Anything you want on the record. If you disagree, say what with and why.",
        widget=GovCharacterCount(),
        validators=[Length(max=2000, message="Your comment must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Acknowledge the record", widget=GovSubmitInput())

    def validate_comment(self, field: Field) -> None:
        if self.agrees.data == "no" and not (field.data or "").strip():
            raise ValidationError("Say what you disagree with")


def standards_form(rows: Sequence[SupervisionStandard]) -> Form:
    """One whole-number field per standard, named ``s<id>``."""
    attributes: dict[str, Any] = {
        f"s{row.id}": WholeNumberField(
            row.label,
            validators=[
                InputRequired(message=f"Enter the interval for {row.label.lower()}"),
                NumberRange(min=1, max=366, message=f"{row.label}: the interval must be between 1 and 366 days"),
            ],
            render_kw={"params": {"suffix": {"text": "days"}, "classes": "govuk-input--width-3"}},
        )
        for row in rows
    }
    attributes["submit"] = SubmitField("Save standards", widget=GovSubmitInput())
    form_class = type("SupervisionStandardsForm", (Form,), attributes)
    form: Form = form_class()
    if not form.showing_saved_values:
        for row in rows:
            getattr(form, f"s{row.id}").data = row.interval_days
    return form


class CompleteSupervisionForm(Form):
    """Completes the record from "Check your answers": the button and the CSRF token."""
