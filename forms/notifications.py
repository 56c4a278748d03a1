"""Email settings: at once or in a daily summary, per kind of notice."""

from __future__ import annotations

from collections.abc import Mapping

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3
from wtforms.validators import InputRequired

from audit.models import NotificationKind
from forms.base import Form
from forms.fields import RadioField

WHEN = [SelectChoice("now", "As it happens"), SelectChoice("digest", "In a daily summary email")]


def email_settings_form(kinds: list[NotificationKind], current: Mapping[NotificationKind, bool]) -> Form:
    """One question per kind the user may choose for, answered with their current choice."""

    class EmailSettingsForm(Form):
        submit = SubmitField("Save email settings", widget=GovSubmitInput())

    for kind in kinds:
        setattr(
            EmailSettingsForm,
            kind.value,
            RadioField(
                kind.label,
                choices=list(WHEN),
                default="digest" if current.get(kind) else "now",
                validators=[InputRequired(message=f"Select when to be told: {kind.label.lower()}")],
                invalid_choice_message=f"Select when to be told: {kind.label.lower()}",
            ),
        )
    return EmailSettingsForm()
