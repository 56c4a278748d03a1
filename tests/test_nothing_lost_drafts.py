"""A draft save never loses saved words: a field posted with an invalid value keeps its saved value
(and says why), and a save that does not say which version it was made from is a conflict, never an
overwrite. For audits and supervision records, by autosave and by the full form post."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import (
    Answer,
    Audit,
    AuditAmendment,
    AuditStatus,
    Role,
    SupervisionAmendment,
    SupervisionCase,
    SupervisionRecord,
)
from tests.audit_forms import audit_structure, complete_post, first_graded_question
from tests.conftest import Client
from tests.pages import page_text, parse

TODAY = date.today()
TOO_LONG = "x" * 5001
JSON = {"Accept": "application/json"}
ROUTES = ["autosave", "edit/all"]
# An audit's one-page form; its section pages are tested in tests/test_audit_task_list.py.
AUDIT_ROUTES = ["autosave", "edit/all"]
NO_VERSION = [pytest.param("", id="empty-version"), pytest.param(None, id="missing-version")]


def _post(client: Client, url: str, data: dict[str, Any], version: str | None) -> Any:
    data = dict(data)
    data.pop("version", None)
    if version is not None:
        data["version"] = version
    if url.endswith("/autosave"):
        return client.post(url, data=data, headers=JSON)
    return client.post(url, data={**data, "action": "save"})


def _overwrite_value(response: Any) -> str:
    field = parse(response).find("input", attrs={"name": "overwrite"})
    assert field is not None
    return str(field["value"])


def _assert_conflict(response: Any, route: str, unsaved: str) -> None:
    if route == "autosave":
        assert response.status_code == 409
        body = response.get_json()
        assert body["error"] == "conflict"
        assert "Your latest changes have not been saved." in body["message"]
    else:
        assert response.status_code == 200
        assert unsaved in page_text(response)


# Audits ------------------------------------------------------------------------------------------


@pytest.fixture
def saved_audit(app: Flask, client: Client, make: Any) -> dict[str, Any]:
    """A draft audit (the tool with a date question) with saved evidence, a saved date and strengths."""
    team = make.team("Drafts Team")
    case = make.case(team, worker=make.user(Role.PRACTITIONER, team=team), reference="KEEP-000001")
    auditor = make.user(Role.AUDITOR, team=make.team("Drafts Quality"))
    audit = make.audit(case, auditor, tool="assessment-and-planning")
    question = first_graded_question(app, audit.id)
    date_question = next(
        question_id
        for _section, questions in audit_structure(app, audit.id)["sections"]
        for question_id, answer_type in questions
        if answer_type == "date"
    )
    client.sign_in_as(auditor)
    first = client.post(
        f"/audits/{audit.id}/autosave",
        data={
            "version": "1",
            f"q{question}_evidence": "Saved evidence",
            f"q{date_question}_date": ["3", "2", "2026"],
            "strengths": "Saved strengths",
        },
        headers=JSON,
    )
    assert first.status_code == 200 and first.get_json()["problems"] == []
    return {"audit": audit, "question": question, "date_question": date_question}


def _audit_state(app: Flask, audit_id: int, question: int, date_question: int) -> tuple[Any, ...]:
    with app.app_context():
        answers = {
            answer.question_id: answer
            for answer in db.session.scalars(select(Answer).where(Answer.audit_id == audit_id))
        }
        audit = db.session.get(Audit, audit_id)
        assert audit is not None
        return (audit.version, answers[question].evidence, answers[date_question].date_value, audit.strengths)


@pytest.mark.parametrize("route", AUDIT_ROUTES)
def test_an_invalid_audit_field_keeps_its_saved_value_and_says_why(
    app: Flask, client: Client, saved_audit: dict[str, Any], route: str
) -> None:
    audit, question, date_question = saved_audit["audit"], saved_audit["question"], saved_audit["date_question"]
    response = _post(
        client,
        f"/audits/{audit.id}/{route}",
        {
            f"q{question}_evidence": TOO_LONG,
            f"q{date_question}_date": ["31", "2", "2026"],
            "strengths": "Strengths typed alongside",
        },
        version="2",
    )
    assert response.status_code == 200
    messages = response.get_json()["problems"] if route == "autosave" else [page_text(response)]
    assert any("must be 5,000 characters or fewer" in message for message in messages)
    assert any("must be a real date" in message for message in messages)
    if route == "autosave":  # by field name too, so the page says "Not saved" next to each field
        by_field = response.get_json()["field_problems"]
        assert set(by_field) == {f"q{question}_evidence", f"q{date_question}_date"}
        assert "must be a real date" in by_field[f"q{date_question}_date"]
    if route == "edit/all":  # what was typed is shown back, to be corrected
        page = parse(response)
        evidence = page.find("textarea", attrs={"name": f"q{question}_evidence"})
        assert evidence is not None and evidence.get_text() == TOO_LONG
        day = page.find("input", attrs={"name": f"q{date_question}_date"})
        assert day is not None and day.get("value") == "31"
    # Saved: the valid field changed; the invalid ones kept what was saved before.
    assert _audit_state(app, audit.id, question, date_question) == (
        3,
        "Saved evidence",
        date(2026, 2, 3),
        "Strengths typed alongside",
    )


@pytest.mark.parametrize("version", NO_VERSION)
@pytest.mark.parametrize("route", AUDIT_ROUTES)
def test_an_audit_save_without_a_version_is_a_conflict_that_changes_nothing(
    app: Flask, client: Client, saved_audit: dict[str, Any], route: str, version: str | None
) -> None:
    audit, question, date_question = saved_audit["audit"], saved_audit["question"], saved_audit["date_question"]
    before = _audit_state(app, audit.id, question, date_question)
    url = f"/audits/{audit.id}/{route}"
    response = _post(client, url, {f"q{question}_evidence": "From a page with no version"}, version)
    _assert_conflict(response, route, "Your answers below have not been saved.")
    assert _audit_state(app, audit.id, question, date_question) == before

    if route == "edit/all":  # having seen the conflict, the user may deliberately save over it
        overwrite = _overwrite_value(response)
        assert overwrite == str(before[0])
        again = client.post(
            url,
            data={
                "version": version or "",
                "overwrite": overwrite,
                "action": "save",
                f"q{question}_evidence": "Saved over it",
            },
        )
        assert again.status_code == 302
        assert _audit_state(app, audit.id, question, date_question)[1] == "Saved over it"


@pytest.mark.parametrize("version", NO_VERSION)
def test_an_audit_amendment_without_a_version_is_a_conflict(
    app: Flask, client: Client, saved_audit: dict[str, Any], version: str | None
) -> None:
    audit = saved_audit["audit"]
    data = complete_post(app, audit.id)
    submitted = client.post(f"/audits/{audit.id}/edit/all", data=data | {"action": "submit"})
    assert submitted.status_code == 302
    data.pop("version")
    if version is not None:
        data["version"] = version
    response = client.post(
        f"/audits/{audit.id}/amend",
        data=data | {"strengths": "Amended from a page with no version", "amendment_reason": "Typo"},
    )
    assert response.status_code == 200
    assert "Your answers below have not been saved." in page_text(response)
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        assert saved is not None and saved.status == AuditStatus.SUBMITTED.value
        assert saved.strengths == data["strengths"]
        count = select(func.count()).select_from(AuditAmendment).where(AuditAmendment.audit_id == audit.id)
        assert db.session.scalar(count) == 0


# Supervision records -----------------------------------------------------------------------------


@pytest.fixture
def saved_record(client: Client, make: Any) -> dict[str, Any]:
    """A draft case supervision with a saved duration, next date and case discussion."""
    team = make.team("Drafts Supervision")
    supervisor = make.user(Role.SUPERVISOR, team=team)
    worker = make.user(Role.PRACTITIONER, team=team)
    case = make.case(team, worker=worker, reference="KEEP-000002")
    record = make.supervision(
        supervisor,
        worker,
        cases=[case],
        start_time=time(14, 30),
        duration_minutes=60,
        next_supervision_date=TODAY + timedelta(days=28),
        previous_actions_review="Saved review",
    )
    client.sign_in_as(supervisor)
    return {"record": record, "case": case}


def _day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def _record_form(case_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "cases": [str(case_id)],
        "held_on": _day(TODAY),
        "start_time": "14:30",
        "duration_minutes": "60",
        "next_supervision_date": _day(TODAY + timedelta(days=28)),
        "previous_actions_review": "Saved review",
        f"c{case_id}_current_situation": "Current situation of KEEP-000002.",
        f"c{case_id}_decision": "Decision for KEEP-000002.",
        f"c{case_id}_decision_rationale": "Rationale for KEEP-000002.",
        **changes,
    }


def _record_state(app: Flask, record_id: int) -> tuple[Any, ...]:
    with app.app_context():
        record = db.session.get(SupervisionRecord, record_id)
        assert record is not None
        discussed = db.session.scalar(select(SupervisionCase).where(SupervisionCase.record_id == record_id))
        assert discussed is not None
        return (
            record.version,
            record.duration_minutes,
            record.next_supervision_date,
            discussed.current_situation,
            record.previous_actions_review,
        )


@pytest.mark.parametrize("route", ROUTES)
def test_an_invalid_supervision_field_keeps_its_saved_value_and_says_why(
    app: Flask, client: Client, saved_record: dict[str, Any], route: str
) -> None:
    record, case = saved_record["record"], saved_record["case"]
    version = record.version
    response = _post(
        client,
        f"/supervision/{record.id}/{route}",
        _record_form(
            case.id,
            duration_minutes="90 mins",
            next_supervision_date=["31", "2", "2026"],
            previous_actions_review="Review typed alongside",
            **{f"c{case.id}_current_situation": TOO_LONG},
        ),
        version=str(version),
    )
    assert response.status_code == 200
    messages = response.get_json()["problems"] if route == "autosave" else [page_text(response)]
    assert any("Duration in minutes must be a whole number, like 90" in message for message in messages)
    assert any("must be a real date" in message for message in messages)
    assert any("must be 5,000 characters or fewer" in message for message in messages)
    if route == "edit/all":  # what was typed is shown back, to be corrected
        page = parse(response)
        duration = page.find("input", attrs={"name": "duration_minutes"})
        assert duration is not None and duration.get("value") == "90 mins"
        situation = page.find("textarea", attrs={"name": f"c{case.id}_current_situation"})
        assert situation is not None and situation.get_text() == TOO_LONG
    assert _record_state(app, record.id) == (
        version + 1,
        60,
        TODAY + timedelta(days=28),
        "Current situation of KEEP-000002.",
        "Review typed alongside",
    )


@pytest.mark.parametrize("version", NO_VERSION)
@pytest.mark.parametrize("route", ROUTES)
def test_a_supervision_save_without_a_version_is_a_conflict_that_changes_nothing(
    app: Flask, client: Client, saved_record: dict[str, Any], route: str, version: str | None
) -> None:
    record, case = saved_record["record"], saved_record["case"]
    before = _record_state(app, record.id)
    url = f"/supervision/{record.id}/{route}"
    typed = _record_form(case.id, duration_minutes="75", previous_actions_review="From a page with no version")
    response = _post(client, url, typed, version)
    _assert_conflict(response, route, "What you entered below has not been saved.")
    assert _record_state(app, record.id) == before

    if route == "edit/all":  # having seen the conflict, the user may deliberately save over it
        overwrite = _overwrite_value(response)
        assert overwrite == str(before[0])
        again = client.post(url, data={**typed, "version": version or "", "overwrite": overwrite, "action": "save"})
        assert again.status_code == 302
        assert _record_state(app, record.id)[1] == 75


@pytest.mark.parametrize("version", NO_VERSION)
def test_a_supervision_amendment_without_a_version_is_a_conflict(
    app: Flask, client: Client, make: Any, version: str | None
) -> None:
    team = make.team("Amending Supervision")
    supervisor = make.user(Role.SUPERVISOR, team=team)
    worker = make.user(Role.PRACTITIONER, team=team)
    case = make.case(team, worker=worker, reference="KEEP-000003")
    record = make.supervision(supervisor, worker, status="completed", cases=[case], duration_minutes=60)
    client.sign_in_as(supervisor)
    data = _record_form(case.id, duration_minutes="75", amendment_reason="Times corrected")
    if version is not None:
        data["version"] = version
    response = client.post(f"/supervision/{record.id}/amend", data=data)
    assert response.status_code == 200
    assert "What you entered below has not been saved." in page_text(response)
    with app.app_context():
        saved = db.session.get(SupervisionRecord, record.id)
        assert saved is not None and saved.duration_minutes == 60
        count = (
            select(func.count()).select_from(SupervisionAmendment).where(SupervisionAmendment.record_id == record.id)
        )
        assert db.session.scalar(count) == 0
