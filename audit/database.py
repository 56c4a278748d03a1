"""Engine behaviour that must hold on every connection, and the one commit of each request.

SQLite is the embedded default and is made safe for several app workers: write-ahead logging
so readers never block the writer, a busy timeout, foreign keys enforced, and write transactions
started with ``BEGIN IMMEDIATE`` so that two read-then-write transactions queue for the write
lock instead of failing with "database is locked" half way through (see docs/decisions.md).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from audit.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def wants_write_lock() -> bool:
    """A transaction takes the write lock up front unless it serves a read-only request."""
    if has_request_context():
        return request.method not in READ_ONLY_METHODS
    return True


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Large sorts (the report figures' GROUP BYs) may use a second thread (bench/reports.py).
        cursor.execute("PRAGMA threads=2")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")


def commit_after_request(response: Response) -> Response:
    """One commit per request, after the view has returned: a view never commits, and a page is
    rendered before its changes are committed (so committing cannot expire what it reads). A view
    that raised was answered by an error handler, which rolled the request's changes back first,
    so what is committed here is only ever a view's finished work. A failed commit raises, and
    the error handler answers with the service's error page."""
    db.session.commit()
    return response


def init_app(app: Flask) -> None:
    app.after_request(commit_after_request)
