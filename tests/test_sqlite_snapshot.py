"""A page that reads and then logs the view must not fail because someone else saved in between.

On SQLite, a read transaction cannot become a write transaction once another connection has
committed since it began (SQLITE_BUSY_SNAPSHOT): no busy timeout waits that out. Under load
(bench/load.py) nearly every audit page got the "busy" page for that reason. The access-log rows a
page adds depend on nothing it read, so the commit writes them in a transaction of their own."""

from __future__ import annotations

import sqlite3

import pytest
from flask import Response
from sqlalchemy import func, select

from audit.database import commit_after_request
from audit.domain.access_log import record_access, record_accesses
from audit.extensions import db
from audit.models import AccessLogEntry, Case, Role, ServiceArea, SignInFailure, Team, User
from tests.fresh_database import migrated_app


@pytest.fixture
def snapshot_app(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'snapshot.db'}")
    with app.app_context():
        area = db.session.scalars(select(ServiceArea)).first()
        team = Team(name="Snapshot Team", service_area_id=area.id)
        db.session.add(team)
        db.session.flush()
        db.session.add(User(email="reader@test.example", name="Rae Reader", password_hash="x", team_id=team.id))
        db.session.add(Case(reference="SNAP-000001", team_id=team.id, plan_type="child_in_need"))
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_page_that_logs_its_view_survives_a_save_made_while_it_read(snapshot_app, tmp_path):
    app = snapshot_app
    path = str(tmp_path / "snapshot.db")
    with app.test_request_context("/cases/1", method="GET"):
        reader = db.session.scalar(select(User).where(User.email == "reader@test.example"))  # the read begins
        assert reader is not None and not reader.has_role(Role.LEADER)
        # Someone else saves while the page is being made.
        other = sqlite3.connect(path)
        other.execute("INSERT INTO sign_in_failures (email, failed_at) VALUES ('x@test.example', '2026-11-28')")
        other.commit()
        other.close()
        case_id = db.session.scalar(select(Case.id))
        record_access(reader.id, "view", "case", case_id, case_id)
        record_accesses(reader.id, "view", "audit", [(2, case_id), (3, case_id)])

        commit_after_request(Response("page"))

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 3
        assert db.session.scalar(select(func.count()).select_from(SignInFailure)) == 1
