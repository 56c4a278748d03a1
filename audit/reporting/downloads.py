"""Recording who downloaded which report or export, when, and with what filters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Literal

from audit.extensions import db
from audit.models import ReportDownload

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
