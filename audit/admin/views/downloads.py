"""Admin: who downloaded which report or export, when, and with what filters."""

from __future__ import annotations

from flask import render_template

from audit.access import requires
from audit.admin import admin
from audit.models import Role
from audit.reporting.downloads import recent_downloads

SHOWN = 200


@admin.route("/downloads")
@requires(Role.ADMIN)
def downloads() -> str:
    return render_template(
        "admin/downloads.html", downloads=recent_downloads(SHOWN), limit=SHOWN, title="Report downloads"
    )
