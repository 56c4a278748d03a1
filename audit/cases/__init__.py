"""Cases as the people who work with them see them: their own team's, or every team's for
service-wide roles. Viewing a case is recorded in the access log."""

from flask import Blueprint

cases = Blueprint("cases", __name__, url_prefix="/cases")

from audit.cases import views  # noqa: E402,F401  (routes register on import)
