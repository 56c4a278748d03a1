"""Reports for leaders: the dashboard of audit figures, the themed report (PDF), the CSV exports
and the ``flask report`` commands. The figures themselves are ``audit.reporting``."""

from flask import Blueprint

reports = Blueprint("reports", __name__, url_prefix="/reports")

from audit.reports import views  # noqa: E402,F401  (routes register on import)
