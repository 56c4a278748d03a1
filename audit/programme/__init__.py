"""The audit programme: leaders sample cases for a month and assign auditors."""

from flask import Blueprint

programme = Blueprint("programme", __name__, url_prefix="/programme")

from audit.programme import views  # noqa: E402,F401  (routes register on import)
