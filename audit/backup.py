"""Backing up and restoring the database (``flask backup`` and ``flask restore``).

Copying the SQLite file while the app runs loses whatever is still in its ``-wal`` file, and the
copy still passes an integrity check, so nobody notices until a restore. A backup here is made by
the database's own means instead:

- SQLite: the online backup API (``sqlite3.Connection.backup``), which reads through SQLite and
  so includes the write-ahead log. While it copies, a second connection holds the write lock, so
  saves wait (for at most the lock timeout) and the copy holds every save acknowledged before it
  finished. The copy is one self-contained file (rollback journal, not WAL).
- PostgreSQL: ``pg_dump --format=custom`` (found on PATH), a consistent snapshot taken as it
  starts; ``pg_restore`` puts it back.

A backup is written under a temporary name, checked, made readable by its owner only (it holds
children's records), then given its name, so a file with the given name is always a whole one.
A restore checks the backup first: it must pass SQLite's integrity check (or ``pg_restore``
must read it), and its Alembic revision must be this code's migration head. It refuses to
overwrite a database that holds records unless told to.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from audit.extensions import db

# Counted after a restore (and a backup), so a person can see at a glance that it holds what it should.
MAIN_TABLES = (
    "teams",
    "users",
    "cases",
    "audits",
    "answers",
    "supervision_records",
    "plan_priorities",
    "access_log",
)
# A database "holds records" when any of these has a row: a freshly migrated one has none (the
# migrations add only the service areas).
RECORD_TABLES = ("users", "cases", "audits", "supervision_records")
# How long the backup waits for the write lock (a save in progress), and pg_dump for table locks.
LOCK_WAIT_SECONDS = 60


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why, for the person."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    revision: str | None
    row_counts: dict[str, int]
    completed_at: float  # time.monotonic(), once the copy was complete


def migration_head() -> str:
    directory = current_app.extensions["migrate"].directory
    head = ScriptDirectory(directory).get_current_head()
    if head is None:
        raise BackupError("The code has no migrations.")
    return head


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("Only an SQLite database in a file can be backed up or restored.")
    return Path(database)


def _postgresql_command(program: str, url: URL) -> tuple[list[str], dict[str, str]]:
    """The program's path and a connection string, with the password in the environment rather
    than on the command line (where other users could read it)."""
    found = shutil.which(program)
    if found is None:
        raise BackupError(f"{program} was not found on PATH: install the PostgreSQL client programs.")
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    connection = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return [found, f"--dbname={connection}"], environment


def _run(command: list[str], environment: dict[str, str], what: str) -> str:
    # The program is pg_dump or pg_restore as found on PATH, and every argument is our own.
    finished = subprocess.run(  # noqa: S603
        command, env=environment, capture_output=True, text=True, errors="replace", check=False
    )
    if finished.returncode != 0:
        raise BackupError(f"{what} failed: {finished.stderr.strip() or finished.returncode}")
    return finished.stdout


# Reading a backup ----------------------------------------------------------------------------


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        yield connection


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {
        table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        for table in MAIN_TABLES
        if table in present
    }


def _check_sqlite_backup(path: Path) -> tuple[str | None, dict[str, int]]:
    try:
        with _read_only(path) as connection:
            result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                raise BackupError(f"{path} failed SQLite's integrity check: {'; '.join(result[:3])}")
            return _sqlite_revision(connection), _sqlite_counts(connection)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database ({error}).") from error


def _check_postgresql_backup(path: Path) -> str | None:
    """The archive's revision, once pg_restore has read its table of contents."""
    command, environment = _postgresql_command("pg_restore", db.engine.url)
    program = command[0]
    _run([program, "--list", str(path)], environment, f"Reading {path} with pg_restore")
    data = _run(
        [program, "--data-only", "--table=alembic_version", "--file=-", str(path)],
        environment,
        f"Reading the migration revision from {path}",
    )
    lines = data.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            revision = lines[number + 1].strip()
            return None if revision == "\\." else revision
    return None


# The database in use ---------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    present = set(inspect(db.engine).get_table_names())
    counts = {
        table: int(db.session.scalar(text(f'SELECT count(*) FROM "{table}"')) or 0)
        for table in MAIN_TABLES
        if table in present
    }
    db.session.rollback()
    return counts


def holds_records() -> bool:
    present = set(inspect(db.engine).get_table_names())
    found = any(
        db.session.scalar(text(f'SELECT 1 FROM "{table}" LIMIT 1')) is not None
        for table in RECORD_TABLES
        if table in present
    )
    db.session.rollback()
    return found


def current_revision() -> str | None:
    if "alembic_version" not in inspect(db.engine).get_table_names():
        return None
    revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.rollback()
    return None if revision is None else str(revision)


# Backing up ------------------------------------------------------------------------------------


def back_up(path: Path) -> BackupSummary:
    """Write a backup of the app's database to ``path``, which must not exist yet."""
    if path.exists():
        raise BackupError(f"{path} already exists: give a new file name, so no earlier backup is overwritten.")
    if not path.parent.is_dir():
        raise BackupError(f"There is no folder {path.parent}.")
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite():
            completed_at = _copy_sqlite(_sqlite_path(), partial)
            partial.chmod(0o600)
            revision, counts = _check_sqlite_backup(partial)
        else:
            completed_at = _pg_dump(partial)
            partial.chmod(0o600)
            # A custom-format archive cannot be counted without restoring it: restore prints counts.
            revision, counts = _check_postgresql_backup(partial), {}
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(path=path, revision=revision, row_counts=counts, completed_at=completed_at)


def _copy_sqlite(source_path: Path, target_path: Path) -> float:
    if not source_path.exists():
        raise BackupError(f"There is no database at {source_path}.")
    with (
        closing(sqlite3.connect(source_path, timeout=LOCK_WAIT_SECONDS, isolation_level=None)) as writers_wait,
        closing(sqlite3.connect(source_path, isolation_level=None)) as source,
        closing(sqlite3.connect(target_path, isolation_level=None)) as target,
    ):
        # Holding the write lock from a second connection: saves queue behind it, while the
        # backup (which cannot copy from a connection that is writing) reads the latest data.
        writers_wait.execute("BEGIN IMMEDIATE")
        try:
            source.backup(target)
            completed_at = time.monotonic()
        finally:
            writers_wait.execute("ROLLBACK")
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    return completed_at


def _pg_dump(target_path: Path) -> float:
    command, environment = _postgresql_command("pg_dump", db.engine.url)
    _run(
        [*command, "--format=custom", f"--lock-wait-timeout={LOCK_WAIT_SECONDS * 1000}", f"--file={target_path}"],
        environment,
        "pg_dump",
    )
    return time.monotonic()


# Restoring -------------------------------------------------------------------------------------


def restore(path: Path, force: bool = False) -> BackupSummary:
    """Replace the app's database with the backup at ``path``, after checking it."""
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    head = migration_head()
    revision = _check_sqlite_backup(path)[0] if _is_sqlite() else _check_postgresql_backup(path)
    if revision != head:
        raise BackupError(
            f"The backup is at migration {revision or '(none)'}, but this code's migrations end at {head}. "
            "Restore it with the version of the code it was taken with, then upgrade (flask db upgrade)."
        )
    if holds_records() and not force:
        raise BackupError(
            "The database already holds records, and restoring would replace them all. "
            "Back it up first (flask backup), then run restore again with --force."
        )
    db.session.remove()
    db.engine.dispose()  # no connection of ours keeps a lock, or the old tables' plans
    if _is_sqlite():
        _restore_sqlite(path, _sqlite_path())
    else:
        _pg_restore(path)
    db.engine.dispose()
    restored = current_revision()
    if restored != head:
        raise BackupError(f"After the restore the database is at migration {restored}, not {head}.")
    return BackupSummary(path=path, revision=restored, row_counts=row_counts(), completed_at=time.monotonic())


def _restore_sqlite(path: Path, target_path: Path) -> None:
    with (
        _read_only(path) as source,
        closing(sqlite3.connect(target_path, timeout=LOCK_WAIT_SECONDS, isolation_level=None)) as target,
    ):
        source.backup(target)
        result = [row[0] for row in target.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"The restored database failed SQLite's integrity check: {'; '.join(result[:3])}")


def _pg_restore(path: Path) -> None:
    command, environment = _postgresql_command("pg_restore", db.engine.url)
    # --clean --if-exists: the tables a migrated but empty database already has are replaced;
    # one transaction: a restore that fails part way changes nothing.
    _run(
        [*command, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", str(path)],
        environment,
        "pg_restore",
    )
