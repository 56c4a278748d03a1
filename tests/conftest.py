"""Test set-up: every test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

The schema is built once per database by the real Alembic migrations. Each test then runs inside
one transaction that is rolled back at its end: the app's own commits only release a savepoint.
The suite runs in parallel (pytest-xdist): each worker has its own SQLite file and its own
PostgreSQL database (``test`` -> ``test_gw0``, ``test_gw1``...). Passwords are hashed at
argon2id's lowest cost, which only a testing app may ask for.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from itsdangerous import URLSafeTimedSerializer
from werkzeug.test import TestResponse

from audit import create_app
from audit.domain.tools import load_definitions
from audit.extensions import db
from tests import factories
from tests.pages import assert_well_formed_page, page_text

__all__ = ["page_text"]  # tests import it from here

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``--dist loadgroup`` (pyproject.toml), the browser tests go to one worker together,
    which seeds one database per kind and starts one Chromium and one live server for them all;
    every other test goes wherever a worker is free.

    pytest-xdist's own ``xdist_group`` mark cannot do this under pytest 9 (it renames node ids
    through an attribute pytest 9 no longer reads), so the grouping is by path here.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/browser" if nodeid.startswith("tests/browser/") else nodeid

    return BrowserTestsTogether(config, log)


def reset_postgresql(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def make_test_app(database_url: str, **config: Any) -> Flask:
    os.environ.setdefault("APP_ENV", "testing")
    # PASSWORD_HASH_COST="test": argon2id at its lowest cost, which only a testing app may use.
    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_COST": "test"}
    return create_app({**settings, **config})


def postgresql_url_for_worker(url: str, worker_id: str) -> str:
    """Under pytest-xdist each worker gets a database of its own on the same server (named after
    the given one: test -> test_gw0), created when missing; run serially, the given database."""
    if worker_id == "master":
        return url
    parsed = sa.make_url(url)
    name = f"{parsed.database}_{worker_id}"
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgresql_url(worker_id: str) -> str:
    """This worker's PostgreSQL database (see postgresql_url_for_worker), not yet reset."""
    return postgresql_url_for_worker(os.environ["TEST_DATABASE_URL"], worker_id)


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    url: str = request.getfixturevalue("postgresql_url")
    reset_postgresql(url)
    return url


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = make_test_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        load_definitions()  # the shipped audit tools, as set-up loads them
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


class _ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy picks the engine itself; in a test, use the test's connection."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


@pytest.fixture(autouse=True)
def _isolated_database(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames or request.node.get_closest_marker("real_commits"):
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
    original = db.session
    db.session = db._make_scoped_session(
        {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _ConnectionBoundSession}
    )
    try:
        yield
    finally:
        # Each app context's session was removed when that context ended.
        db.session = original
        transaction.rollback()
        connection.close()


class Client(FlaskClient):
    """A test client that fills in a valid CSRF token and signs in without the password form.

    ``get_page`` and ``post_page`` check the status, check the rules every page meets
    (tests/pages.py: one h1 that starts the title, unique ids, CSRF tokens...) and return the
    parsed page.
    """

    def get_page(self, url: str, expected_status: int = 200, **kwargs: Any) -> BeautifulSoup:
        return self._page(self.get(url, **kwargs), expected_status)

    def post_page(self, url: str, expected_status: int = 200, **kwargs: Any) -> BeautifulSoup:
        return self._page(self.post(url, **kwargs), expected_status)

    def _page(self, response: TestResponse, expected_status: int) -> BeautifulSoup:
        assert response.status_code == expected_status, (response.status_code, response.get_data(as_text=True)[:500])
        assert response.mimetype == "text/html", response.mimetype
        return assert_well_formed_page(response, self.application.config["SERVICE_NAME"])

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            session.setdefault("csrf_token", os.urandom(20).hex())
            raw = session["csrf_token"]
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post(self, *args: Any, csrf: bool = True, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        data = kwargs.setdefault("data", {})
        if csrf and isinstance(data, dict) and "csrf_token" not in data:
            data["csrf_token"] = self.csrf_token()
        return super().post(*args, **kwargs)

    def sign_in_as(self, user: Any) -> None:
        """Put a signed-in session in the cookie, as the sign-in page would."""
        from flask_login.utils import _create_identifier

        from audit.clock import utcnow

        with self.application.test_request_context(environ_base=self.environ_base):
            identifier = _create_identifier()
        with self.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["_id"] = identifier
            session["last_active"] = utcnow().timestamp()


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make(app: Flask) -> factories.Factory:
    """Create records for a test: make.team(), make.user(...), make.case(...)."""
    return factories.Factory(app)
