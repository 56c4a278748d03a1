"""List pages send a fixed number of queries however many records they show."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import Case, PlanType, Role, ServiceArea, Team, User, UserRole
from audit.security.passwords import hash_password
from tests import factories
from tests.querycount import count_queries, queries_for

AREAS = ["Assessment", "Children in care", "Care leavers", "Disabled children"]
PLANS = list(PlanType)


class Council:
    """Adds teams, each with a worker who has two roles and a case allocated to them, in one commit."""

    def __init__(self, app):
        self.app = app
        self.size = 0

    def grow_to(self, size: int) -> None:
        with self.app.app_context():
            areas = db.session.scalars(select(ServiceArea).where(ServiceArea.name.in_(AREAS))).all()
            password_hash = hash_password(factories.PASSWORD)
            for n in range(self.size, size):
                team = Team(name=f"Team {n:03d}", service_area=areas[n % len(areas)])
                worker = User(
                    email=f"worker{n:03d}@test.example",
                    name=f"Worker {n:03d}",
                    team=team,
                    password_hash=password_hash,
                    role_rows=[UserRole(role=Role.PRACTITIONER.value), UserRole(role=Role.AUDITOR.value)],
                )
                db.session.add(Case(reference=f"QC-{n:04d}", team=team, worker=worker, plan_type=PLANS[n % 5].value))
            db.session.commit()
        self.size = size


@pytest.mark.parametrize(
    ("path", "viewer"),
    [
        ("/cases/", Role.ADMIN),
        ("/cases/?q=QC&plan_type=child_in_need", Role.LEADER),
        ("/admin/cases", Role.ADMIN),
        ("/admin/users", Role.ADMIN),
        ("/admin/teams", Role.ADMIN),
    ],
)
def test_list_pages_send_the_same_queries_for_3_records_as_for_60(app, client, make, path, viewer):
    council = Council(app)
    client.sign_in_as(make.user(viewer))
    council.grow_to(3)
    client.get(path)  # anything done once per session (none expected) is not counted
    few = queries_for(app, client, path)

    council.grow_to(60)
    many = queries_for(app, client, path)

    assert many.count == few.count, f"3 records:\n{few}\n\n60 records:\n{many}"
    assert few.count <= 10, str(few)


def test_a_team_members_case_list_sends_the_same_queries_for_3_cases_as_for_60(app, client, make):
    team = make.team("Busy team")
    client.sign_in_as(make.user(Role.SUPERVISOR, team=team))
    workers = [make.user(Role.PRACTITIONER, team=team) for _ in range(3)]
    for n in range(3):
        make.case(team, worker=workers[n], reference=f"BT-{n:04d}")
    few = queries_for(app, client, "/cases/")

    for n in range(3, 60):
        make.case(team, worker=make.user(Role.PRACTITIONER, team=team), reference=f"BT-{n:04d}")
    many = queries_for(app, client, "/cases/")

    assert many.count == few.count, f"3 cases:\n{few}\n\n60 cases:\n{many}"


def test_viewing_a_case_sends_a_fixed_number_of_queries(app, client, make):
    team = make.team("Case team")
    worker = make.user(Role.PRACTITIONER, team=team)
    client.sign_in_as(worker)
    case = make.case(team, worker=worker, reference="CT-0001")
    counted = queries_for(app, client, f"/cases/{case.id}")
    assert counted.count <= 8, str(counted)


def test_the_counter_sees_queries(app):
    from sqlalchemy import text

    from audit.extensions import db

    with count_queries(app) as counted, app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.execute(text("SELECT 2"))
    assert counted.count == 2
