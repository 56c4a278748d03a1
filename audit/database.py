"""Engine behaviour that must hold on every connection, and the one commit of each request.

SQLite is the embedded default and is made safe for several app workers: write-ahead logging
so readers never block the writer, a busy timeout, foreign keys enforced, and write transactions
started with ``BEGIN IMMEDIATE`` so that two read-then-write transactions queue for the write
lock instead of failing with "database is locked" half way through (see docs/decisions.md).

No request waits long for the database. A lock held by someone else is waited for at most
``DATABASE_LOCK_TIMEOUT`` seconds (SQLite's busy timeout; PostgreSQL's ``lock_timeout``), and a
PostgreSQL statement runs for at most ``DATABASE_STATEMENT_TIMEOUT``: both well under gunicorn's
worker timeout, so a long lock is answered "busy, try again" (``audit/busy.py``) instead of
having the workers killed. A failed transaction is rolled back, and a connection that can no
longer be trusted (dropped by the server, or an SQLite file that was read-only when it was
opened) is thrown away, so the app recovers by itself once the database does.
"""

from __future__ import annotations

import contextvars
import enum
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session

from audit.domain import access_log
from audit.extensions import db

log = logging.getLogger(__name__)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READ_ONLY_FOR_THE_REST = "database_read_only_for_the_rest"
_REPLACE_CONNECTIONS = "database_replace_connections"
_WROTE = "request_wrote"  # the transaction has written: a flush, or an INSERT, UPDATE or DELETE of its own

# SQLite's primary result codes (https://sqlite.org/rescode.html).
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN = 8, 10, 13, 14
# A connection that met these cannot be trusted to write again: SQLite opens a file read-only,
# for good, if it was read-only at the time, so the connection must be replaced.
_SQLITE_REPLACE_CONNECTION = {SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN}
# PostgreSQL: lock_timeout, statement_timeout (or a cancel), serialization failure, deadlock.
_POSTGRESQL_BUSY = {"55P03", "57014", "40001", "40P01"}
# A standby, or default_transaction_read_only: fixed at connect, so the connection is replaced.
_POSTGRESQL_READ_ONLY = "25006"


class Trouble(enum.Enum):
    """Why the database could not serve a request that is itself fine."""

    BUSY = "busy"  # a lock held elsewhere, or a statement too slow: try again in a moment
    UNAVAILABLE = "unavailable"  # read-only, full, or the connection was lost


_reading_only: contextvars.ContextVar[bool] = contextvars.ContextVar("reading_only", default=False)


@contextmanager
def reading_only() -> Iterator[None]:
    """Work outside a request that only reads (a report built by the worker): its transaction does
    not take SQLite's write lock, so the progress it reports, and everyone else, can still write."""
    token = _reading_only.set(True)
    try:
        yield
    finally:
        _reading_only.reset(token)


def wants_write_lock() -> bool:
    """A transaction takes the write lock up front unless it serves a read-only request, or the
    request has already failed for want of the database (its error page only reads)."""
    if has_request_context():
        return request.method not in READ_ONLY_METHODS and not g.get(_READ_ONLY_FOR_THE_REST, False)
    return not _reading_only.get()


def _milliseconds(seconds: float) -> int:
    return round(seconds * 1000)


def _sqlite_code(error: BaseException | None) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def configure_engine(engine: Engine, lock_timeout: float, statement_timeout: float) -> None:
    """Settings every connection gets when it is opened. Timeouts are in seconds; 0 means none."""
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine, lock_timeout, statement_timeout)
    elif engine.dialect.name == "sqlite":
        _configure_sqlite(engine, lock_timeout)


def _configure_postgresql(engine: Engine, lock_timeout: float, statement_timeout: float) -> None:
    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        if getattr(context.original_exception, "sqlstate", None) == _POSTGRESQL_READ_ONLY:
            context.is_disconnect = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Session settings, outside any transaction so that no rollback can undo them.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {_milliseconds(lock_timeout)}")
            cursor.execute(f"SET statement_timeout = {_milliseconds(statement_timeout)}")
        dbapi_connection.autocommit = autocommit


def _file_writable(path: str | None) -> bool:
    if not path or path == ":memory:" or not os.path.exists(path):
        return True  # nothing to check, or created by the first connection
    return os.access(path, os.W_OK)


def _configure_sqlite(engine: Engine, lock_timeout: float) -> None:
    path = engine.url.database

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # SQLite opens a file it may not write read-only, and it stays so for the connection's life.
        record.info["opened_writable"] = _file_writable(path)
        # Take over transaction control from the sqlite3 module so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={_milliseconds(lock_timeout)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Large sorts (the report figures' GROUP BYs) may use a second thread (bench/reports.py).
        cursor.execute("PRAGMA threads=2")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def _on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # Opened while the file was read-only, and it can be written now: open a new one.
        if not record.info.get("opened_writable", True) and _file_writable(path):
            raise exc.DisconnectionError("opened while the database file was read-only")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        # Treated as a lost connection: SQLAlchemy discards it and every connection pooled
        # before it, so connections opened while the file was read-only do not outlive that.
        if _sqlite_code(context.original_exception) in _SQLITE_REPLACE_CONNECTION:
            context.is_disconnect = True


def trouble(error: BaseException | None) -> Trouble | None:
    """Whether an error means the database could not serve the request just now (rather than a
    fault in the code), and which kind; None for any other error."""
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return Trouble.BUSY
    if not isinstance(error, exc.DBAPIError):
        return None
    original = error.orig
    code = _sqlite_code(original)
    if code is not None:
        if code in {SQLITE_BUSY, SQLITE_LOCKED}:
            return Trouble.BUSY
        return Trouble.UNAVAILABLE if code in _SQLITE_REPLACE_CONNECTION | {SQLITE_FULL} else None
    if isinstance(original, sqlite3.Error):
        return None  # another SQLite error ("no such table"...) is a fault, not the database's state
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate in _POSTGRESQL_BUSY:
        return Trouble.BUSY
    if error.connection_invalidated or isinstance(error, exc.OperationalError) or sqlstate == _POSTGRESQL_READ_ONLY:
        return Trouble.UNAVAILABLE  # lost connection, server shutting down, disk full, read-only...
    return None


def discard_failed_transaction(replace_connections: bool = False) -> None:
    """Undo a request's changes after a failure. If even the rollback fails (the connection is
    gone), the session is closed and its connection discarded, so the next request, and this
    request's error page, start on a fresh one. Whatever the request does next only reads.

    ``replace_connections``: every pooled connection is closed once the request is over, so none
    opened while the database could not be written (which SQLite and PostgreSQL fix at connect)
    serves a request after it can be again."""
    if has_request_context():
        g.setdefault(_READ_ONLY_FOR_THE_REST, True)
        if replace_connections:
            g.setdefault(_REPLACE_CONNECTIONS, True)
    try:
        db.session.rollback()
    except exc.SQLAlchemyError:
        log.warning("Rollback failed; discarding the connection", exc_info=True)
        db.session.close()


def database_answers() -> bool:
    """True when the database answers a query now (for the health check)."""
    query = "SELECT 1 FROM sqlite_master LIMIT 1" if db.engine.dialect.name == "sqlite" else "SELECT 1"
    try:
        db.session.execute(text(query))
        db.session.rollback()
    except exc.SQLAlchemyError as error:
        log.warning("Health check: the database did not answer (%s)", type(error).__name__)
        discard_failed_transaction()
        return False
    return True


def commit_after_request(response: Response) -> Response:
    """One commit per request, after the view has returned: a view never commits, and a page is
    rendered before its changes are committed (so committing cannot expire what it reads). A view
    that raised was answered by an error handler, which rolled the request's changes back first,
    so what is committed here is only ever a view's finished work. A failed commit raises, and
    the error handler answers with the service's error page (the "busy" page when the database
    was locked, read-only or unreachable)."""
    session = db.session
    if _only_logged_a_view():
        # A page that only read, then logged the view: on SQLite its read transaction cannot become
        # a write one once anyone else has committed since it began (SQLITE_BUSY_SNAPSHOT, which
        # no busy timeout waits out). The log rows depend on nothing it read, so the read ends
        # and they are written in a transaction of their own, which waits its turn for the lock.
        rows = access_log.take_queued(session)
        session.rollback()
        access_log.write(session, rows)
    session.commit()
    return response


def _only_logged_a_view() -> bool:
    session = db.session
    return (
        has_request_context()
        and not wants_write_lock()
        and db.engine.dialect.name == "sqlite"
        and bool(session.info.get("access_log_rows"))
        and not (session.new or session.dirty or session.deleted)
        and not session.info.get(_WROTE, False)
    )


@event.listens_for(Session, "do_orm_execute")
def _note_writes(state: ORMExecuteState) -> None:
    """Statements a view ran itself (an INSERT ... SELECT, an UPDATE): the request wrote."""
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_flushed_writes(session: Session, _context: Any) -> None:
    """Rows the ORM has already written in this transaction (a draft saved by a GET that restored
    a kept form, say): the request wrote, so its commit must keep them."""
    if session.new or session.dirty or session.deleted:
        session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_writes(session: Session) -> None:
    session.info.pop(_WROTE, None)


def replace_connections_after_trouble(_error: BaseException | None) -> None:
    if g.get(_REPLACE_CONNECTIONS, False):
        db.engine.dispose()


def init_app(app: Flask) -> None:
    app.after_request(commit_after_request)
    # Registered before Flask-SQLAlchemy's, so it runs after the session has been removed and
    # its connection returned to the pool.
    app.teardown_appcontext(replace_connections_after_trouble)
