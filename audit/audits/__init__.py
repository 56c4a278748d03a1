"""The auditor's journey: my audits, the audit form with autosave, submission, the read-only
audit, amendments, the practitioner's reflection, actions, safeguarding concerns and the PDF."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from audit.domain import follow_up

audits = Blueprint("audits", __name__, url_prefix="/audits")


@audits.record_once
def _concern_response_time(state: BlueprintSetupState) -> None:
    """The response time for safeguarding concerns is a setting (CONCERN_RESPONSE_WORKING_DAYS)."""
    follow_up.set_response_time(state.app.config["FOLLOW_THROUGH"].concern_response_working_days)


from audit.audits import views  # noqa: E402,F401  (routes register on import)
