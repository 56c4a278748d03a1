"""The home page: open safeguarding concerns first, then what is waiting for the user, then what
each of their roles can do here."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from audit.access import signed_in
from audit.domain import follow_up

home = Blueprint("home", __name__)


@home.route("/")
@signed_in
def index() -> str:
    return render_template(
        "home/index.html",
        # Unacknowledged immediate safeguarding concerns: for the team's supervisors and leaders.
        concerns=follow_up.open_concerns_for(current_user),
        counts=follow_up.work_counts(current_user),
        title="Home",
    )
