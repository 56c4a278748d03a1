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
from audit.answers.fields import (
    GovDateField,
    OptionRadioField,
    ScaleRadioField,
    WholeNumberField,
    answer_text,
    not_in_future,
    optional_answer,
)
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


@register
class ChoiceAnswer(AnswerKind):
    """One of the question's own options (``ToolQuestion.options``, from the tool file), with
    optional evidence. The answer stores the option's id; the form posts its key."""

    answer_type = AnswerType.CHOICE
    description = "one of a list"
    part = "option"
    has_evidence = True

    def form_fields(self, question: ToolQuestion, grade_choices: Sequence[SelectChoice]) -> dict[str, Field]:
        return {
            "option": OptionRadioField(
                question.text,
                description=question.guidance,
                choices=[SelectChoice(option.key, option.label) for option in question.options],
                validators=optional_answer(not question.required),
            ),
            "evidence": answer_text("Evidence (optional)", "", EVIDENCE_MAX),
        }

    def problems(self, answer: Answer, where: str, prefix: str, *, required: bool = True) -> list[tuple[str, str]]:
        problems = []
        if answer.option_id is None and required:
            problems.append((f"{prefix}_option", f"{where}: select an answer"))
        return problems + too_long(f"{prefix}_evidence", answer.evidence, f"{where}: evidence")

    def csv_text(self, answer: StoredAnswer, na_label: str) -> str:
        return answer.option_label or ""

    def demo_value(self, rng: random.Random, demo: DemoAnswer) -> dict[str, object]:
        options = demo.question.options if demo.question is not None else []
        if not options:
            return {}
        # Better-graded sections lean to the list's first options (tool files put the expected one first).
        index = min(len(options) - 1, int(rng.random() * (1 + demo.position)))
        return {"option_id": options[index].id}


# A number question without bounds of its own takes a count: 0 up to this.
NUMBER_HIGHEST = 99_999


def number_bounds(question: ToolQuestion) -> tuple[int, int]:
    """The lowest and highest numbers a question accepts: its own bounds, else 0 to NUMBER_HIGHEST."""
    lowest = question.number_min if question.number_min is not None else 0
    highest = question.number_max if question.number_max is not None else max(lowest, NUMBER_HIGHEST)
    return lowest, highest


@register
class NumberAnswer(AnswerKind):
    """A whole number (a count of visits, days or sessions), within the question's bounds."""

    answer_type = AnswerType.NUMBER
    description = "a number"
    part = "number"

    def form_fields(self, question: ToolQuestion, grade_choices: Sequence[SelectChoice]) -> dict[str, Field]:
        lowest, highest = number_bounds(question)
        return {
            "number": WholeNumberField(
                question.text,
                description=question.guidance,
                lowest=lowest,
                highest=highest,
                validators=optional_answer(not question.required),
            )
        }

    def problems(self, answer: Answer, where: str, prefix: str, *, required: bool = True) -> list[tuple[str, str]]:
        if answer.number_value is None:
            return [(f"{prefix}_number", f"{where}: enter a number")] if required else []
        lowest, highest = number_bounds(answer.question) if answer.question is not None else (0, NUMBER_HIGHEST)
        if not lowest <= answer.number_value <= highest:
            return [(f"{prefix}_number", f"{where}: the number must be between {lowest:,} and {highest:,}")]
        return []

    def csv_text(self, answer: StoredAnswer, na_label: str) -> str:
        return str(answer.number_value) if answer.number_value is not None else ""

    def demo_value(self, rng: random.Random, demo: DemoAnswer) -> dict[str, object]:
        lowest, highest = number_bounds(demo.question) if demo.question is not None else (0, 10)
        return {"number_value": rng.randint(lowest, min(highest, lowest + 10))}
