"""Importing performance indicators: the file to check, then the confirmation of what it would
change. The confirmation carries the checked file itself (a small file: see
``audit.domain.indicators.MAX_BYTES``) and the fingerprint of the plan shown, and the file is
checked again in full before anything is written."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import HiddenField, SubmitField
from wtforms.validators import ValidationError

from forms.base import Form


class IndicatorImportForm(Form):
    file = FileField(
        "CSV file of monthly figures",
        description="A CSV file with a header row and the columns indicator, month (like 2026-10) and value "
        "(a percentage, like 61.5).",
        widget=GovFileInput(),
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())

    def validate_file(self, field: FileField) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Select a CSV file")
        if not field.data.filename.lower().endswith(".csv"):
            raise ValidationError("The selected file must be a CSV")


class IndicatorConfirmForm(Form):
    """Confirms the figures previewed: the file checked and the fingerprint of what was shown."""

    content = HiddenField()
    fingerprint = HiddenField()
    submit = SubmitField("Import these figures", widget=GovSubmitInput())
