"""The form fields answers are typed into: GOV.UK radios and date inputs, with the fixes the
upstream widgets need. They sit here, below the domain, so that an answer type can name its own
field; ``forms.fields`` imports them for every other form."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovDateInput, GovRadioInput, GovTextInput
from wtforms import DateField, Field, IntegerField, SelectField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import Length, ValidationError

from audit.clock import today


class NoEmptyHint:
    """govuk-frontend-wtf always passes a hint to iterable widgets; an empty one renders an
    empty hint element (and a dangling aria-describedby). Drop it when there is no text."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        # A mixin: the GOV.UK widget after it in the class's bases has map_gov_params.
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)  # type: ignore[misc]
        if not (params.get("hint") or {}).get("text") and not (params.get("hint") or {}).get("html"):
            params.pop("hint", None)
        return params


class RadioWidget(NoEmptyHint, GovRadioInput):
    pass


class TakesInvalidChoiceMessage:
    """The choice fields' constructor as WTForms 3.3 has it (it takes ``invalid_choice_message``);
    types-WTForms 3.2 does not know that keyword yet. Typing only: at run time this adds nothing."""

    if TYPE_CHECKING:
        # WTForms 3.3 takes invalid_choice_message; types-WTForms 3.2 does not know it yet.
        def __init__(
            self,
            label: str | None = None,
            validators: Sequence[Any] | None = None,
            *,
            invalid_choice_message: str | None = None,
            **kwargs: Any,
        ) -> None: ...


class RadioField(TakesInvalidChoiceMessage, SelectField):
    widget = RadioWidget()


class ScaleRadioField(RadioField):
    """A grade on the tool's scale (or one of a fixed set of choices); a value not offered is
    refused in words a user can act on."""

    def pre_validate(self, form: Any) -> None:
        choices: list[Any] = list(self.choices or [])
        if self.data and self.data not in {choice.value for choice in choices}:
            raise ValidationError("Select a grade from the tool's scale")

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist and valuelist[0] else None


class OptionRadioField(ScaleRadioField):
    """One of a choice question's own options; a value not offered is refused in words."""

    def pre_validate(self, form: Any) -> None:
        choices: list[Any] = list(self.choices or [])
        if self.data and self.data not in {choice.value for choice in choices}:
            raise ValidationError("Select one of the answers listed")


class WholeNumberField(IntegerField):
    """A whole number typed in a GOV.UK text input (``inputmode="numeric"``, as the design system
    asks), between bounds; anything else is refused in words a user can act on. Digits only (and
    a leading minus): Python's ``int`` would also take "1_0" and other scripts' digits."""

    widget = GovTextInput()

    def __init__(self, *args: Any, lowest: int, highest: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lowest, self.highest = lowest, highest

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        if not text:
            self.data = None
            return
        self.data = None
        if not re.fullmatch(r"-?[0-9]{1,12}", text):
            raise ValueError(f"{field_label(self)} must be a whole number, like {max(self.lowest, 3)}")
        number = int(text)
        if not self.lowest <= number <= self.highest:
            raise ValueError(f"{field_label(self)} must be between {self.lowest:,} and {self.highest:,}")
        self.data = number


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year posted under one name) that copes with a form
    posted without it, and says "Enter a real date" in words a user can act on."""

    widget = GovDateInput()
    error_anchor: str  # set by a form: the box an error summary links to (audit.templating)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(*args, **kwargs)

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        if self.raw_data is not None and len(self.raw_data) != 3:
            self.raw_data = None

    def process_formdata(self, valuelist: list[str]) -> None:
        valuelist = [value.strip() for value in valuelist]
        if len(valuelist) == 3 and not any(valuelist):
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(
                f"{self.label.text.rstrip('?')} must be a real date, with a day, month and year"
            ) from error


# The date and length rules are written once, here at the bottom, because answers need them too;
# forms.validators re-exports them beside the rules only forms use.


def field_label(field: Field) -> str:
    return str(field.label.text).rstrip("?")


class NotInFuture:
    """A date that is today or earlier, on the service's clock (the Europe/London date). The
    message names the field unless one is given."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, _form: Any, field: Field) -> None:
        if field.data and field.data > today():
            raise ValidationError(self.words(field))

    def words(self, field: Field) -> str:
        return self.message or f"{field_label(field)} must be today or in the past"


not_in_future = NotInFuture()


# The dates anyone may enter: wide enough for any real date of birth, plan or review, and narrow
# enough that whatever is worked out from one (the year before, the quarter it is in, the instant
# it starts in UTC) is still a date Python and both databases can hold. 31 12 9999 is not.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def date_out_of_range(field: Field) -> str | None:
    """The problem with a field's date when it falls outside EARLIEST_DATE..LATEST_DATE: said as
    the field's own rule where it has one that covers it (a date that must not be in the future),
    since that is what the person needs to put right."""
    day = field.data.date() if isinstance(field.data, datetime) else field.data
    if not isinstance(day, date) or EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    if day > LATEST_DATE:
        for rule in field.validators:
            if isinstance(rule, NotInFuture):
                return rule.words(field)
    return f"{field_label(field)} must be between {EARLIEST_DATE.year} and {LATEST_DATE.year}"


def too_long(label: str, limit: int) -> Length:
    """At most ``limit`` characters, said in words with the field's label."""
    return Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")


def answer_text(label: str, description: str, limit: int, *, optional: bool = False) -> TextAreaField:
    """A typed answer or its evidence: a text area with a character count and a length limit."""
    return TextAreaField(
        label,
        description=description,
        widget=GovCharacterCount(),
        validators=[too_long(label, limit), *optional_answer(optional)],
    )


class OptionalAnswer:
    """Marks the field of a question the auditor may leave blank (``ToolQuestion.required`` is
    false): the answer's partial adds "(optional)" to its label, as GOV.UK marks optional
    questions. It checks nothing itself; submission decides what is missing."""

    field_flags = {"optional_answer": True}

    def __call__(self, _form: Any, _field: Field) -> None:
        return None


def optional_answer(optional: bool) -> list[OptionalAnswer]:
    """The marker for an optional question's field, or nothing for a required one."""
    return [OptionalAnswer()] if optional else []
