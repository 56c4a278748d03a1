"""Recording who downloaded which report or export, when, and with what filters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from audit.extensions import db
from audit.models import AuditTool, ReportDownload, Team, User

Via = Literal["web", "command"]


def record_download(report: str, filters: Mapping[str, object], user_id: int | None, via: Via = "web") -> None:
    """Add a row for a report produced; ``user_id`` is None for the command line. Dates and other
    values are stored as text, keys sorted, so the same filters always read the same."""
    db.session.add(
        ReportDownload(
            user_id=user_id,
            report=report,
            filters=json.dumps(
                {key: str(value) for key, value in filters.items() if value not in (None, "", ())}, sort_keys=True
            ),
            via=via,
        )
    )


REPORTS = {
    "themed-pdf": "Themed audit report (PDF)",
    "answers-csv": "Answers export (CSV)",
    "actions-csv": "Actions export (CSV)",
    "audits-csv": "Audits export (CSV)",
    "judgements-csv": "Section judgements export (CSV)",
    "plan-pdf": "Improvement plan report (PDF)",
    "evidence-pack-pdf": "Inspection evidence pack (PDF)",
    "evidence-pack-docx": "Inspection evidence pack (Word)",
}


@dataclass(frozen=True)
class DownloadRecord:
    download: ReportDownload
    by: str | None  # the person's name; None for the command line
    report: str  # the report in words
    filters: str  # the filters in words


def recent_downloads(limit: int) -> list[DownloadRecord]:
    """The latest downloads, newest first, with their reports and filters in words."""
    rows = db.session.execute(
        select(ReportDownload, User.name)
        .outerjoin(User, User.id == ReportDownload.user_id)
        .order_by(ReportDownload.at.desc(), ReportDownload.id.desc())
        .limit(limit)
    ).all()
    # Filters name teams and tools by id; two small lookups turn them into names.
    teams: dict[int, str] = dict(db.session.execute(select(Team.id, Team.name)).all())
    tools: dict[int, str] = dict(db.session.execute(select(AuditTool.id, AuditTool.name)).all())
    return [
        DownloadRecord(
            download,
            name,
            REPORTS.get(download.report, download.report),
            _filters_in_words(download.filters, teams, tools),
        )
        for download, name in rows
    ]


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
