"""How the audit pages behave as the number of audits grows: queries per page and time per page.

Seeds a synthetic council into a throwaway SQLite file (or DATABASE_URL) at each size, then asks
for every list page and home page (and one audit, with its PDF) as a leader, an auditor, a
moderator, a supervisor and a practitioner would, and prints a table with the growth of each page's
time from the smallest size to the largest. The sizes' databases are open side by side and take
turns, one request each, so that other load on the machine falls on every size alike. Run:

    .venv/bin/python bench/audit_pages.py 1000 10000 100000
    .venv/bin/python bench/audit_pages.py --keep /tmp/pages 1000 100000   # keep (and reuse) the files
    .venv/bin/python bench/audit_pages.py --no-pdf 1000 100000

``--keep`` reuses a database file of the same size left by an earlier run, so the pages can be
measured again after a change without seeding again (a migration added since is applied).
DATABASE_URL names one database, so it takes one size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

from audit import create_app
from audit.demo import council
from audit.demo.audits import seed_audits
from audit.domain.tools import load_definitions
from audit.extensions import db
from audit.models import Audit, AuditProgramme, AuditStatus, User

# Timed requests per page and size, after one warm-up that counts the statements; the median is shown.
REPEATS = 11


def _sign_in(client, user: User) -> None:
    from flask_login.utils import _create_identifier

    from audit.clock import utcnow

    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.update(_user_id=user.get_id(), _fresh=True, _id=identifier, last_active=utcnow().timestamp())


def _queries(app, client, path: str) -> int:
    """The statements one request for ``path`` sends (it is also the warm-up)."""
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def _time(client, path: str) -> float:
    started = time.perf_counter()
    client.get(path).close()
    return (time.perf_counter() - started) * 1000


EMAILS = (
    "leader@demo.example",
    "auditor@demo.example",
    "moderator@demo.example",
    "supervisor@demo.example",
    "practitioner@demo.example",
)


def _pages(audit_id: int | None, programme_id: int | None, pdf: bool) -> list[tuple[str, str, str]]:
    """(who, path, label) for every list page and home page, and one audit."""
    leader, auditor, moderator, supervisor, practitioner = EMAILS
    pages = [
        (leader, "/audits/", "Audit list (leader, all teams)"),
        (leader, "/audits/?overdue=1", "Audit list, overdue only"),
        (leader, "/audits/?status=submitted&page=20", "Audit list, submitted, page 20"),
        (auditor, "/audits/", "Audit list (auditor)"),
        (auditor, "/audits/mine", "My audits (auditor)"),
        (practitioner, "/audits/mine", "My audits (practitioner)"),
        (practitioner, "/audits/actions", "My actions (practitioner)"),
        (supervisor, "/audits/concerns", "Concerns (supervisor)"),
        (leader, "/audits/concerns", "Concerns (leader)"),
        (moderator, "/moderation/", "Moderation queue"),
        (moderator, "/moderation/?page=5", "Moderation queue, page 5"),
        (leader, "/", "Home (leader)"),
        (auditor, "/", "Home (auditor)"),
        (supervisor, "/", "Home (supervisor)"),
        (practitioner, "/", "Home (practitioner)"),
        (moderator, "/", "Home (moderator)"),
        (leader, "/programme/", "Programmes"),
        (supervisor, "/supervision/", "Supervision (supervisor)"),
        (leader, "/supervision/browse", "Supervision, browse (leader)"),
        (leader, "/reports/audits", "Audits behind a figure (reports)"),
        (leader, "/reports/audits?grade=inadequate", "Audits behind a figure, inadequate"),
    ]
    if programme_id is not None:
        pages.append((leader, f"/programme/{programme_id}", "One programme"))
    if audit_id is not None:
        pages.append((leader, f"/audits/{audit_id}", "One audit"))
        if pdf:
            pages.append((leader, f"/audits/{audit_id}/pdf", "One audit as PDF"))
    return pages


@dataclass
class Sized:
    """One size's database, its app and the pages to ask for (who, path, label)."""

    app: Flask
    users: dict[str, User]
    pages: list[tuple[str, str, str]]


def prepare(size: int, directory: Path, pdf: bool = True) -> Sized:
    path = directory / f"bench-{size}.db"
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{path}"
    seeded = not os.environ.get("DATABASE_URL") and path.exists()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        flask_migrate.upgrade()
        if not seeded:
            load_definitions()
            council.seed(cases=max(200, size // 5))
            seed_audits(size)
            db.session.commit()
        users = {email: db.session.scalar(select(User).where(User.email == email)) for email in EMAILS}
        programme_id = db.session.scalar(select(AuditProgramme.id).order_by(AuditProgramme.id.desc()))
        audit_id = db.session.scalar(
            select(Audit.id).where(Audit.status == AuditStatus.MODERATED.value).order_by(Audit.id.desc())
        )
        for user in users.values():
            db.session.expunge(user)
    return Sized(app, users, _pages(audit_id, programme_id, pdf))


def measure(sized: dict[int, Sized], repeats: int) -> dict[int, dict[str, tuple[int, float]]]:
    """Each page's statements and median time at every size. The sizes take turns, one request
    each, ``repeats`` times: other load on the machine then falls on every size alike, where
    measuring one size after another let a busy minute land on one size and look like growth."""
    results: dict[int, dict[str, tuple[int, float]]] = {size: {} for size in sized}
    labels = [label for _who, _path, label in sized[max(sized)].pages]
    for label in labels:
        clients, counts, times = {}, {}, {}
        for size, one in sized.items():
            who, path = next((who, path) for who, path, named in one.pages if named == label)
            client = one.app.test_client()
            _sign_in(client, one.users[who])
            clients[size] = (client, path)
            counts[size] = _queries(one.app, client, path)
            times[size] = []
        for _ in range(repeats):
            for size, (client, path) in clients.items():
                times[size].append(_time(client, path))
        for size in sized:
            results[size][label] = (counts[size], statistics.median(times[size]))
    return results


def main(sizes: list[int], keep: Path | None, pdf: bool, repeats: int) -> None:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        by_label = measure({size: prepare(size, keep, pdf) for size in sizes}, repeats)
    else:
        with tempfile.TemporaryDirectory() as directory:
            by_label = measure({size: prepare(size, Path(directory), pdf) for size in sizes}, repeats)
    labels = list(by_label[sizes[-1]])
    print(f"{'page':<40}" + "".join(f"{f'{size:,} audits':>22}" for size in sizes) + f"{'growth':>9}")
    print(f"{'':<40}" + "".join(f"{'queries':>10}{'ms':>12}" for _ in sizes))
    for label in labels:
        line = f"{label:<40}"
        for size in sizes:
            queries, milliseconds = by_label[size].get(label, (0, float("nan")))
            line += f"{queries:>10}{milliseconds:>12.1f}"
        first, last = by_label[sizes[0]].get(label), by_label[sizes[-1]].get(label)
        growth = last[1] / first[1] if first and last and first[1] else float("nan")
        print(line + f"{growth:>8.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--keep", type=Path, help="a folder for the SQLite files, kept and reused")
    parser.add_argument("--no-pdf", action="store_true", help="skip the one audit's PDF (a second each)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed requests per page and size")
    arguments = parser.parse_args()
    if os.environ.get("DATABASE_URL") and len(arguments.sizes) > 1:
        parser.error("DATABASE_URL names one database: give one size")
    main(arguments.sizes, arguments.keep, not arguments.no_pdf, arguments.repeats)
