"""How the audit pages behave as the number of audits grows: queries per page and time per page.

Seeds a synthetic council into a throwaway SQLite file (or DATABASE_URL) at each size, then asks
for the audit list, one audit, its PDF, My audits and the moderation queue as a leader, an
auditor and a moderator would, and prints a table. Run:

    .venv/bin/python bench/audit_pages.py 1000 10000
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

from audit import create_app
from audit.demo import council
from audit.demo.audits import seed_audits
from audit.domain.tools import load_definitions
from audit.extensions import db
from audit.models import Audit, AuditStatus, User

REPEATS = 5


def _sign_in(client, user: User) -> None:
    from flask_login.utils import _create_identifier

    from audit.clock import utcnow

    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.update(_user_id=user.get_id(), _fresh=True, _id=identifier, last_active=utcnow().timestamp())


def _measure(app, client, path: str) -> tuple[int, float]:
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        queries = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        client.get(path).close()
        times.append(time.perf_counter() - started)
    return queries, statistics.median(times) * 1000


def run(size: int, directory: Path) -> list[tuple[str, int, float]]:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{directory / f'bench-{size}.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        flask_migrate.upgrade()
        load_definitions()
        council.seed(cases=max(200, size // 5))
        seed_audits(size)
        db.session.commit()
        users = {
            email: db.session.scalar(select(User).where(User.email == email))
            for email in ("leader@demo.example", "auditor@demo.example", "moderator@demo.example")
        }
        audit_id = db.session.scalar(
            select(Audit.id).where(Audit.status == AuditStatus.MODERATED.value).order_by(Audit.id.desc())
        )
        for user in users.values():
            db.session.expunge(user)
    rows = []
    pages = [
        ("leader@demo.example", "/audits/", "Audit list (leader, all teams)"),
        ("leader@demo.example", "/audits/?overdue=1", "Audit list, overdue only"),
        ("leader@demo.example", f"/audits/{audit_id}", "One audit"),
        ("leader@demo.example", f"/audits/{audit_id}/pdf", "One audit as PDF"),
        ("auditor@demo.example", "/audits/mine", "My audits (auditor)"),
        ("moderator@demo.example", "/moderation/", "Moderation queue"),
        ("leader@demo.example", "/", "Home (leader)"),
    ]
    for email, path, label in pages:
        client = app.test_client()
        _sign_in(client, users[email])
        queries, milliseconds = _measure(app, client, path)
        rows.append((label, queries, milliseconds))
    with app.app_context():
        db.engine.dispose()
    return rows


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        results = {size: run(size, Path(directory)) for size in sizes}
    labels = [label for label, _q, _t in results[sizes[0]]]
    header = f"{'page':<34}" + "".join(f"{f'{size:,} audits':>26}" for size in sizes)
    print(header)
    print(f"{'':<34}" + "".join(f"{'queries':>12}{'median ms':>14}" for _ in sizes))
    for index, label in enumerate(labels):
        line = f"{label:<34}"
        for size in sizes:
            _label, queries, milliseconds = results[size][index]
            line += f"{queries:>12}{milliseconds:>14.1f}"
        print(line)


if __name__ == "__main__":
    main([int(argument) for argument in sys.argv[1:]] or [1000, 10000])
