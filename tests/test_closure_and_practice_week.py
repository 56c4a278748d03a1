"""Closure audits (a programme that samples recently closed cases) and practice-week audits (done
with the case's worker present: who took part is recorded, and the worker's reflection is taken at
the time)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from audit.clock import today
from audit.extensions import db
from audit.models import Audit, AuditProgramme, AuditStatus, Case
from tests.audit_forms import complete_post
from tests.conftest import page_text
from tests.test_programme import Council


def _close(app, case_id: int, on: date) -> None:
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case is not None
        case.closed_on = on
        db.session.commit()


def _newest_programme(app) -> tuple[AuditProgramme, list[Audit]]:
    with app.app_context():
        programme = db.session.scalar(select(AuditProgramme).order_by(AuditProgramme.id.desc()))
        assert programme is not None
        audits = list(db.session.scalars(select(Audit).where(Audit.programme_id == programme.id)))
        db.session.expunge_all()
        return programme, audits


def test_a_closure_programme_samples_only_cases_closed_in_the_last_three_months(app, client, make):
    council = Council(make)
    recently, long_ago = council.north_cases[0], council.north_cases[1]
    _close(app, recently.id, today() - timedelta(days=20))
    _close(app, long_ago.id, today() - timedelta(days=200))
    client.sign_in_as(council.leader)

    response = client.post(
        "/programme/new",
        data=council.form(kind=["closed"], teams=[str(council.north.id)], per_team="4", seed="7"),
    )

    assert response.status_code == 302, page_text(response)
    programme, audits = _newest_programme(app)
    assert programme.closed_cases and not programme.collaborative
    assert [audit.case_id for audit in audits] == [recently.id]  # not the open ones, not the long-closed one
    shown = page_text(client.get(f"/programme/{programme.id}"))
    assert "Closure audits of cases closed in the three months before" in shown
    assert "North team had only 1 case to sample, not 4" in shown


def test_an_ordinary_programme_never_samples_a_closed_case(app, client, make):
    council = Council(make)
    _close(app, council.south_cases[0].id, today() - timedelta(days=5))
    client.sign_in_as(council.leader)
    client.post("/programme/new", data=council.form(teams=[str(council.south.id)], per_team="4", seed="7"))
    _programme, audits = _newest_programme(app)
    assert [audit.case_id for audit in audits] == [council.south_cases[1].id]


def test_a_practice_week_audit_records_who_took_part_and_the_workers_reflection(app, client, make):
    council = Council(make)
    client.sign_in_as(council.leader)
    response = client.post(
        "/programme/new",
        data=council.form(kind=["collaborative"], teams=[str(council.south.id)], per_team="1", seed="7"),
    )
    assert response.status_code == 302, page_text(response)
    programme, audits = _newest_programme(app)
    assert programme.collaborative and [audit.collaborative for audit in audits] == [True]
    audit = audits[0]
    with app.app_context():
        auditor = db.session.get(type(council.leader), audit.auditor_id)
    client.sign_in_as(auditor)

    closing = client.get(f"/audits/{audit.id}/edit/all")
    assert "Audited with the worker" in page_text(closing)
    data = complete_post(app, audit.id)
    refused = client.post(f"/audits/{audit.id}/edit/all", data={**data, "action": "submit"})
    assert "Enter who took part in the audit" in page_text(refused)

    with app.app_context():
        version = db.session.get(Audit, audit.id).version
    submitted = client.post(
        f"/audits/{audit.id}/edit/all",
        data={
            **data,
            "version": str(version),
            "participants": "Sol South (auditor); the allocated worker; their team manager",
            "practitioner_reflection": "I had not recorded why dad was not contacted; I will now.",
            "action": "submit",
        },
    )

    assert submitted.status_code == 302, page_text(submitted)
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        assert saved is not None and saved.status == AuditStatus.SUBMITTED.value
        assert saved.participants.startswith("Sol South")
        assert saved.practitioner_reflection == "I had not recorded why dad was not contacted; I will now."
        assert saved.reflection_at is not None
    shown = page_text(client.get(f"/audits/{audit.id}"))
    assert "Who took part" in shown and "I had not recorded why dad was not contacted" in shown


def test_an_ordinary_audit_ignores_practice_week_fields(app, client, make):
    council = Council(make)
    audit = make.audit(council.north_cases[2], council.south_auditor, status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(council.south_auditor)
    assert "Audited with the worker" not in page_text(client.get(f"/audits/{audit.id}/edit/all"))
    data = complete_post(app, audit.id)
    response = client.post(f"/audits/{audit.id}/edit/all", data={**data, "participants": "Someone", "action": "submit"})
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        assert db.session.get(Audit, audit.id).participants is None
