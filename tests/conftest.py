"""Test set-up: every test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

The schema is built once per database by the real Alembic migrations. Each test then runs inside
one transaction that is rolled back at its end: the app's own commits only release a savepoint.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from itsdangerous import URLSafeTimedSerializer
from werkzeug.test import TestResponse

from audit import create_app
from audit.domain.tools import load_definitions
from audit.extensions import db
from tests import factories

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def reset_postgresql(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def make_test_app(database_url: str, **config: Any) -> Flask:
    os.environ.setdefault("APP_ENV", "testing")
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, **config})


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    url = os.environ["TEST_DATABASE_URL"]
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
    """A test client that fills in a valid CSRF token and signs in without the password form."""

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


def page_text(response: TestResponse) -> str:
    """The visible text of a page, with tags removed and white space folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
