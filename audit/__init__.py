"""The practice-audit and supervision toolkit."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from audit.config import PROJECT_ROOT, flask_config, read_settings


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the application: read settings, then wire extensions, blueprints and hooks."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(flask_config(read_settings()))
    app.config.update(config or {})
    Path(app.instance_path).mkdir(exist_ok=True)

    from audit import cli, database, errors, health, jobs, proxies, request_log, routing, templating
    from audit.admin import admin
    from audit.audits import audits
    from audit.auth import auth, login
    from audit.cases import cases
    from audit.domain import summaries  # noqa: F401  (its flush listener keeps the grade summary)
    from audit.extensions import csrf, db, migrate
    from audit.home import home
    from audit.moderation import moderation
    from audit.plan import plan
    from audit.programme import programme
    from audit.reports import reports
    from audit.security import headers, sessions
    from audit.supervision import supervision

    # Flask runs after_request hooks in reverse order of registration: the commit is registered
    # first so that it runs last, after every other hook has read what it needs of the request.
    database.init_app(app)
    request_log.init_app(app)  # its before_request hook must run before any hook that answers early
    routing.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login.init_app(app)
    sessions.init_app(app)
    headers.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    jobs.init_app(app)

    with app.app_context():
        database.configure_engine(
            db.engine, app.config["DATABASE_LOCK_TIMEOUT"], app.config["DATABASE_STATEMENT_TIMEOUT"]
        )

    for blueprint in (auth, home, admin, cases, audits, moderation, programme, supervision, reports, plan):
        app.register_blueprint(blueprint)
    # WSGI middleware: /health is answered in front of everything; other requests pass ProxyFix.
    proxies.init_app(app)
    health.init_app(app)
    return app
