"""Changes that stand or fall together inside the request's one transaction.

The request commits once, after its view (``audit.database``). A step that may turn out to be
refused after it has started changing records (an amendment that would leave a record incomplete)
runs in a savepoint, so that refusing it undoes its own changes and nothing else the request did.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from audit.extensions import db


class Refused(Exception):
    """Raised inside ``all_or_nothing`` to undo the block's changes; carries the problems found."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _field, message in problems))
        self.problems = problems


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Undo the block's changes if it raises (the exception goes on to the caller)."""
    savepoint = db.session.begin_nested()
    try:
        yield
    except BaseException:
        if savepoint.is_active:  # a stale-data handler may already have rolled everything back
            savepoint.rollback()
        raise
    savepoint.commit()
