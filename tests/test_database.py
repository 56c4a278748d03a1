"""The schema comes from migrations that match the models, and SQLite copes with several workers."""

from __future__ import annotations

import multiprocessing
import os
from datetime import date

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, literal_column, select, text

from audit.domain import summaries
from audit.domain.summaries import PAIR_ROW_COLUMNS
from audit.extensions import db
from audit.models import ServiceArea, SignInFailure
from tests.conftest import make_test_app

WRITERS = 6
WRITES_EACH = 40


@pytest.mark.real_commits
def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "run `flask --app wsgi db migrate` to add a migration for model changes"


def test_migrations_downgrade_and_upgrade_cleanly(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'cycle.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        flask_migrate.upgrade()
        assert db.session.scalar(select(func.count()).select_from(ServiceArea)) == 7
        db.session.remove()
        db.engine.dispose()


def test_migrations_run_on_a_sqlite_database_that_holds_records(tmp_path):
    """Copying a table others refer to (Alembic's batch mode) must work with rows in place: an
    empty database hides the foreign-key failure a council's real file would meet."""
    from audit.demo import council
    from audit.demo.audits import seed_audits
    from audit.domain.tools import load_definitions
    from audit.models import Answer

    app = make_test_app(f"sqlite:///{tmp_path / 'held.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        council.seed(cases=20)
        load_definitions()
        seed_audits(10)
        db.session.commit()
        answers = db.session.scalar(select(func.count()).select_from(Answer))
        assert answers
        db.session.remove()
        flask_migrate.downgrade(revision="bf17ee615c88")  # before this session's migrations
        flask_migrate.upgrade()
        assert db.session.scalar(select(func.count()).select_from(Answer)) == answers
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        db.session.remove()
        db.engine.dispose()


@pytest.mark.real_commits
def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite settings")
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def _writer(database_url: str, errors: multiprocessing.Queue) -> None:
    """One app worker doing read-then-write transactions, as a POST handler would."""
    # Queueing for the write lock is what is tested, not the busy timeout: on a CI machine whose two
    # cores also run the rest of the suite, a turn can take longer than production's 5 s.
    app = make_test_app(database_url, DATABASE_LOCK_TIMEOUT=15.0)
    failures = 0
    for _ in range(WRITES_EACH):
        with app.test_request_context(method="POST"):
            try:
                seen = db.session.scalar(select(func.count()).select_from(SignInFailure))
                db.session.add(SignInFailure(email=f"writer-{os.getpid()}-{seen}@test.example"))
                db.session.commit()
            except Exception:
                db.session.rollback()
                failures += 1
            finally:
                db.session.remove()
    errors.put(failures)


def test_several_sqlite_writers_never_see_database_is_locked(tmp_path):
    url = f"sqlite:///{tmp_path / 'concurrent.db'}"
    app = make_test_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_writer, args=(url, results)) for _ in range(WRITERS)]
    for worker in workers:
        worker.start()
    failures = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)

    assert failures == [0] * WRITERS
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInFailure)) == WRITERS * WRITES_EACH
        db.session.remove()
        db.engine.dispose()


def test_postgresql_knows_how_many_judgements_have_evidence(app):
    """The quotes' newest-first read depends on PostgreSQL knowing how many section judgements have
    text (migration f16f0a1b2c3d): without the statistics it sorted every judgement of the period."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps no statistics of expressions")
        names = db.session.scalars(text("SELECT stxname FROM pg_statistic_ext")).all()
    assert "st_section_judgements_evidence_length" in names


def test_the_refresh_functions_are_the_codes_and_a_changed_one_is_reported_and_rewritten(app):
    """On PostgreSQL the refresh runs each kind's rows and count changes through functions compiled
    from the code (migration f16i0a1b2c3d), so the server keeps their plans. A function that differs
    from the code (a deployment that skipped the migration, a hand edit) is reported by the check
    and written again by the rebuild."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite plans in-process: the refresh runs its statements directly")
        assert summaries.differences() == []
        installed = dict(db.session.execute(text("SELECT proname, prosrc FROM pg_proc")).all())
        for function in summaries.functions():
            assert installed[function.name] == function.source
        columns = ", ".join(
            f"r_{name} {'date' if name in ('day', 'month') else 'integer'}" for name in PAIR_ROW_COLUMNS
        )
        db.session.execute(text(f"CREATE OR REPLACE FUNCTION audit_pair_rows_of(chosen integer[]) RETURNS TABLE "
                                f"({columns}) LANGUAGE plpgsql AS 'BEGIN END'"))  # fmt: skip
        db.session.execute(text("DROP FUNCTION audit_grade_rows_refresh"))
        assert summaries.differences() == [
            "function audit_grade_rows_refresh: missing",
            "function audit_pair_rows_of: differs from the code",
        ]
        summaries.rebuild()
        assert summaries.differences() == []


def test_the_refresh_functions_do_not_depend_on_the_date(monkeypatch):
    """A function is written once, by a migration: nothing in it may be worked out from today's
    date (SQLite's summer-time bounds are; PostgreSQL's UK dates come from its own zone data)."""
    written = [function.create() for function in summaries.functions()]
    monkeypatch.setattr(summaries, "today", lambda: date(2041, 3, 30))
    summaries.functions.cache_clear()
    try:
        assert [function.create() for function in summaries.functions()] == written
    finally:
        summaries.functions.cache_clear()


def test_a_percent_sign_in_a_functions_statement_is_written_as_itself(app):
    """Function sources are compiled without the driver's "%%" escaping, then escaped once to be
    sent: a literal "%" (a LIKE pattern, say) reaches PostgreSQL as one "%", so the source the check
    compares is the source installed."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("functions are PostgreSQL's")
        statement = select(func.count()).where(literal_column("'50%'").like("%0%"))
        function = summaries._Function(
            "percent_check", (), "bigint", "STABLE", f"RETURN ({summaries._sql(statement)});"
        )
        assert "'%0%'" in function.source
        summaries._install(db.session.connection(), function)
        installed = db.session.scalar(text("SELECT prosrc FROM pg_proc WHERE proname = 'percent_check'"))
        assert installed == function.source
        assert db.session.scalar(text("SELECT percent_check()")) == 1
