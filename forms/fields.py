"""GOV.UK-rendered fields shared by every form, with the fixes the upstream widgets need."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovDateInput, GovRadioInput, GovSelect, GovTextArea
from markupsafe import Markup
from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.utils import unset_value


class _NoEmptyHint:
    """govuk-frontend-wtf always passes a hint to iterable widgets; an empty one renders an
    empty hint element (and a dangling aria-describedby). Drop it when there is no text."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)  # type: ignore[misc]
        if not (params.get("hint") or {}).get("text") and not (params.get("hint") or {}).get("html"):
            params.pop("hint", None)
        return params


class RadioWidget(_NoEmptyHint, GovRadioInput):
    pass


class CheckboxesWidget(_NoEmptyHint, GovCheckboxesInput):
    pass


class SelectWidget(_NoEmptyHint, GovSelect):
    pass


class RadioField(SelectField):
    widget = RadioWidget()


class CheckboxesField(SelectMultipleField):
    widget = CheckboxesWidget()


class GovSelectField(SelectField):
    widget = SelectWidget()


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year posted under one name) that copes with a form
    posted without it, and says "Enter a real date" in words a user can act on."""

    widget = GovDateInput()

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


class GovMonthInput(GovDateInput):
    """A GOV.UK date input with only the month and year boxes."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        month, year = field.raw_data if field.raw_data is not None else (None, None)
        if field.raw_data is None and field.data:
            month, year = field.data.strftime("%m %Y").split(" ")
        error = " govuk-input--error" if field.errors else ""
        params = GovFormBase.map_gov_params(self, field, **kwargs)
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


class GovMonthField(DateField):
    """A month and year (posted as two values under one name), held as the month's first day."""

    widget = GovMonthInput()

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
        params = super().map_gov_params(field, **kwargs)
        params["value"] = Markup("&#10;").join(str(params.get("value") or "").splitlines())
        return params
