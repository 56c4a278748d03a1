"""GOV.UK-rendered fields shared by every form, with the fixes the upstream widgets need."""

from __future__ import annotations

from datetime import date
from typing import Any

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovDateInput, GovSelect, GovTextArea
from markupsafe import Markup
from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.utils import unset_value

# The radios and the date input are the answer fields' too: they live with the answer types.
from audit.answers.fields import GovDateField as GovDateField
from audit.answers.fields import NoEmptyHint, TakesInvalidChoiceMessage
from audit.answers.fields import RadioField as RadioField
from audit.answers.fields import RadioWidget as RadioWidget


class CheckboxesWidget(NoEmptyHint, GovCheckboxesInput):
    pass


class SelectWidget(NoEmptyHint, GovSelect):
    pass


class CheckboxesField(TakesInvalidChoiceMessage, SelectMultipleField):
    widget = CheckboxesWidget()
    error_anchor: str  # set by a form: the box an error summary links to (audit.templating)


class GovSelectField(TakesInvalidChoiceMessage, SelectField):
    widget = SelectWidget()


class GovMonthInput(GovDateInput):
    """A GOV.UK date input with only the month and year boxes."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        month, year = field.raw_data if field.raw_data is not None else (None, None)
        if field.raw_data is None and field.data:
            month, year = field.data.strftime("%m %Y").split(" ")
        error = " govuk-input--error" if field.errors else ""
        params: dict[str, Any] = GovFormBase.map_gov_params(self, field, **kwargs)
        params.setdefault("fieldset", {"legend": {"text": field.label.text}})
        params.setdefault(
            "items",
            [
                {
                    "label": "Month",
                    "id": f"{field.name}-month",
                    "name": field.name,
                    "classes": "govuk-input--width-2" + error,
                    "value": month,
                },
                {
                    "label": "Year",
                    "id": f"{field.name}-year",
                    "name": field.name,
                    "classes": "govuk-input--width-4" + error,
                    "value": year,
                },
            ],
        )
        return params


class FilterDateField(GovDateField):
    """A GOV.UK date input for a filter in the query string, which also takes one ISO date
    (``?from=2026-01-01``) from a link or a bookmark."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_anchor = f"{self.id}-day"  # the error summary links to the first box

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        values = formdata.getlist(self.name) if formdata is not None and self.name in formdata else None
        if values is not None and len(values) == 1:
            # The boxes show the date parsed (raw_data None), or stay empty beside the error.
            self.data, self.raw_data = None, None
            self.process_errors = []
            try:
                self.data = date.fromisoformat(values[0].strip()) if values[0].strip() else None
            except ValueError:
                self.process_errors.append(
                    f"{self.label.text} must be a real date, with a day, month and year, like 31 3 2026"
                )
            return
        super().process(formdata, data, extra_filters)


class GovMonthField(DateField):
    """A month and year (posted as two values under one name), held as the month's first day."""

    widget = GovMonthInput()
    error_anchor: str  # set by a form: the box an error summary links to (audit.templating)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%m %Y")
        super().__init__(*args, **kwargs)

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        if self.raw_data is not None and len(self.raw_data) != 2:
            self.raw_data = None

    def process_formdata(self, valuelist: list[str]) -> None:
        if len(valuelist) != 2 or not any(value.strip() for value in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([value.strip() for value in valuelist])
        except ValueError as error:
            raise ValueError(f"{self.label.text.rstrip('?')} must be a real month and year") from error


class NestableTextArea(GovTextArea):
    """A GOV.UK textarea that can sit in a conditional reveal. The radios and checkboxes macros
    indent all they nest, which would add spaces to every line typed into it; line breaks written
    as character references are left alone by the indenting and read back as line breaks."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        params["value"] = Markup("&#10;").join(str(params.get("value") or "").splitlines())
        return params
