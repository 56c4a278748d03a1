"""A migrated database of a test module's own, for tests that need real commits and several
connections (locks, backups): the shared test database runs each test in one rolled-back
transaction, which such tests cannot use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import flask_migrate
from flask import Flask

from audit.domain.tools import load_definitions
from audit.extensions import db
from tests.conftest import make_test_app, postgresql_url_for_worker, reset_postgresql


def database_url(kind: str, folder: Path, name: str, worker_id: str) -> str:
    """An empty database: an SQLite file in ``folder``, or a PostgreSQL database named after the
    TEST_DATABASE_URL one and ``name`` (created when missing, emptied when present)."""
    if kind == "sqlite":
        return f"sqlite:///{folder / f'{name}.db'}"
    url = postgresql_url_for_worker(os.environ["TEST_DATABASE_URL"], f"{worker_id}_{name}")
    reset_postgresql(url)
    return url


def migrated_app(url: str, **config: Any) -> Flask:
    app = make_test_app(url, **config)
    with app.app_context():
        flask_migrate.upgrade()
        load_definitions()
        db.session.commit()
        db.session.remove()
    return app
