"""The base for every form: it refills itself with what the user posted before their session
or CSRF token expired (see audit.preserve), so no view has to remember to; and it refuses what no
database can store, beside the field it was typed in, keeping the rest of what was typed:

- text with a NUL character or a lone surrogate (half an emoji, from a hand-made JSON body):
  those characters are taken out before any field reads the value, and the field says why it was
  not saved (a draft keeps that field's saved value, as for any invalid field);
- a date outside EARLIEST_DATE..LATEST_DATE (31 12 9999): the field has no date and says so (see
  audit.answers.fields.date_out_of_range), so no period or filter is ever worked out from it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, overload

from flask import request
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, Field, HiddenField, SelectMultipleField, StringField

from audit.answers.fields import date_out_of_range, field_label
from audit.preserve import restored_formdata
from audit.routing import has_unstorable, without_unstorable


def unstorable_text(field: Field) -> str:
    return (
        f"{field_label(field)} contains a character that cannot be saved (a null character or a broken "
        "emoji). Remove it, or type the text again"
    )


def _storable(formdata: Any) -> tuple[Any, frozenset[str]]:
    """The posted values with what cannot be stored taken out, and the names that had any."""
    if formdata is None or not hasattr(formdata, "items"):
        return formdata, frozenset()
    pairs = list(formdata.items(multi=True))
    names = frozenset(name for name, value in pairs if isinstance(value, str) and has_unstorable(value))
    if not names:
        return formdata, names
    cleaned = [(name, without_unstorable(value) if isinstance(value, str) else value) for name, value in pairs]
    return MultiDict(cleaned), names


class Form(FlaskForm):
    restored: bool = False
    unstorable: frozenset[str] = frozenset()  # the names posted with text no database can store

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Form, formdata: Any) -> Any:
            formdata, form.unstorable = _storable(super().wrap_formdata(form, formdata))
            return formdata

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "formdata" not in kwargs and request.method == "GET" and current_user.is_authenticated:
            kept = restored_formdata(current_user.id)
            if kept is not None:
                kwargs["formdata"] = kept
                self.restored = True
        super().__init__(*args, **kwargs)

    def process(self, *args: Any, **kwargs: Any) -> None:
        super().process(*args, **kwargs)
        for field in self:
            if problem := date_out_of_range(field):
                # As if it were not a real date: nothing reads it, the boxes show what was typed.
                field.data = None
                field.process_errors.append(problem)

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if self.restored and "csrf_token" in self._fields:
            # Restored data was not posted with this page's token; the original post's was checked.
            self.csrf_token.errors = []
            valid = not self.errors
        for field in self:
            if field.name in self.unstorable:
                add_error(field, unstorable_text(field))
                valid = False
        return valid

    @property
    def showing_saved_values(self) -> bool:
        """True when the fields hold what was posted (a failed submit or restored data)."""
        return self.is_submitted() or self.restored


def add_error(field: Field, message: str) -> None:
    """Show a problem found after the form validated (by the domain, say) as the field's own error."""
    field.errors = [*field.errors, message]


@overload
def required(field: StringField) -> str: ...
@overload
def required(field: DateField) -> date: ...
@overload
def required(field: SelectMultipleField) -> list[Any]: ...
def required(field: Field) -> Any:
    """The value of a field that cannot be None once the form has validated: one that a required
    validator (DataRequired, InputRequired) has checked, or a multiple choice (a list, perhaps
    empty, once posted). WTForms types every field's value as possibly None; None here means the
    value was read before the form validated, which is a bug."""
    if field.data is None:
        raise ValueError(f"The {field.name} field has no value: read it after the form validates")
    return field.data


class DraftForm(Form):
    """A record edited over time (an audit, a supervision record): the version the user's copy was
    made from, and, once they have seen a conflict and chosen to save over it, the newer version."""

    version = HiddenField()
    overwrite = HiddenField()  # set when the user saw a conflict and chose to save over it

    def expected_version(self) -> int | None:
        """The version this save is made from; ``None`` when the form's version is missing, empty
        or not a number, which the domain treats as a conflict, never as leave to overwrite."""
        posted = self.overwrite.data or self.version.data
        try:
            return int(posted) if posted is not None else None
        except ValueError:
            return None
