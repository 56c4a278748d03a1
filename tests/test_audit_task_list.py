"""The audit as a task list: a page per part, "Have you completed this section?", the count,
"Check your answers" and submission from it; each part's page saves that part alone."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from audit.extensions import db
from audit.models import Answer, Audit, AuditPartDone, AuditStatus, Role, SectionJudgement
from tests.audit_forms import audit_structure, complete_post
from tests.conftest import Client
from tests.pages import page_text, parse, text_of

JSON = {"Accept": "application/json"}


@pytest.fixture
def draft(app: Flask, client: Client, make: Any) -> dict[str, Any]:
    team = make.team("Task List Team")
    case = make.case(team, worker=make.user(Role.PRACTITIONER, team=team), reference="TASK-000001")
    auditor = make.user(Role.AUDITOR, team=make.team("Task List Quality"))
    audit = make.audit(case, auditor, tool="assessment-and-planning")
    client.sign_in_as(auditor)
    structure = audit_structure(app, audit.id)
    return {"audit": audit, "structure": structure, "auditor": auditor}


def _part_data(app: Flask, audit_id: int, number: int) -> dict[str, Any]:
    """What a part's page posts when every answer on it is given (plus the current version)."""
    structure = audit_structure(app, audit_id)
    full = complete_post(app, audit_id)
    sections = structure["sections"]
    if number <= len(sections):
        section_id, questions = sections[number - 1]
        prefixes = {f"q{question_id}_" for question_id, _ in questions} | {f"s{section_id}_"}
        data = {name: value for name, value in full.items() if any(name.startswith(p) for p in prefixes)}
    else:
        closing = ("overall_", "strengths", "areas_for_development", "child_family_feedback")
        data = {name: value for name, value in full.items() if name.startswith(closing)}
    return {**data, "version": str(structure["version"])}


def _tasks(client: Client, audit_id: int) -> tuple[str, list[tuple[str, str]]]:
    """The task list's count sentence and (title, status) of each part."""
    page = client.get_page(f"/audits/{audit_id}/edit")
    count = text_of(page.find(id="task-count"))
    rows = page.select("#main-content .govuk-task-list")[0].select(".govuk-task-list__item")
    parts = [
        (
            text_of(row.select_one(".govuk-task-list__name-and-hint")),
            text_of(row.select_one(".govuk-task-list__status")),
        )
        for row in rows
    ]
    return count, parts


def _done(app: Flask, audit_id: int) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(AuditPartDone.part).where(AuditPartDone.audit_id == audit_id)))


def _audit(app: Flask, audit_id: int) -> Audit:
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        assert audit is not None
        db.session.expunge(audit)
        return audit


def test_a_new_audit_is_a_task_list_of_its_sections_none_started(app, client, draft):
    audit, structure = draft["audit"], draft["structure"]
    sections = len(structure["sections"])

    count, parts = _tasks(client, audit.id)

    assert count == f"You have completed 0 of {sections + 1} sections."
    assert [status for _title, status in parts] == ["Not started"] * (sections + 1)
    assert parts[0][0] == "1. Assessment quality"
    assert parts[-1][0] == f"{sections + 1}. Overall grade and findings"
    page = client.get_page(f"/audits/{audit.id}/edit")
    assert "Check your answers and submit Complete every section first. Cannot start yet" in page_text(page)
    assert page.find("a", string="Check your answers and submit") is None


def test_a_part_page_saves_that_part_alone_and_keeps_the_others(app, client, draft):
    audit = draft["audit"]
    client.post(f"/audits/{audit.id}/autosave", data={"version": "1", "strengths": "Kept strengths"}, headers=JSON)
    data = _part_data(app, audit.id, 1)

    response = client.post(f"/audits/{audit.id}/edit/1", data=data)  # no answer to "completed?"

    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{audit.id}/edit"
    saved = _audit(app, audit.id)
    assert saved.strengths == "Kept strengths"  # the closing part was not on the page, so untouched
    section_id = draft["structure"]["sections"][0][0]
    with app.app_context():
        judgement = db.session.scalar(
            select(SectionJudgement).where(
                SectionJudgement.audit_id == audit.id, SectionJudgement.section_id == section_id
            )
        )
        assert judgement is not None and judgement.evidence == data[f"s{section_id}_evidence"]
    count, parts = _tasks(client, audit.id)
    assert count.startswith("You have completed 0 of")
    assert parts[0][1] == "In progress"  # answered but not marked complete
    assert parts[-1][1] == "In progress"  # strengths saved
    assert parts[1][1] == "Not started"


def test_marking_a_part_complete_checks_its_answers_and_keeps_them(app, client, draft):
    audit = draft["audit"]
    data = _part_data(app, audit.id, 1)
    first_question = draft["structure"]["sections"][0][1][0][0]
    del data[f"q{first_question}_evidence"]  # graded without evidence

    response = client.post(f"/audits/{audit.id}/edit/1", data={**data, "completed": "yes"})

    assert response.status_code == 200
    page = parse(response)
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None
    assert "enter the evidence for the grade" in text_of(summary)
    assert summary.find("a", href=f"#q{first_question}_evidence") is not None
    assert "Answer everything above before you mark this section as completed" in text_of(summary)
    assert _done(app, audit.id) == set()
    with app.app_context():  # what was given is saved all the same
        answer = db.session.scalar(
            select(Answer).where(Answer.audit_id == audit.id, Answer.question_id == first_question)
        )
        assert answer is not None and answer.grade_id is not None

    version = str(_audit(app, audit.id).version)
    again = client.post(
        f"/audits/{audit.id}/edit/1",
        data={**data, "version": version, f"q{first_question}_evidence": "Now given", "completed": "yes"},
    )
    assert again.status_code == 302
    section_id = draft["structure"]["sections"][0][0]
    assert _done(app, audit.id) == {f"s{section_id}"}
    count, parts = _tasks(client, audit.id)
    assert count.startswith("You have completed 1 of")
    assert parts[0][1] == "Completed"
    # "No, I'll come back to it later" takes the mark away.
    version = str(_audit(app, audit.id).version)
    client.post(f"/audits/{audit.id}/edit/1", data={**data, "version": version, "completed": "no"})
    assert _done(app, audit.id) == set()


def test_a_completed_part_emptied_by_autosave_is_in_progress_again(app, client, draft):
    audit = draft["audit"]
    data = _part_data(app, audit.id, 1)
    assert client.post(f"/audits/{audit.id}/edit/1", data={**data, "completed": "yes"}).status_code == 302
    section_id = draft["structure"]["sections"][0][0]
    version = str(_audit(app, audit.id).version)

    saved = client.post(
        f"/audits/{audit.id}/autosave",
        data={
            "version": version,
            "part": f"s{section_id}",
            **{**data, "version": version},
            f"s{section_id}_evidence": "",
        },
        headers=JSON,
    )

    assert saved.status_code == 200
    _count, parts = _tasks(client, audit.id)
    assert parts[0][1] == "In progress"


def test_an_invalid_entry_on_a_part_page_keeps_its_saved_value_and_says_why(app, client, draft):
    audit = draft["audit"]
    date_question = next(
        (number, question_id)
        for number, (_section, questions) in enumerate(draft["structure"]["sections"], start=1)
        for question_id, answer_type in questions
        if answer_type == "date"
    )
    number, question = date_question
    first = client.post(
        f"/audits/{audit.id}/edit/{number}", data={"version": "1", f"q{question}_date": ["3", "2", "2026"]}
    )
    assert first.status_code == 302

    response = client.post(
        f"/audits/{audit.id}/edit/{number}",
        data={
            "version": str(_audit(app, audit.id).version),
            f"q{question}_date": ["31", "2", "2026"],
            "completed": "yes",
        },
    )

    assert response.status_code == 200
    assert "must be a real date" in page_text(response)
    day = parse(response).find("input", attrs={"name": f"q{question}_date"})
    assert day is not None and day.get("value") == "31"  # what was typed is shown back
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.audit_id == audit.id, Answer.question_id == question))
        assert answer is not None and answer.date_value == date(2026, 2, 3)  # the saved value is kept
    assert _done(app, audit.id) == set()


@pytest.mark.parametrize("version", ["", None])
def test_a_part_page_saved_without_a_version_gets_the_conflict_page(app, client, draft, version):
    audit = draft["audit"]
    data = _part_data(app, audit.id, 1)
    client.post(f"/audits/{audit.id}/edit/1", data=data)
    before = _audit(app, audit.id).version
    data.pop("version")
    if version is not None:
        data["version"] = version

    response = client.post(f"/audits/{audit.id}/edit/1", data={**data, "s1_evidence": "From a page with no version"})

    assert response.status_code == 200
    assert "Your answers on this page have not been saved." in page_text(response)
    assert _audit(app, audit.id).version == before


def test_check_your_answers_submits_only_when_every_part_is_completed(app, client, draft):
    audit, structure = draft["audit"], draft["structure"]
    total = len(structure["sections"]) + 1
    for number in range(1, total):  # all but the closing part
        assert (
            client.post(
                f"/audits/{audit.id}/edit/{number}", data={**_part_data(app, audit.id, number), "completed": "yes"}
            ).status_code
            == 302
        )

    page = client.get_page(f"/audits/{audit.id}/check")
    assert "You cannot submit yet" in page_text(page)
    assert page.find("button", string=lambda s: s and "Submit audit" in s) is None
    refused = client.post(f"/audits/{audit.id}/check", data={})
    assert "Overall grade and findings: complete this section" in page_text(refused)
    assert _audit(app, audit.id).status == AuditStatus.IN_PROGRESS.value

    closing = _part_data(app, audit.id, total)
    assert client.post(f"/audits/{audit.id}/edit/{total}", data={**closing, "completed": "yes"}).status_code == 302
    count, _parts = _tasks(client, audit.id)
    assert count == f"You have completed {total} of {total} sections."
    check = client.get_page(f"/audits/{audit.id}/check")
    text = page_text(check)
    assert "Check your answers before you submit the audit" in text
    assert closing["strengths"] in text and closing["overall_rationale"] in text
    change = check.find("a", href=f"/audits/{audit.id}/edit/{total}#strengths")
    assert change is not None and text_of(change) == "Change strengths"

    submitted = client.post(f"/audits/{audit.id}/check", data={})

    assert submitted.status_code == 302 and submitted.headers["Location"] == f"/audits/{audit.id}"
    assert _audit(app, audit.id).status == AuditStatus.SUBMITTED.value
    assert client.get(f"/audits/{audit.id}/edit/1").headers["Location"] == f"/audits/{audit.id}"
    assert client.get(f"/audits/{audit.id}/check").headers["Location"] == f"/audits/{audit.id}"


def test_part_numbers_outside_the_tool_are_not_found(client, draft):
    audit = draft["audit"]
    assert client.get(f"/audits/{audit.id}/edit/0").status_code == 404
    assert client.get(f"/audits/{audit.id}/edit/99").status_code == 404
    assert client.get(f"/audits/{audit.id}/edit/99999999999").status_code == 404


def test_another_auditor_cannot_open_the_task_list_or_a_part(client, draft, make):
    audit = draft["audit"]
    client.sign_in_as(make.user(Role.AUDITOR, team=make.team("Elsewhere")))
    for url in (f"/audits/{audit.id}/edit", f"/audits/{audit.id}/edit/1", f"/audits/{audit.id}/check"):
        assert client.get(url).status_code == 404
