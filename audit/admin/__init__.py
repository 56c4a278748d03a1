"""Admin: teams and service areas, users and roles, cases and the case import."""

from flask import Blueprint

admin = Blueprint("admin", __name__, url_prefix="/admin")

from audit.admin import views  # noqa: E402,F401  (routes register on import)
