"""Reading a validated form's values (forms.base.required) and adding an error the domain found
after validation (forms.base.add_error): what views use instead of reading ``.data`` as if it
could not be None and appending to ``.errors`` as if it were always a list."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SelectMultipleField, StringField
from wtforms import Form as PlainForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from forms.base import add_error, required


class Example(PlainForm):
    name = StringField("Name", validators=[DataRequired()])
    on = DateField("On", validators=[DataRequired()])
    picked = SelectMultipleField("Picked", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])


def test_required_gives_the_validated_values() -> None:
    form = Example(MultiDict([("name", "Sam"), ("on", "2026-03-31")]))
    assert form.validate()
    assert required(form.name) == "Sam"
    assert required(form.on) == date(2026, 3, 31)
    assert required(form.picked) == []  # nothing ticked: an empty list, not None


def test_required_refuses_a_value_read_before_the_form_was_posted() -> None:
    form = Example()
    with pytest.raises(ValueError, match="name field has no value"):
        required(form.name)


def test_add_error_adds_to_the_fields_errors_before_and_after_validation() -> None:
    form = Example(MultiDict([("name", ""), ("on", "2026-03-31")]))
    add_error(form.on, "Before")  # errors is still WTForms' empty tuple here
    assert list(form.on.errors) == ["Before"]
    assert not form.validate()
    add_error(form.name, "That name is taken")
    assert form.name.errors == ["This field is required.", "That name is taken"]
    assert form.errors["name"] == ["This field is required.", "That name is taken"]
