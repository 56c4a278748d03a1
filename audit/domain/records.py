"""Finding one record by its id: what views use instead of the session, so that every database
access goes through the domain layer (an import-linter contract keeps views away from the session)."""

from __future__ import annotations

from typing import TypeVar

from audit.extensions import Base, db

Record = TypeVar("Record", bound=Base)


def by_id(model: type[Record], record_id: int | str | None) -> Record | None:
    """The record with this id, or None (also for an id that is not a whole number)."""
    try:
        return db.session.get(model, int(record_id)) if record_id not in (None, "") else None
    except (TypeError, ValueError):
        return None
