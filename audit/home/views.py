"""The home page."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from audit.access import signed_in
from audit.domain import follow_up
from audit.home import home


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
