"""Error messages reveal nothing outside the user's team: a case or worker the user may not see
gets the same words as one that does not exist, and starting an audit is limited to the cases the
auditor may see."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Audit, Role, SupervisionCase, SupervisionRecord, User
from tests.conftest import Client
from tests.pages import parse, text_of

TODAY = date.today()
UNKNOWN_ID = "987654321"


def _held_today() -> list[str]:
    return [str(TODAY.day), str(TODAY.month), str(TODAY.year)]


def _error_summary(response: Any) -> str:
    summary = parse(response).find(class_="govuk-error-summary")
    assert summary is not None, "no error summary on the page"
    return text_of(summary)


@pytest.fixture
def teams(make: Any) -> dict[str, Any]:
    """Our team (a supervisor, a worker and their case) and another team with its own."""
    ours = make.team("Our Team")
    theirs = make.team("Their Team")
    their_worker = make.user(Role.PRACTITIONER, team=theirs, name="Tamsin Theirs")
    worker = make.user(Role.PRACTITIONER, team=ours, name="Olly Ours")
    return {
        "ours": ours,
        "theirs": theirs,
        "supervisor": make.user(Role.SUPERVISOR, team=ours, name="Sian Supervisor"),
        "worker": worker,
        "case": make.case(ours, worker=worker, reference="OURS-000001"),
        "their_worker": their_worker,
        "their_case": make.case(theirs, worker=their_worker, reference="THEIRS-000001"),
    }


# Supervision --------------------------------------------------------------------------------------


def test_another_teams_case_on_a_supervision_draft_reads_as_an_unknown_one(app, client: Client, teams, make):
    record = make.supervision(teams["supervisor"], teams["worker"])
    client.sign_in_as(teams["supervisor"])

    def post_case(case_id: str) -> Any:
        with app.app_context():
            version = str(db.session.get(SupervisionRecord, record.id).version)
        data = {"version": version, "held_on": _held_today(), "start_time": "10:00", "duration_minutes": "60"}
        return client.post(f"/supervision/{record.id}/edit/all", data={**data, "cases": [case_id]})

    theirs = post_case(str(teams["their_case"].id))
    unknown = post_case(UNKNOWN_ID)
    assert theirs.status_code == unknown.status_code == 200
    assert _error_summary(theirs) == _error_summary(unknown)
    assert "Select only cases allocated to Olly Ours" in _error_summary(theirs)
    assert "THEIRS-000001" not in theirs.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SupervisionCase)) == 0


def test_another_teams_worker_on_a_new_supervision_reads_as_an_unknown_one(app, client: Client, teams):
    client.sign_in_as(teams["supervisor"])

    def start_with(worker_id: str) -> Any:
        return client.post("/supervision/new", data={"kind": "case", "workers": [worker_id], "held_on": _held_today()})

    theirs = start_with(str(teams["their_worker"].id))
    unknown = start_with(UNKNOWN_ID)
    assert theirs.status_code == unknown.status_code == 200
    assert _error_summary(theirs) == _error_summary(unknown)
    assert "Select who was supervised from the list" in _error_summary(theirs)
    assert "Tamsin Theirs" not in theirs.get_data(as_text=True)

    # Nor by slipping them in beside a worker who may be chosen.
    both = client.post(
        "/supervision/new",
        data={
            "kind": "group",
            "workers": [str(teams["worker"].id), str(teams["their_worker"].id)],
            "held_on": _held_today(),
        },
    )
    assert "Tamsin Theirs" not in both.get_data(as_text=True)
    assert both.status_code == 200


def test_the_domain_never_names_a_worker_from_another_team(app, teams):
    from audit.domain import supervision as records
    from audit.models import SupervisionKind

    with app.test_request_context():
        supervisor = db.session.get(User, teams["supervisor"].id)
        outsider = db.session.get(User, teams["their_worker"].id)
        outsider.active = False  # inactive and elsewhere: still not named
        with pytest.raises(records.SupervisionError) as refused:
            records.start_record(kind=SupervisionKind.CASE, supervisor=supervisor, workers=[outsider])
        assert "Tamsin" not in str(refused.value)
        db.session.rollback()


# Starting an audit --------------------------------------------------------------------------------


def _start_audit(client: Client, make: Any, reference: str) -> Any:
    return client.post("/audits/new", data={"case_reference": reference, "tool": str(make.tool_version().id)})


def _audits(app: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Audit)) or 0


def test_an_auditor_cannot_start_an_audit_of_another_teams_case(app, client: Client, teams, make):
    auditor = make.user(Role.AUDITOR, team=teams["ours"])
    client.sign_in_as(auditor)

    theirs = _start_audit(client, make, "THEIRS-000001")
    unknown = _start_audit(client, make, "NOBODY-000001")
    assert theirs.status_code == unknown.status_code == 200
    assert (
        _error_summary(theirs) == _error_summary(unknown) == "There is a problem There is no case with that reference"
    )
    assert _audits(app) == 0

    ours = _start_audit(client, make, "OURS-000001")
    assert ours.status_code == 302
    assert _audits(app) == 1


def test_a_service_wide_auditor_may_start_an_audit_of_any_teams_case(app, client: Client, teams, make):
    quality_lead = make.user(Role.AUDITOR, Role.MODERATOR, team=make.team("Quality"))
    client.sign_in_as(quality_lead)
    assert _start_audit(client, make, "THEIRS-000001").status_code == 302
    assert _audits(app) == 1
