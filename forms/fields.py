"""GOV.UK-rendered fields shared by every form, with the fixes the upstream widgets need."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSelect
from wtforms import SelectField, SelectMultipleField


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
