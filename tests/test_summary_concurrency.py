"""Two transactions recounting one audit at once (PostgreSQL): the second waits for the first's lock
on the audit, then recounts from what the first wrote, so both changes are counted once.

Without the lock (``audit.domain.summaries._refresh``'s ``SELECT ... FOR UPDATE``) the second
would work from the audit's rows as they were before the first and fail on the rows the first
wrote, or undo its count. SQLite has one writer at a time, so this runs on PostgreSQL only, in a
database of its own: the test needs real commits from two connections.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask

from audit.domain import follow_up, summaries
from audit.extensions import db
from audit.models import Action, Audit, AuditStatus, Role, User
from audit.reporting import figures
from audit.reporting.figures import ReportScope
from tests import factories
from tests.fresh_database import database_url, migrated_app

pytestmark = pytest.mark.skipif(
    "TEST_DATABASE_URL" not in os.environ, reason="PostgreSQL only: SQLite has one writer at a time"
)


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Flask]:
    url = database_url("postgresql", tmp_path_factory.mktemp("concurrency"), "concurrency", worker_id)
    app = migrated_app(url)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_two_actions_of_one_audit_completed_at_once_are_both_counted(shared_app: Flask) -> None:
    make = factories.Factory(shared_app)
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=team)
    leader = make.user(Role.LEADER, team=team)
    audit = make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED)
    make.judgements(audit, "requires-improvement")
    with shared_app.app_context():
        loaded = db.session.get(Audit, audit.id)
        creator = db.session.get(User, leader.id)
        due = date.today() + timedelta(days=10)
        actions = [
            follow_up.add_action(loaded, description=text, owner_id=auditor.id, due_date=due, created_by=creator).id
            for text in ("Update the plan.", "Visit the child.")
        ]
        db.session.commit()

    second_finished: dict[str, str] = {}

    def complete_the_second() -> None:
        with shared_app.app_context():
            try:
                action = db.session.get(Action, actions[1])
                follow_up.complete_action(action, db.session.get(User, auditor.id), "Visited.")
                db.session.commit()
                second_finished["outcome"] = "committed"
            except Exception as error:  # reported by the assertion below
                second_finished["outcome"] = repr(error)
                db.session.rollback()

    with shared_app.app_context():
        action = db.session.get(Action, actions[0])
        follow_up.complete_action(action, db.session.get(User, auditor.id), "Updated.")
        db.session.flush()  # the refresh has run and holds the audit's lock until the commit
        second = threading.Thread(target=complete_the_second)
        second.start()
        second.join(timeout=1.0)
        assert second.is_alive(), f"the second did not wait for the first: {second_finished}"
        db.session.commit()
    second.join(timeout=15)
    assert second_finished == {"outcome": "committed"}

    with shared_app.app_context():
        assert summaries.differences() == []
        found = figures.action_figures(ReportScope(date.today() - timedelta(days=30), date.today()))
        assert (found.total, found.completed, found.open) == (2, 2, 0)
