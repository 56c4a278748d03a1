"""Building the post an auditor's browser would send for an audit form."""

from __future__ import annotations

from typing import Any

from flask import Flask

from audit.domain.audits import audit_with_everything


def audit_structure(app: Flask, audit_id: int) -> dict[str, Any]:
    """The audit's version, questions (id, answer type) and sections, read from the database; and
    each choice question's option keys, in order."""
    with app.app_context():
        audit = audit_with_everything(audit_id)
        return {
            "version": audit.version,
            "asks_overall_grade": audit.tool_version.asks_overall_grade,
            "sections": [
                (section.id, [(question.id, question.answer_type) for question in section.questions])
                for section in audit.tool_version.sections
            ],
            "options": {
                question.id: [option.key for option in question.options]
                for section in audit.tool_version.sections
                for question in section.questions
            },
        }


def complete_post(
    app: Flask, audit_id: int, *, grade: str = "good", text: str = "Seen in the record"
) -> dict[str, Any]:
    """Every question answered, every section judged, the closing parts filled in."""
    structure = audit_structure(app, audit_id)
    data: dict[str, Any] = {"version": str(structure["version"])}
    for section_id, questions in structure["sections"]:
        for question_id, answer_type in questions:
            if answer_type == "grade":
                data[f"q{question_id}_grade"] = grade
                data[f"q{question_id}_evidence"] = f"{text} (question {question_id})"
            elif answer_type == "yes_no_na":
                data[f"q{question_id}_choice"] = "yes"
            elif answer_type == "date":
                data[f"q{question_id}_date"] = ["3", "2", "2026"]
            elif answer_type == "choice":
                data[f"q{question_id}_option"] = structure["options"][question_id][0]
            elif answer_type == "number":
                data[f"q{question_id}_number"] = "2"
            else:
                data[f"q{question_id}_text"] = text
        data[f"s{section_id}_grade"] = grade
        data[f"s{section_id}_evidence"] = f"{text} (section {section_id})"
    if structure["asks_overall_grade"]:
        data["overall_grade"] = grade
        data["overall_rationale"] = "The child's plan is making a difference."
    data["strengths"] = "The child's voice is clear throughout."
    data["areas_for_development"] = "Fathers should be contacted sooner."
    return data


def first_graded_question(app: Flask, audit_id: int) -> int:
    for _section_id, questions in audit_structure(app, audit_id)["sections"]:
        for question_id, answer_type in questions:
            if answer_type == "grade":
                return question_id
    raise AssertionError("the tool has no graded question")
