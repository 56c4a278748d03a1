"""Admin: a subject access request about one child lists what is held about the case and everyone
who accessed it, downloads as CSV, is for admins only (service-wide) and is itself access-logged."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import (
    AccessLogEntry,
    Action,
    AuditAmendment,
    AuditStatus,
    ReportDownload,
    Role,
    SafeguardingConcern,
    SupervisionAmendment,
)
from tests.conftest import page_text


@pytest.fixture
def child(app, make):
    """A child's case with an audit (amended, with a concern and an action), a supervision session
    that discussed them and another child, and an access log; plus another child's records."""
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=team, name="Aida Auditor")
    supervisor = make.user(Role.SUPERVISOR, team=team, name="Sam Supervisor")
    worker = make.user(Role.PRACTITIONER, team=team, name="Wes Worker")
    nosy = make.user(Role.LEADER, name="Lee Leader")
    case = make.case(team, worker=worker, reference="SAR-000001")
    other = make.case(team, worker=worker, reference="SAR-000002")
    audit = make.audit(case, auditor, status=AuditStatus.SUBMITTED)
    other_audit = make.audit(other, auditor, status=AuditStatus.SUBMITTED)
    record = make.supervision(supervisor, worker, status="completed", cases=[case, other], team=team)
    with app.app_context():
        concern = SafeguardingConcern(
            audit_id=audit.id, team_id=team.id, details="Synthetic worry", raised_by_id=auditor.id
        )
        action = Action(
            audit_id=audit.id,
            description="Synthetic action",
            owner_id=worker.id,
            due_date=date(2030, 1, 1),
            created_by_id=auditor.id,
        )
        supervision_action = Action(
            supervision_id=record.id,
            supervision_case_id=case.id,
            description="Synthetic follow-up",
            owner_id=worker.id,
            due_date=date(2030, 2, 1),
            created_by_id=supervisor.id,
        )
        db.session.add_all(
            [
                concern,
                action,
                supervision_action,
                AuditAmendment(
                    audit_id=audit.id,
                    user_id=auditor.id,
                    field="Overall grade",
                    old_value="Good",
                    new_value="Outstanding",
                    reason="Synthetic reason",
                ),
                SupervisionAmendment(
                    record_id=record.id,
                    user_id=supervisor.id,
                    field="SAR-000001: Decision",
                    old_value="a",
                    new_value="b",
                    reason="Synthetic reason",
                ),
                SupervisionAmendment(
                    record_id=record.id,
                    user_id=supervisor.id,
                    field="SAR-000002: Decision",
                    old_value="a",
                    new_value="b",
                    reason="Synthetic reason",
                ),
                SupervisionAmendment(
                    record_id=record.id,
                    user_id=supervisor.id,
                    field="Wellbeing",
                    old_value="a",
                    new_value="b",
                    reason="Synthetic reason",
                ),
                AccessLogEntry(
                    user_id=nosy.id,
                    action="view",
                    record_type="audit",
                    record_id=audit.id,
                    case_id=case.id,
                    at=datetime(2026, 3, 2, 10, 0),
                ),
                AccessLogEntry(
                    user_id=nosy.id,
                    action="export",
                    record_type="audit",
                    record_id=audit.id,
                    case_id=case.id,
                    at=datetime(2026, 4, 5, 10, 0),
                ),
                AccessLogEntry(
                    user_id=supervisor.id,
                    action="view",
                    record_type="supervision",
                    record_id=record.id,
                    case_id=case.id,
                    at=datetime(2026, 3, 1, 9, 0),
                ),
                AccessLogEntry(
                    user_id=worker.id,
                    action="view",
                    record_type="audit",
                    record_id=other_audit.id,
                    case_id=other.id,
                    at=datetime(2026, 3, 1, 9, 0),
                ),
            ]
        )
        db.session.commit()
        ids = {"concern": concern.id, "action": action.id, "supervision_action": supervision_action.id}
    return {"case": case, "audit": audit, "other_audit": other_audit, "record": record, **ids}


@pytest.fixture
def admin(make):
    # In a team of their own: admins are service-wide, so the child's team does not matter.
    return make.user(Role.ADMIN, team=make.team(), name="Ada Admin")


def _rows(page, table_id: str) -> list[list[str]]:
    table = page.find("table", id=table_id)
    return [[cell.get_text(" ", strip=True) for cell in row.find_all("td")] for row in table.tbody.find_all("tr")]


def test_the_page_lists_what_is_held_and_who_accessed_it(app, client, admin, child):
    client.sign_in_as(admin)

    page = client.get_page(f"/admin/subject-access/{child['case'].id}")

    held = {(row[1], row[2]) for row in _rows(page, "records-held")}
    assert held == {
        ("Audit", str(child["audit"].id)),
        ("Amendment to an audit", str(child["audit"].id)),
        ("Safeguarding concern", str(child["concern"])),
        ("Action", str(child["action"])),
        ("Action", str(child["supervision_action"])),
        ("Supervision discussion", str(child["record"].id)),
        ("Amendment to a supervision record", str(child["record"].id)),  # this child's part only
    }
    text = page_text(page)
    # Nothing about the other child or the worker's wellbeing, and no record's content.
    assert "SAR-000002" not in text and "Wellbeing" not in text
    assert "Synthetic" not in text
    viewers = {row[0]: row for row in _rows(page, "viewers")}
    assert set(viewers) == {"Lee Leader", "Sam Supervisor", "Ada Admin"}
    assert viewers["Lee Leader"][2:4] == ["exported, viewed", "2"]
    assert "2 March 2026" in viewers["Lee Leader"][4] and "5 April 2026" in viewers["Lee Leader"][5]
    assert "Wes Worker" not in viewers  # viewed only the other child's audit


def test_viewing_the_page_is_access_logged(app, client, admin, child):
    client.sign_in_as(admin)

    client.get_page(f"/admin/subject-access/{child['case'].id}")

    with app.app_context():
        logged = db.session.execute(
            select(AccessLogEntry.action, AccessLogEntry.record_type, AccessLogEntry.case_id).where(
                AccessLogEntry.user_id == admin.id
            )
        ).all()
    assert logged == [("view", "case", child["case"].id)]


def test_the_csv_has_every_record_and_every_access_and_is_logged(app, client, admin, child):
    client.sign_in_as(admin)

    response = client.get(f"/admin/subject-access/{child['case'].id}/held.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="subject-access-SAR-000001.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    held = [row for row in rows if row["part"] == "record held"]
    accesses = [row for row in rows if row["part"] == "access"]
    assert len(held) == 7
    assert {(row["person"], row["action"], row["date"]) for row in accesses} >= {
        ("Lee Leader", "viewed", "2026-03-02 10:00"),
        ("Lee Leader", "exported", "2026-04-05 11:00"),  # UK time: BST from 29 March
        ("Sam Supervisor", "viewed", "2026-03-01 09:00"),
    }
    assert ("Ada Admin", "exported") in {(row["person"], row["action"]) for row in accesses}
    assert not any("SAR-000002" in value for row in rows for value in row.values())
    with app.app_context():
        assert db.session.scalar(
            select(AccessLogEntry.id).where(
                AccessLogEntry.user_id == admin.id,
                AccessLogEntry.action == "export",
                AccessLogEntry.case_id == child["case"].id,
            )
        )
        download = db.session.scalars(select(ReportDownload)).one()
    assert (download.user_id, download.report) == (admin.id, "subject-access-csv")


def test_an_admin_finds_the_case_by_its_reference(client, admin, child):
    client.sign_in_as(admin)
    client.get_page("/admin/subject-access")

    response = client.post("/admin/subject-access", data={"case_reference": " sar-000001 "})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/subject-access/{child['case'].id}"


def test_an_unknown_reference_is_an_error_on_the_field(client, admin, child):
    client.sign_in_as(admin)

    page = client.post_page("/admin/subject-access", data={"case_reference": "NOPE-1"})

    assert "There is no case with that reference" in page.find(class_="govuk-error-summary").get_text()


def test_the_admin_menu_links_to_it(client, admin):
    client.sign_in_as(admin)

    page = client.get_page("/admin/teams")

    assert page.find("a", href="/admin/subject-access", string="Subject access")


@pytest.mark.parametrize("role", [Role.LEADER, Role.SUPERVISOR, Role.AUDITOR, Role.MODERATOR, Role.PRACTITIONER])
def test_only_admins_may_use_it(app, client, make, child, role):
    user = make.user(role, team=make.team())
    client.sign_in_as(user)
    case_id = child["case"].id

    for url in (
        "/admin/subject-access",
        f"/admin/subject-access/{case_id}",
        f"/admin/subject-access/{case_id}/held.csv",
    ):
        assert client.get(url).status_code == 403, url
    with app.app_context():
        assert db.session.scalar(select(AccessLogEntry.id).where(AccessLogEntry.user_id == user.id)) is None


def test_an_unknown_case_is_not_found(client, admin):
    client.sign_in_as(admin)

    assert client.get("/admin/subject-access/999999").status_code == 404
