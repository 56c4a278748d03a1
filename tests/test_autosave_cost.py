"""Autosave runs every few seconds while someone types, so it must stay cheap: a small, fixed number
of statements whatever the audit holds, and nothing written when nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AccessLogEntry, Answer, Audit, AuditStatus, Role, SectionJudgement
from tests.audit_forms import complete_post
from tests.conftest import Client
from tests.querycount import count_queries

JSON = {"Accept": "application/json"}
WRITES = ("INSERT", "UPDATE", "DELETE")
# The signed-in user and their roles; the audit with its tool version and scale; the scale's
# grades; the tool's sections; their questions; the answers; the judgements; then the audit's
# UPDATE and the access log's INSERT. Loading the case, people, actions, concerns, moderation
# and amendments as the audit's pages do took 26.
MOST_STATEMENTS = 10


@pytest.fixture
def people(make: Any) -> dict[str, Any]:
    team = make.team("Cost Team")
    case = make.case(team, worker=make.user(Role.PRACTITIONER, team=team))
    return {"case": case, "auditor": make.user(Role.AUDITOR, team=make.team("Cost Quality"))}


def _autosave(client: Client, audit_id: int, data: dict[str, Any]) -> Any:
    response = client.post(f"/audits/{audit_id}/autosave", data=dict(data), headers=JSON)  # the client adds its token
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _blank(form: dict[str, Any]) -> dict[str, Any]:
    """The same form with nothing entered (a date's day, month and year empty)."""
    return {name: ["", "", ""] if isinstance(value, list) else "" for name, value in form.items()}


def _rows(app: Flask, audit_id: int) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Answer).where(Answer.audit_id == audit_id)),
            db.session.scalar(
                select(func.count()).select_from(SectionJudgement).where(SectionJudgement.audit_id == audit_id)
            ),
            db.session.scalar(
                select(func.count()).select_from(AccessLogEntry).where(AccessLogEntry.record_id == audit_id)
            ),
        )


def test_autosave_sends_the_same_few_statements_for_a_blank_and_a_full_audit(
    app: Flask, client: Client, make: Any, people: dict[str, Any]
) -> None:
    empty = make.audit(people["case"], people["auditor"], tool="assessment-and-planning")
    full = make.audit(people["case"], people["auditor"], tool="assessment-and-planning")
    client.sign_in_as(people["auditor"])
    answered = complete_post(app, full.id)
    version = _autosave(client, full.id, answered)["version"]
    make.audit(people["case"], people["auditor"], status=AuditStatus.SUBMITTED)  # other audits change nothing

    blank = _blank(answered)
    _autosave(client, empty.id, blank | {"version": "1", "strengths": "A first word."})  # its rows, all empty

    # The page's script posts the whole form, with one field typed in since the last save.
    counts = []
    for audit_id, form in ((empty.id, blank | {"version": "2"}), (full.id, answered | {"version": str(version)})):
        with count_queries(app) as counted:
            _autosave(client, audit_id, form | {"strengths": "Typed just now."})
        counts.append(counted)

    assert counts[0].count == counts[1].count, f"{counts[0]}\n{counts[1]}"
    assert counts[0].count <= MOST_STATEMENTS, str(counts[0])


def test_an_autosave_that_changes_nothing_writes_nothing_and_answers_with_the_version(
    app: Flask, client: Client, make: Any, people: dict[str, Any]
) -> None:
    audit = make.audit(people["case"], people["auditor"], tool="assessment-and-planning")
    client.sign_in_as(people["auditor"])
    data = complete_post(app, audit.id)
    version = _autosave(client, audit.id, data)["version"]
    with app.app_context():
        saved_at = db.session.get(Audit, audit.id).updated_at
    rows = _rows(app, audit.id)

    with count_queries(app) as counted:
        answer = _autosave(client, audit.id, {**data, "version": str(version)})

    assert answer["version"] == version
    assert answer["problems"] == []
    assert [statement for statement in counted.statements if statement.startswith(WRITES)] == []
    assert _rows(app, audit.id) == rows  # no answer, judgement or access log row added
    with app.app_context():
        assert db.session.get(Audit, audit.id).updated_at == saved_at
    # The copy in the page is still current: the next real change saves.
    changed = _autosave(client, audit.id, {**data, "version": str(version), "strengths": "Changed."})
    assert changed["version"] == version + 1
