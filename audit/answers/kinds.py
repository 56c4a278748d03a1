"""The kinds of answer an audit question takes, one class each. A new kind of question is a new
class here (registered for a new ``AnswerType`` member) and its partial in ``templates/answers/``."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from wtforms import Field
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in types-WTForms 3.2
from wtforms.validators import Optional

from audit.answers.base import EVIDENCE_MAX, AnswerKind, DemoAnswer, StoredAnswer, register, too_long
from audit.answers.fields import GovDateField, ScaleRadioField, answer_text, not_in_future, optional_answer
from audit.clock import today
from audit.models import Answer, AnswerType, ToolQuestion

YES_NO_LABELS: dict[str, str] = {"yes": "Yes", "no": "No", "na": "Not applicable"}
YES_NO_CHOICES = [SelectChoice(value, label) for value, label in YES_NO_LABELS.items()]


@register
class GradeAnswer(AnswerKind):
    """A grade on the tool's scale (or not applicable), with the evidence for it."""

    answer_type = AnswerType.GRADE
    description = "graded, with evidence"
    part = "grade"
    has_evidence = True

    def form_fields(self, question: ToolQuestion, grade_choices: Sequence[SelectChoice]) -> dict[str, Field]:
        return {
            "grade": ScaleRadioField(
                question.text,
                description=question.guidance,
                choices=list(grade_choices),
                validators=optional_answer(not question.required),
            ),
            "evidence": answer_text(
                "Evidence",
                "What did you find in the record, and what difference did it make for the child?",
                EVIDENCE_MAX,
            ),
        }

    def problems(self, answer: Answer, where: str, prefix: str, *, required: bool = True) -> list[tuple[str, str]]:
        problems = []
        if answer.grade_id is None and not answer.not_applicable:
            if required:
                problems.append((f"{prefix}_grade", f"{where}: select a grade"))
        elif not answer.not_applicable and not (answer.evidence or "").strip():
            problems.append((f"{prefix}_evidence", f"{where}: enter the evidence for the grade"))
        return problems + too_long(f"{prefix}_evidence", answer.evidence, f"{where}: evidence")

    def csv_text(self, answer: StoredAnswer, na_label: str) -> str:
        if answer.grade_label is not None:
            return answer.grade_label
        return na_label if answer.not_applicable else ""

    def demo_value(self, rng: random.Random, demo: DemoAnswer) -> dict[str, object]:
        # Questions scatter a little around their section's grade.
        question_position = max(0, min(3, demo.position + rng.choice((-1, 0, 0, 0, 1))))
        return {
            "grade_id": demo.grades[question_position].id,
            "evidence": demo.evidence[question_position][demo.number % 2],
        }


@register
class YesNoAnswer(AnswerKind):
    """Yes, no or not applicable, with optional evidence."""

    answer_type = AnswerType.YES_NO_NA
    description = "yes, no or not applicable"
    part = "choice"
    has_evidence = True
    labels = YES_NO_LABELS

    def form_fields(self, question: ToolQuestion, grade_choices: Sequence[SelectChoice]) -> dict[str, Field]:
        return {
            "choice": ScaleRadioField(
                question.text,
                description=question.guidance,
                choices=YES_NO_CHOICES,
                validators=optional_answer(not question.required),
            ),
            "evidence": answer_text("Evidence (optional)", "", EVIDENCE_MAX),
        }

    def problems(self, answer: Answer, where: str, prefix: str, *, required: bool = True) -> list[tuple[str, str]]:
        problems = []
        if answer.choice is None and required:
            problems.append((f"{prefix}_choice", f"{where}: select yes, no or not applicable"))
        return problems + too_long(f"{prefix}_evidence", answer.evidence, f"{where}: evidence")

    def csv_text(self, answer: StoredAnswer, na_label: str) -> str:
        # "Not applicable" in the scale's own words, as a not-applicable grade is.
        return {"yes": "Yes", "no": "No", "na": na_label}[answer.choice] if answer.choice else ""

    def demo_value(self, rng: random.Random, demo: DemoAnswer) -> dict[str, object]:
        return {"choice": "yes" if rng.random() > demo.position * 0.2 else "no"}


@register
class DateAnswer(AnswerKind):
    """A date, today or earlier."""

    answer_type = AnswerType.DATE
    description = "a date"
    part = "date"

    def form_fields(self, question: ToolQuestion, grade_choices: Sequence[SelectChoice]) -> dict[str, Field]:
        return {
            "date": GovDateField(
                question.text,
                description=question.guidance,
                validators=[Optional(), not_in_future, *optional_answer(not question.required)],
            )
        }

    def problems(self, answer: Answer, where: str, prefix: str, *, required: bool = True) -> list[tuple[str, str]]:
        if answer.date_value is None:
            return [(f"{prefix}_date", f"{where}: enter the date")] if required else []
        if answer.date_value > today():
            return [(f"{prefix}_date", f"{where}: the date must be today or in the past")]
        return []

    def csv_text(self, answer: StoredAnswer, na_label: str) -> str:
        return answer.date_value.isoformat() if answer.date_value else ""

    def demo_value(self, rng: random.Random, demo: DemoAnswer) -> dict[str, object]:
        return {"date_value": demo.on - timedelta(days=rng.randint(5, 90))}


@register
class TextAnswer(AnswerKind):
    """Typed text."""

    answer_type = AnswerType.TEXT
    description = "free text"
    part = "text"
    long_answer = True

    def form_fields(self, question: ToolQuestion, grade_choices: Sequence[SelectChoice]) -> dict[str, Field]:
        return {"text": answer_text(question.text, question.guidance, EVIDENCE_MAX, optional=not question.required)}

    def problems(self, answer: Answer, where: str, prefix: str, *, required: bool = True) -> list[tuple[str, str]]:
        if required and not (answer.text_value or "").strip():
            return [(f"{prefix}_text", f"{where}: enter an answer")]
        return too_long(f"{prefix}_text", answer.text_value, f"{where}: answer")

    def csv_text(self, answer: StoredAnswer, na_label: str) -> str:
        return answer.text_value or ""

    def demo_value(self, rng: random.Random, demo: DemoAnswer) -> dict[str, object]:
        return {"text_value": "Recorded in the case file."}
