"""Recording who viewed, changed or exported a child-linked record.

The rows are queued on the session and written, in one statement, when the session commits (a
``before_commit`` hook), so they are part of the request's one commit and are dropped with
everything else when a request fails. Queuing also lets the commit write a page's view rows in a
transaction of their own on SQLite (audit.database): a page that has only read must not fail
because someone else saved while it was being made.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy import event, insert
from sqlalchemy.orm import Session, scoped_session

from audit.extensions import db
from audit.models import AccessLogEntry

Action = Literal["view", "create", "update", "export", "import"]

_QUEUE = "access_log_rows"


def record_access(user_id: int, action: Action, record_type: str, record_id: int, case_id: int | None) -> None:
    record_accesses(user_id, action, record_type, [(record_id, case_id)])


def record_accesses(user_id: int, action: Action, record_type: str, records: Iterable[tuple[int, int | None]]) -> None:
    """One row per (record id, case id), written with the request's commit in one statement: an
    import or export can touch thousands of records."""
    db.session.info.setdefault(_QUEUE, []).extend(
        {"user_id": user_id, "action": action, "record_type": record_type, "record_id": record_id, "case_id": case_id}
        for record_id, case_id in records
    )


def record_case_accesses(user_id: int, action: Action, case_ids: Iterable[int]) -> None:
    record_accesses(user_id, action, "case", ((case_id, case_id) for case_id in case_ids))


def take_queued(session: Session | scoped_session[Any]) -> list[dict[str, Any]]:
    """The rows queued and not yet written (and no longer queued)."""
    rows: list[dict[str, Any]] = session.info.pop(_QUEUE, [])
    return rows


def write(session: Session | scoped_session[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(AccessLogEntry), rows)


def write_queued_now() -> None:
    """Write what is queued at once, for a page that reads the access log it has just added to."""
    write(db.session, take_queued(db.session))


@event.listens_for(Session, "before_commit")
def _write_queued(session: Session) -> None:
    write(session, take_queued(session))


@event.listens_for(Session, "after_rollback")
def _drop_queued(session: Session) -> None:
    # A request that failed is rolled back: what it would have logged did not happen either.
    session.info.pop(_QUEUE, None)
