"""GOV.UK-rendered fields shared by every form, with the fixes the upstream widgets need."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovDateInput, GovRadioInput, GovSelect
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
        if len(valuelist) == 3 and not any(value.strip() for value in valuelist):
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(f"{self.label.text.rstrip('?')} must be a real date, like 27 3 2026") from error
