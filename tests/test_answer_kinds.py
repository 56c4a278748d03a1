"""The kinds of answer (audit.answers): one class for every answer type, and a round trip through
each kind, from the value an auditor posts to what is stored and how it reads on the page, in the
PDF and in the CSV export."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from audit.answers import ANSWER_KINDS, AnswerKind, StoredAnswer, answer_kind
from audit.domain.tools import load_definition
from audit.extensions import db
from audit.models import Answer, AnswerType, Role, ToolQuestion

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
NA_LABEL = "Not relevant to this child"

# What a kind's question needs beyond its text: a choice's options, a number's bounds.
EXTRA: dict[str, dict[str, Any]] = {
    "choice": {"options": [{"key": "high", "label": "High risk"}, {"key": "standard", "label": "Standard risk"}]},
    "number": {"min": 0, "max": 20},
}

# A tool with one question of every kind (no shipped tool asks for typed text).
TOOL: dict[str, Any] = {
    "slug": "every-kind-of-answer",
    "name": "Every kind of answer",
    "version": 1,
    "description": "A tool for tests.",
    "asks_overall_grade": False,
    "scale": {
        "key": "two-point",
        "name": "Two-point scale",
        "not_applicable": NA_LABEL,
        "grades": [
            {"key": "good", "label": "Good", "good_or_better": True},
            {"key": "poor", "label": "Poor", "good_or_better": False},
        ],
    },
    "sections": [
        {
            "key": "all",
            "title": "All kinds",
            "theme": "All kinds",
            "guidance": "Answer each.",
            "questions": [
                {"key": kind.value, "text": f"A {kind.value} question?", "guidance": "Look.", "answer": kind.value}
                | (EXTRA.get(kind.value) or {})
                for kind in AnswerType
            ],
        }
    ],
}


def test_every_answer_type_has_one_kind_with_its_partial() -> None:
    assert set(ANSWER_KINDS) == set(AnswerType)
    for answer_type in AnswerType:
        kind = answer_kind(answer_type.value)
        assert isinstance(kind, AnswerKind)
        assert kind.answer_type is answer_type
        assert answer_kind(answer_type) is kind
        assert kind.description
        assert kind.parts[0] == kind.part
        assert (TEMPLATES / kind.template).is_file(), kind.template
        text = (TEMPLATES / kind.template).read_text()
        for macro in ("field", "show", "pdf"):
            assert f"{{% macro {macro}(kind, " in text, (kind.template, macro)


# (answer type, the posted parts, what is stored, the page's words, the CSV cell)
ROUND_TRIPS = [
    (
        "grade",
        {"grade": "good", "evidence": "Seen alone."},
        {"grade": "good", "evidence": "Seen alone."},
        "Good",
        "Good",
    ),
    ("grade", {"grade": "na"}, {"grade": None, "not_applicable": True}, NA_LABEL, NA_LABEL),
    ("yes_no_na", {"choice": "no", "evidence": "None."}, {"choice": "no", "evidence": "None."}, "No", "No"),
    ("yes_no_na", {"choice": "na"}, {"choice": "na"}, "Not applicable", NA_LABEL),
    ("date", {"date": ["3", "2", "2026"]}, {"date_value": date(2026, 2, 3)}, "3 February 2026", "2026-02-03"),
    (
        "choice",
        {"option": "standard", "evidence": "DASH on file."},
        {"option_key": "standard"},
        "Standard risk",
        "Standard risk",
    ),
    ("number", {"number": "7"}, {"number_value": 7}, "7", "7"),
    (
        "text",
        {"text": "Recorded on file."},
        {"text_value": "Recorded on file."},
        "Recorded on file.",
        "Recorded on file.",
    ),
]


@pytest.mark.parametrize(("answer_type", "posted", "stored", "words", "cell"), ROUND_TRIPS)
def test_an_answer_round_trips_from_the_form_to_the_page_the_pdf_and_the_csv(
    app, client, make, answer_type, posted, stored, words, cell
) -> None:
    with app.app_context():
        load_definition(TOOL, "test")
        db.session.commit()
    team = make.team("Safeguarding Test")
    case = make.case(team, reference="KIND-000001")
    auditor = make.user(Role.AUDITOR, team=make.team("Quality Test"))
    audit = make.audit(case, auditor, tool=TOOL["slug"])
    with app.app_context():
        question = db.session.scalar(
            select(ToolQuestion).where(ToolQuestion.key == answer_type, ToolQuestion.section.has(key="all"))
        )
        question_id = question.id
    kind = answer_kind(answer_type)

    # The form: the kind's own fields, posted as a browser would, saved as a draft.
    client.sign_in_as(auditor)
    data = {"version": "1", "action": "save"} | {f"q{question_id}_{part}": value for part, value in posted.items()}
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]

    with app.test_request_context():
        answer = db.session.scalar(select(Answer).where(Answer.audit_id == audit.id, Answer.question_id == question_id))
        grades = {grade.id: grade for grade in answer.audit.tool_version.scale.grades}
        for name, value in stored.items():
            if name == "grade":
                assert (answer.grade.key if answer.grade else None) == value
            elif name == "option_key":
                assert (answer.option.key if answer.option else None) == value
            else:
                assert getattr(answer, name) == value, name
        assert kind.problems(answer, "Q", f"q{question_id}") == []

        def grade_label(grade_id: int | None, not_applicable: bool = False) -> str:
            return NA_LABEL if not_applicable else grades[grade_id].label if grade_id else "Not answered"

        view = SimpleNamespace(
            grade=lambda grade_id, not_applicable=False: SimpleNamespace(
                label=grade_label(grade_id, not_applicable), tone="good"
            )
        )
        render = app.jinja_env.get_template(kind.template).module
        assert words in str(render.show(kind, answer, grade_label))  # type: ignore[attr-defined]
        assert words in str(render.pdf(kind, answer, view))  # type: ignore[attr-defined]
        grade = grades.get(answer.grade_id) if answer.grade_id else None
        row = StoredAnswer(
            grade.label if grade else None,
            answer.not_applicable,
            answer.choice,
            answer.date_value,
            answer.text_value,
            answer.option.label if answer.option else None,
            answer.number_value,
        )
        assert kind.csv_value(row, NA_LABEL) == cell

    # The form shows what was saved.
    page = client.get(f"/audits/{audit.id}/edit/all").get_data(as_text=True)
    assert f'name="q{question_id}_{kind.part}"' in page


@pytest.mark.parametrize("answer_type", [kind.value for kind in AnswerType])
def test_an_unanswered_question_stops_submission(answer_type: str) -> None:
    problems = answer_kind(answer_type).problems(Answer(not_applicable=False), "Section, question 1", "q9")
    assert problems and all(name.startswith("q9_") and "Section, question 1" in text for name, text in problems)


# Optional questions (``required = false``): blank is allowed, what is given is still checked.


@pytest.mark.parametrize("answer_type", [kind.value for kind in AnswerType])
def test_an_optional_question_left_blank_does_not_stop_submission(answer_type: str) -> None:
    blank = Answer(not_applicable=False)
    assert answer_kind(answer_type).problems(blank, "Section, question 1", "q9", required=False) == []


@pytest.mark.parametrize(
    ("answer_type", "given", "field", "words"),
    [
        ("grade", {"grade_id": 1}, "q9_evidence", "enter the evidence for the grade"),
        ("grade", {"evidence": "x" * 5001}, "q9_evidence", "5,000 characters or fewer"),
        ("yes_no_na", {"evidence": "x" * 5001}, "q9_evidence", "5,000 characters or fewer"),
        ("date", {"date_value": date(2999, 1, 1)}, "q9_date", "today or in the past"),
        ("text", {"text_value": "x" * 5001}, "q9_text", "5,000 characters or fewer"),
    ],
)
def test_an_optional_question_still_checks_what_was_given(
    answer_type: str, given: dict[str, Any], field: str, words: str
) -> None:
    answer = Answer(not_applicable=False, **given)
    problems = answer_kind(answer_type).problems(answer, "Section, question 1", "q9", required=False)
    assert [name for name, _ in problems] == [field]
    assert words in problems[0][1]


OPTIONAL_TOOL: dict[str, Any] = TOOL | {
    "slug": "every-kind-optional",
    "name": "Every kind of answer, optional",
    "sections": [
        section
        | {
            "questions": [
                question | {"key": f"{question['key']}-optional", "required": False}
                for question in section["questions"]
            ]
            + section["questions"]
        }
        for section in TOOL["sections"]
    ],
}


def test_the_form_says_optional_on_optional_questions_only(app, client, make) -> None:
    with app.app_context():
        load_definition(OPTIONAL_TOOL, "test")
        db.session.commit()
    case = make.case(make.team("Safeguarding Test"), reference="KIND-000002")
    auditor = make.user(Role.AUDITOR, team=make.team("Quality Test"))
    audit = make.audit(case, auditor, tool=OPTIONAL_TOOL["slug"])
    client.sign_in_as(auditor)
    page = client.get_page(f"/audits/{audit.id}/edit/all")
    # Each question's legend (or, for typed text, its label): numbered, with the question's text.
    labels = [
        " ".join(node.get_text(" ", strip=True).split())
        for node in page.select(".app-audit-question legend, .app-audit-question label.govuk-label--s")
    ]
    for number, question in enumerate(OPTIONAL_TOOL["sections"][0]["questions"], start=1):
        label = next(text for text in labels if text.startswith(f"{number}. {question['text']}"))
        optional = question.get("required", True) is False
        assert label.endswith("(optional)") == optional, label
