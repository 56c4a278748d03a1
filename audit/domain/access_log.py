"""Recording who viewed, changed or exported a child-linked record."""

from __future__ import annotations

from typing import Literal

from audit.extensions import db
from audit.models import AccessLogEntry

Action = Literal["view", "create", "update", "export", "import"]


def record_access(user_id: int, action: Action, record_type: str, record_id: int, case_id: int | None) -> None:
    db.session.add(
        AccessLogEntry(user_id=user_id, action=action, record_type=record_type, record_id=record_id, case_id=case_id)
    )
