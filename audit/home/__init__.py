"""The home page: open safeguarding concerns first, then what is waiting for the user, then what
each of their roles can do here."""

from flask import Blueprint

home = Blueprint("home", __name__)

from audit.home import views  # noqa: E402,F401  (routes register on import)
