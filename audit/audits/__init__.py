"""The auditor's journey: my audits, the audit form with autosave, submission, the read-only
audit, amendments, the practitioner's reflection, actions, safeguarding concerns and the PDF."""

from flask import Blueprint

audits = Blueprint("audits", __name__, url_prefix="/audits")

from audit.audits import views  # noqa: E402,F401  (routes register on import)
