"""Admin: finding the case a subject access request is about."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from forms.base import Form


class SubjectAccessCaseForm(Form):
    # Posted, not put in the address: a case reference in a URL ends up in browser history and logs.
    case_reference = StringField(
        "Case reference",
        description="The child's reference in the case-management system, for example CS-104233.",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the case reference"), Length(max=40)],
    )
    submit = SubmitField("Find what is held", widget=GovSubmitInput())
