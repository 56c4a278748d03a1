"""Choice, number and optional date answers (issue 13) in the real tools: a value the question does
not accept is refused with a message beside its field and the saved value stays, on a section's
page and in autosave, never with a server error; an optional date may be left blank; and what is
saved reads back in words, on the page, in the PDF and in the CSV cell."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from audit.answers import StoredAnswer, answer_kind, number_bounds
from audit.extensions import db
from audit.models import Answer, Audit, AuditStatus, Role, ToolQuestion
from tests.audit_forms import audit_structure, complete_post
from tests.conftest import page_text

JSON = {"Accept": "application/json"}


@pytest.fixture
def people(make: Any) -> dict[str, Any]:
    team = make.team("Answer Team")
    case = make.case(team, worker=make.user(Role.PRACTITIONER, team=team), reference="ANS-000001")
    return {"case": case, "auditor": make.user(Role.AUDITOR, team=make.team("Answer Quality"))}


def _question(app, audit_id: int, key: str) -> tuple[int, int, ToolQuestion]:
    """The question's id, its section's number on the task list, and the question."""
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        for number, section in enumerate(audit.tool_version.sections, start=1):
            for question in section.questions:
                if question.key == key:
                    db.session.expunge_all()
                    return question.id, number, question
    raise AssertionError(key)


def _answer(app, audit_id: int, question_id: int) -> Answer | None:
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.audit_id == audit_id, Answer.question_id == question_id))
        if answer is not None:
            _ = answer.option
            db.session.expunge_all()
        return answer


def _version(app, audit_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Audit, audit_id).version)


def test_a_number_outside_its_bounds_or_not_a_number_keeps_the_saved_value(app, client, make, people) -> None:
    audit = make.audit(people["case"], people["auditor"], tool="child-protection")
    question_id, number, _ = _question(app, audit.id, "working-days-to-conference")
    client.sign_in_as(people["auditor"])
    url = f"/audits/{audit.id}/edit/{number}"
    field = f"q{question_id}_number"

    assert client.post(url, data={"version": "1", field: "14"}).status_code == 302
    assert _answer(app, audit.id, question_id).number_value == 14

    for typed, words in [
        ("fourteen", "must be a whole number"),
        ("3.5", "must be a whole number"),
        ("251", "must be between 0 and 250"),
        ("-1", "must be between 0 and 250"),
        ("99999999999999999999", "must be a whole number"),
    ]:
        page = client.post_page(url, data={"version": _version(app, audit.id), field: typed})
        message = page.select_one(f"#{field}-error")
        assert message is not None and words in message.get_text(), typed
        assert page.select_one(f'input[name="{field}"]')["value"] == typed  # what they typed, to put right
        assert _answer(app, audit.id, question_id).number_value == 14, typed

    # Autosave says the same beside the field, and keeps the saved value too.
    saved = client.post(
        f"/audits/{audit.id}/autosave", data={"version": _version(app, audit.id), field: "1,000"}, headers=JSON
    )
    assert saved.status_code == 200
    assert "must be between 0 and 250" in saved.get_json()["field_problems"][field]
    assert _answer(app, audit.id, question_id).number_value == 14

    # Thousands separators are fine where the number is in bounds; blank clears it.
    client.post(f"/audits/{audit.id}/autosave", data={"version": _version(app, audit.id), field: " 21 "}, headers=JSON)
    assert _answer(app, audit.id, question_id).number_value == 21
    client.post(f"/audits/{audit.id}/autosave", data={"version": _version(app, audit.id), field: ""}, headers=JSON)
    assert _answer(app, audit.id, question_id).number_value is None


def test_an_option_not_in_the_list_is_refused_and_the_saved_option_stays(app, client, make, people) -> None:
    audit = make.audit(people["case"], people["auditor"], tool="front-door-mash")
    question_id, number, _ = _question(app, audit.id, "dash-risk-level")
    client.sign_in_as(people["auditor"])
    url = f"/audits/{audit.id}/edit/{number}"
    field = f"q{question_id}_option"

    assert client.post(url, data={"version": "1", field: "high"}).status_code == 302
    assert _answer(app, audit.id, question_id).option.key == "high"

    page = client.post_page(url, data={"version": _version(app, audit.id), field: "extreme"})
    assert "Select one of the answers listed" in page.select_one(f"#{field}-error").get_text()
    assert _answer(app, audit.id, question_id).option.key == "high"

    # Another question's option key (or another version's) is not this question's option either.
    consent_id, _, _ = _question(app, audit.id, "consent-sought")
    response = client.post(url, data={"version": _version(app, audit.id), field: "dispensed-with-reasons"})
    assert response.status_code == 200
    assert _answer(app, audit.id, question_id).option.key == "high"
    assert _answer(app, audit.id, consent_id) is None

    # The page shows what is saved, checked.
    page = client.get_page(url)
    assert page.select_one(f'input[name="{field}"][checked]')["value"] == "high"


def test_an_unanswered_required_choice_or_number_stops_submission(app, client, make, people) -> None:
    audit = make.audit(people["case"], people["auditor"], tool="child-protection")
    client.sign_in_as(people["auditor"])
    outcome_id, _, _ = _question(app, audit.id, "enquiry-outcome")
    days_id, _, _ = _question(app, audit.id, "working-days-to-conference")
    data = complete_post(app, audit.id) | {"action": "submit"}
    del data[f"q{outcome_id}_option"]
    del data[f"q{days_id}_number"]
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    assert response.status_code == 200
    text = page_text(response)
    assert "Section 47 enquiry and its outcome, question 2: select an answer" in text
    assert "Initial child protection conference, question 1: enter a number" in text
    with app.app_context():
        assert db.session.get(Audit, audit.id).status == AuditStatus.IN_PROGRESS.value


def test_an_optional_date_may_be_left_blank_and_is_still_checked_when_given(app, client, make, people) -> None:
    audit = make.audit(people["case"], people["auditor"], tool="children-in-care")
    question_id, _, question = _question(app, audit.id, "last-health-assessment-date")
    assert question.answer_type == "date" and question.required is False
    client.sign_in_as(people["auditor"])
    field = f"q{question_id}_date"

    page = client.get_page(f"/audits/{audit.id}/edit/all")
    legend = page.select_one(f'input[name="{field}"]').find_parent("fieldset").select_one("legend")
    assert legend.get_text(" ", strip=True).endswith("(optional)")

    data = complete_post(app, audit.id) | {"action": "submit", field: ["32", "13", "2025"]}
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    assert "must be a real date" in page_text(response)

    data = complete_post(app, audit.id) | {"action": "submit", field: ["", "", ""]}
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    assert response.status_code == 302, page_text(response)[:2000]
    with app.app_context():
        assert db.session.get(Audit, audit.id).status == AuditStatus.SUBMITTED.value
    assert _answer(app, audit.id, question_id).date_value is None
    assert "Not answered" in page_text(client.get(f"/audits/{audit.id}"))


def test_choices_and_numbers_read_back_in_words_on_check_your_answers(app, client, make, people) -> None:
    audit = make.audit(people["case"], people["auditor"], tool="care-leavers")
    client.sign_in_as(people["auditor"])
    where_id, _, _ = _question(app, audit.id, "where-living")
    contacts_id, _, _ = _question(app, audit.id, "contacts-last-six-months")
    data = complete_post(app, audit.id) | {f"q{where_id}_option": "supported-lodgings", f"q{contacts_id}_number": "5"}
    for number in range(1, len(audit_structure(app, audit.id)["sections"]) + 2):
        data["version"] = _version(app, audit.id)
        response = client.post(f"/audits/{audit.id}/edit/{number}", data=data | {"completed": "yes"})
        assert response.status_code == 302, page_text(response)[:2000]
    check = client.get_page(f"/audits/{audit.id}/check")
    rows = {
        " ".join(row.select_one("dt").get_text(" ", strip=True).split()): row.select_one("dd").get_text(" ", strip=True)
        for row in check.select(".govuk-summary-list__row")
        if row.select_one("dt") and row.select_one("dd")
    }
    assert any(
        key.endswith("Where is the young person living now?") and value == "Supported lodgings"
        for key, value in rows.items()
    )
    assert any("How many times has the personal adviser" in key and value == "5" for key, value in rows.items())


def test_the_csv_cell_and_submission_check_of_each_new_kind() -> None:
    choice, number = answer_kind("choice"), answer_kind("number")
    stored = StoredAnswer(None, False, None, None, None, "High", None)
    assert choice.csv_value(stored, "N/A") == "High"
    assert number.csv_value(StoredAnswer(None, False, None, None, None, None, 0), "N/A") == "0"
    assert number.csv_value(StoredAnswer(None, False, None, None, None), "N/A") == ""
    # A number saved out of its question's bounds (put in by hand, say) stops submission.
    question = ToolQuestion(number_min=1, number_max=5)
    assert number_bounds(question) == (1, 5)
    assert number_bounds(ToolQuestion()) == (0, 99_999)
    answer = Answer(not_applicable=False, number_value=9, question=question)
    assert [name for name, _ in number.problems(answer, "Q", "q9", required=False)] == ["q9_number"]
    assert number.problems(Answer(not_applicable=False, number_value=3, question=question), "Q", "q9") == []
    assert choice.problems(Answer(not_applicable=False, evidence="x" * 5001), "Q", "q9", required=False)[0][0] == (
        "q9_evidence"
    )


def test_the_demo_values_of_the_new_kinds_fit_their_question(app) -> None:
    import random

    from audit.answers.base import DemoAnswer

    with app.app_context():
        questions = db.session.scalars(select(ToolQuestion).where(ToolQuestion.answer_type.in_(["choice", "number"])))
        rng = random.Random(4)
        for question in questions:
            demo = DemoAnswer(position=1, number=0, grades=[], evidence={}, on=date(2026, 1, 5), question=question)
            value = answer_kind(question.answer_type).demo_value(rng, demo)
            if question.answer_type == "choice":
                assert value["option_id"] in {option.id for option in question.options}
            else:
                lowest, highest = number_bounds(question)
                assert lowest <= value["number_value"] <= highest
