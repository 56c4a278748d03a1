"""Recording who viewed, changed or exported a child-linked record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sqlalchemy import insert

from audit.extensions import db
from audit.models import AccessLogEntry

Action = Literal["view", "create", "update", "export", "import"]


def record_access(user_id: int, action: Action, record_type: str, record_id: int, case_id: int | None) -> None:
    db.session.add(
        AccessLogEntry(user_id=user_id, action=action, record_type=record_type, record_id=record_id, case_id=case_id)
    )


def record_accesses(user_id: int, action: Action, record_type: str, records: Iterable[tuple[int, int | None]]) -> None:
    """One row per (record id, case id), inserted in one statement: an import or export can touch
    thousands of records."""
    rows = [
        {"user_id": user_id, "action": action, "record_type": record_type, "record_id": record_id, "case_id": case_id}
        for record_id, case_id in records
    ]
    if rows:
        db.session.execute(insert(AccessLogEntry), rows)


def record_case_accesses(user_id: int, action: Action, case_ids: Iterable[int]) -> None:
    record_accesses(user_id, action, "case", ((case_id, case_id) for case_id in case_ids))
