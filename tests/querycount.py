"""Count the SQL statements a block of code sends, to prove a page's queries do not grow with data.

    with count_queries(app) as counted:
        client.get("/cases/")
    assert counted.count == 7

Tests bind the session to one connection taken from ``db.engine`` (see conftest), so listening on
the engine sees every statement, including the app's own commits and savepoints.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import event

from audit.extensions import db

# Transaction control is not a query the page chose to make.
_NOT_QUERIES = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")


@dataclass
class QueryCount:
    statements: list[str] = field(default_factory=list)
    # Each statement whole, with its parameters: enough to ask the database for its plan.
    sent: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return f"{self.count} queries:\n" + "\n".join(f"  {statement}" for statement in self.statements)


@contextmanager
def count_queries(app: Flask) -> Iterator[QueryCount]:
    """Count the statements sent through the app's engine inside the block."""
    counted = QueryCount()

    def before_cursor_execute(
        _connection: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
    ) -> None:
        if not statement.lstrip().upper().startswith(_NOT_QUERIES):
            counted.statements.append(" ".join(statement.split())[:300])
            counted.sent.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def queries_for(app: Flask, client: Any, path: str) -> QueryCount:
    """The statements one GET of a page sends; the page must answer 200."""
    with count_queries(app) as counted:
        response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return counted
