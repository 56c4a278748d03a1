"""The quality lead's words for a theme of the themed report, and the choice of a quote. One form
per theme on the page, each with its own prefix (``t1-``, ``t2-``...), so every field's id is unique
and a post names the theme it is for."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from audit.reporting.narrative import TEXT_LIMIT
from forms.base import Form
from forms.validators import strip_lines


def _text(label: str, description: str) -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        widget=GovCharacterCount(),
        filters=[strip_lines],
        validators=[Optional(), Length(max=TEXT_LIMIT, message=f"{label} must be {TEXT_LIMIT:,} characters or fewer")],
    )


class NarrativeForm(Form):
    theme = HiddenField()
    version = HiddenField()  # the version this text was written from (0: none yet)
    analysis = _text("Analysis", "What the figures and evidence say about practice in this theme, and why.")
    doing = _text("What we are doing", "What the service is doing about it: actions, owners and when.")
    submit = SubmitField("Save this theme", widget=GovSubmitInput())

    def based_on(self) -> int | None:
        value = (self.version.data or "").strip()
        return int(value) if value.isdigit() else None


class QuoteChoiceForm(Form):
    theme = HiddenField()
    judgement = HiddenField()
    choice = HiddenField()  # "chosen", "excluded" or "clear"

    def judgement_id(self) -> int | None:
        value = (self.judgement.data or "").strip()
        return int(value) if value.isdigit() else None
