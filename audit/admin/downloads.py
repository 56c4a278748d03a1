"""Admin: who downloaded which report or export, when, and with what filters."""

from __future__ import annotations

import json

from flask import render_template
from sqlalchemy import select

from audit.access import requires
from audit.admin import admin
from audit.extensions import db
from audit.models import AuditTool, ReportDownload, Role, Team, User

SHOWN = 200
REPORTS = {
    "themed-pdf": "Themed audit report (PDF)",
    "answers-csv": "Answers export (CSV)",
    "actions-csv": "Actions export (CSV)",
    "plan-pdf": "Improvement plan report (PDF)",
}


@admin.route("/downloads")
@requires(Role.ADMIN)
def downloads() -> str:
    rows = db.session.execute(
        select(ReportDownload, User.name)
        .outerjoin(User, User.id == ReportDownload.user_id)
        .order_by(ReportDownload.at.desc(), ReportDownload.id.desc())
        .limit(SHOWN)
    ).all()
    # Filters name teams and tools by id; two small lookups turn them into names.
    teams = dict(db.session.execute(select(Team.id, Team.name)).all())
    tools = dict(db.session.execute(select(AuditTool.id, AuditTool.name)).all())
    shown = [
        (
            download,
            name,
            REPORTS.get(download.report, download.report),
            _filters_in_words(download.filters, teams, tools),
        )
        for download, name in rows
    ]
    return render_template("admin/downloads.html", downloads=shown, limit=SHOWN, title="Report downloads")


def _filters_in_words(stored: str, teams: dict[int, str], tools: dict[int, str]) -> str:
    filters = json.loads(stored or "{}")
    words = []
    if "from" in filters or "to" in filters:
        words.append(f"{filters.get('from', '…')} to {filters.get('to', '…')}")
    for key, names, label in (("team_ids", teams, "teams"), ("tool_ids", tools, "tools")):
        if filters.get(key):
            ids = [int(value) for value in str(filters[key]).split(",") if value.strip().isdigit()]
            words.append(f"{label}: " + ", ".join(names.get(id_, f"#{id_}") for id_ in ids))
    if filters.get("themes"):
        words.append(f"themes: {filters['themes']}")
    return "; ".join(words) or "No filters"
