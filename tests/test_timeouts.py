"""A lock held elsewhere, a read-only or full database, or a dropped connection is answered with
a styled 503 that keeps what was typed, within the lock timeout, and the app recovers by itself."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event, select

import audit.database
from audit.access import public
from audit.database import Trouble, trouble
from audit.extensions import db
from audit.models import Role, Team
from tests import factories
from tests.conftest import DATABASES, Client, make_test_app
from tests.fresh_database import database_url, migrated_app
from tests.pages import assert_well_formed_page, page_text, parse

LOCK_TIMEOUT = 0.5  # seconds; the service's own is 5
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module", params=DATABASES)
def busy_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[Flask]:
    url = database_url(request.param, tmp_path_factory.mktemp("timeouts"), "timeouts", worker_id)
    # PROPAGATE_EXCEPTIONS off, as in production: a failed commit (after the view) is then
    # answered by the error handlers instead of being raised into the test.
    app = migrated_app(
        url, DATABASE_LOCK_TIMEOUT=LOCK_TIMEOUT, DATABASE_STATEMENT_TIMEOUT=5, PROPAGATE_EXCEPTIONS=False
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def _client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def admin(busy_app: Flask) -> tuple[Client, Team, Any]:
    make = factories.Factory(busy_app)
    client = _client(busy_app)
    user = make.user(Role.ADMIN)
    client.sign_in_as(user)
    return client, make.team(), user


def _is_sqlite(app: Flask) -> bool:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")


@contextmanager
def lock_held_elsewhere(app: Flask, table: str, row_id: int) -> Iterator[None]:
    """Another program holds the write lock (SQLite) or the row's lock (PostgreSQL)."""
    url = sa.make_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(str(url.database), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.rollback()
            other.close()
        return
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        connection.execute(sa.text(f"SELECT 1 FROM {table} WHERE id = :id FOR UPDATE"), {"id": row_id})
        try:
            yield
        finally:
            connection.rollback()
    engine.dispose()


def _team_name(app: Flask, team_id: int) -> str:
    with app.app_context():
        name = db.session.scalar(select(Team.name).where(Team.id == team_id))
        db.session.remove()
        return str(name)


def _rename(client: Client, team: Team, name: str) -> Any:
    return client.post(f"/admin/teams/{team.id}", data={"name": name, "service_area": str(team.service_area_id)})


def _try_again(client: Client, response: Any) -> Any:
    """Select "Try again" on the busy page: post its form as the browser would."""
    forms = [found for found in parse(response).find_all("form") if found.find("button", string="Try again")]
    assert len(forms) == 1, "the busy page has one 'Try again' form"
    form = forms[0]
    fields = [(field["name"], field.get("value", "")) for field in form.find_all("input")]
    return client.post(form["action"], data=dict(fields), csrf=False)


def test_a_save_meets_a_held_lock_with_503_within_the_timeout_and_nothing_typed_is_lost(busy_app, admin):
    client, team, _user = admin
    with lock_held_elsewhere(busy_app, "teams", team.id):
        started = time.monotonic()
        response = _rename(client, team, "Typed while it was locked")
        waited = time.monotonic() - started

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert waited < LOCK_TIMEOUT + 2, f"answered after {waited:.1f} s"
    assert_well_formed_page(response, busy_app.config["SERVICE_NAME"])  # one h1, the title, CSRF token...
    text = page_text(response)
    assert "The service is busy" in text
    assert "nothing you typed has been lost" in text
    # What was typed is in the page, ready to send again.
    kept = parse(response).find("input", attrs={"name": "name"})
    assert kept is not None and kept["value"] == "Typed while it was locked"
    assert _team_name(busy_app, team.id) == team.name

    # Once the lock is released, "Try again" saves it, with no restart.
    again = _try_again(client, response)
    assert again.status_code == 302, page_text(again)[:300]
    assert _team_name(busy_app, team.id) == "Typed while it was locked"


def test_autosave_under_a_held_lock_gets_json_503_its_script_retries(busy_app):
    make = factories.Factory(busy_app)
    team = make.team()
    case = make.case(team)
    auditor = make.user(Role.AUDITOR, team=make.team())
    audit = make.audit(case, auditor)
    client = _client(busy_app)
    client.sign_in_as(auditor)
    post = {"version": "1", "strengths": "Typed in the audit"}

    with lock_held_elsewhere(busy_app, "audits", audit.id):
        busy = client.post(f"/audits/{audit.id}/autosave", data=post, headers=JSON)
    assert busy.status_code == 503
    assert busy.mimetype == "application/json"
    assert busy.get_json()["error"] == "busy"  # static/js/autosave.mjs: "Not saved just now", then retries

    saved = client.post(f"/audits/{audit.id}/autosave", data=post, headers=JSON)
    assert saved.status_code == 200, saved.get_data(as_text=True)[:300]


def test_sign_in_while_locked_is_a_503_that_keeps_the_email_but_not_the_password(busy_app):
    make = factories.Factory(busy_app)
    user = make.user(Role.PRACTITIONER)
    client = _client(busy_app)
    with lock_held_elsewhere(busy_app, "users", user.id):
        response = client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 503
    page = parse(response)
    assert page.find("input", attrs={"name": "email", "value": user.email}) is not None
    assert factories.PASSWORD not in response.get_data(as_text=True)


@contextmanager
def sqlite_file_read_only(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if the database file were made read-only (chmod a-w; tests run as root, whom chmod does
    not stop, so both halves are played): the file is not writable, and every connection opened
    meanwhile cannot write and keeps that limit after the file is writable again, as SQLite keeps
    a file it opened read-only."""
    path = sa.make_url(str(app.config["SQLALCHEMY_DATABASE_URI"])).database
    real_access = os.access
    monkeypatch.setattr(
        audit.database.os, "access", lambda name, mode: False if name == path else real_access(name, mode)
    )
    with app.app_context():
        engine = db.engine

        def read_only(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA query_only=1")  # "attempt to write a readonly database"

        event.listen(engine, "connect", read_only)
        engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", read_only)
        monkeypatch.undo()


def test_a_read_only_sqlite_database_is_a_503_and_the_app_recovers_without_a_restart(busy_app, admin, monkeypatch):
    if not _is_sqlite(busy_app):
        pytest.skip("SQLite file states")
    client, team, _user = admin
    with sqlite_file_read_only(busy_app, monkeypatch):
        response = _rename(client, team, "Typed while read-only")
        reading = client.get("/admin/teams")  # reading still works
    assert response.status_code == 503, page_text(response)[:300]
    assert "The service cannot save changes" in page_text(response)
    assert parse(response).find("input", attrs={"name": "name", "value": "Typed while read-only"}) is not None
    assert reading.status_code == 200

    again = _rename(client, team, "Renamed once it could write")
    assert again.status_code == 302
    assert _team_name(busy_app, team.id) == "Renamed once it could write"


def test_a_read_only_postgresql_database_is_a_503_and_the_app_recovers(busy_app, admin):
    if _is_sqlite(busy_app):
        pytest.skip("PostgreSQL")
    client, team, _user = admin
    url = sa.make_url(str(busy_app.config["SQLALCHEMY_DATABASE_URI"]))
    owner = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(sa.text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on'))
    try:
        with busy_app.app_context():
            db.engine.dispose()  # connections opened from now on are read-only
        response = _rename(client, team, "Typed while read-only")
    finally:
        with owner.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{url.database}" RESET default_transaction_read_only'))
        owner.dispose()
    assert response.status_code == 503
    assert "The service cannot save changes" in page_text(response)

    again = _rename(client, team, "Renamed once writable")
    assert again.status_code == 302
    assert _team_name(busy_app, team.id) == "Renamed once writable"


def _backend_pids(app: Flask, where: str) -> list[int]:
    url = sa.make_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        pids = connection.scalars(
            sa.text(
                "SELECT pid FROM pg_stat_activity"
                f" WHERE datname = current_database() AND pid <> pg_backend_pid() AND {where}"
            )
        ).all()
    engine.dispose()
    return list(pids)


def _terminate(app: Flask, pid: int) -> None:
    engine = sa.create_engine(sa.make_url(str(app.config["SQLALCHEMY_DATABASE_URI"])))
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    engine.dispose()


def test_a_killed_postgresql_connection_is_replaced_on_the_next_request(busy_app, admin):
    if _is_sqlite(busy_app):
        pytest.skip("PostgreSQL")
    client, team, _user = admin
    assert client.get("/admin/teams").status_code == 200
    with busy_app.app_context():
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.remove()  # back to the pool, as after a request
    _terminate(busy_app, pid)

    assert client.get("/admin/teams").status_code == 200
    assert _rename(client, team, "Renamed after a restart").status_code == 302


def test_a_postgresql_connection_killed_mid_request_gets_the_503_page_not_a_bare_500(busy_app, admin):
    if _is_sqlite(busy_app):
        pytest.skip("PostgreSQL")
    _admin_client, team, user = admin
    # The same database with a long lock timeout, so the save is still waiting when it is killed.
    patient = make_test_app(
        str(busy_app.config["SQLALCHEMY_DATABASE_URI"]), DATABASE_LOCK_TIMEOUT=20, PROPAGATE_EXCEPTIONS=False
    )
    patient_client = _client(patient)
    patient_client.sign_in_as(user)
    answers: list[Any] = []
    with lock_held_elsewhere(busy_app, "teams", team.id):
        saving = threading.Thread(target=lambda: answers.append(_rename(patient_client, team, "Typed, then killed")))
        saving.start()
        for _ in range(100):
            waiting = _backend_pids(busy_app, "wait_event_type = 'Lock'")
            if waiting:
                break
            time.sleep(0.05)
        assert len(waiting) == 1
        _terminate(busy_app, waiting[0])
        saving.join(timeout=10)
    response = answers[0]
    assert response.status_code == 503
    assert parse(response).find("input", attrs={"name": "name", "value": "Typed, then killed"}) is not None

    again = _rename(patient_client, team, "Saved after the connection was replaced")
    assert again.status_code == 302
    with patient.app_context():
        db.engine.dispose()


def test_a_full_sqlite_database_is_trouble_but_a_missing_table_is_a_fault():
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA max_page_count=2")
        connection.exec_driver_sql("CREATE TABLE filler (words TEXT)")
        with pytest.raises(sa.exc.OperationalError) as full:
            connection.exec_driver_sql("INSERT INTO filler VALUES (?)", ("x" * 20_000,))
        with pytest.raises(sa.exc.OperationalError) as missing:
            connection.exec_driver_sql("SELECT * FROM no_such_table")
    assert trouble(full.value) is Trouble.UNAVAILABLE
    assert trouble(missing.value) is None  # a 500 with a reference, as for any fault


def test_every_connection_carries_the_configured_timeouts(busy_app):
    with busy_app.app_context(), db.engine.connect() as connection:
        if _is_sqlite(busy_app):
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == LOCK_TIMEOUT * 1000
        else:
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "500ms"
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "5s"
            connection.rollback()  # the settings outlive a rolled-back transaction
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "500ms"


def test_a_statement_over_the_postgresql_statement_timeout_is_a_503(busy_app, admin):
    if _is_sqlite(busy_app):
        pytest.skip("PostgreSQL")
    slow = make_test_app(
        str(busy_app.config["SQLALCHEMY_DATABASE_URI"]), DATABASE_STATEMENT_TIMEOUT=0.2, PROPAGATE_EXCEPTIONS=False
    )

    @slow.route("/slow")
    @public
    def _slow() -> str:
        db.session.execute(sa.text("SELECT pg_sleep(2)"))
        return "finished"

    started = time.monotonic()
    response = slow.test_client().get("/slow")
    assert response.status_code == 503
    assert time.monotonic() - started < 1.5
    with slow.app_context():
        db.engine.dispose()
