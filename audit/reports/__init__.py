"""Reports for leaders: the dashboard of audit figures, the themed report (PDF), the CSV exports
and the ``flask report`` commands. The figures themselves are ``audit.reporting``."""

from flask import Blueprint

reports = Blueprint("reports", __name__, url_prefix="/reports")

# Routes register on import: the dashboard and downloads; the lead's words and the evidence pack.
from audit.reports import narrative_views, views  # noqa: E402,F401
