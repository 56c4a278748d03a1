"""What every kind of answer knows, and the registry that finds a question's kind by its stored
answer type."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date
from typing import ClassVar, NamedTuple

from wtforms import Field
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in types-WTForms 3.2

from audit.models import Answer, AnswerType, ScaleGrade, ToolQuestion

NOT_APPLICABLE = "na"  # the form's value for a grade of "not applicable"
EVIDENCE_MAX = 5000  # the longest evidence or typed answer, in characters


class StoredAnswer(NamedTuple):
    """An answer as the CSV export reads it: the grade's and the option's labels rather than their
    ids. The last two have defaults so that an export written before them still builds one."""

    grade_label: str | None
    not_applicable: bool
    choice: str | None
    date_value: date | None
    text_value: str | None
    option_label: str | None = None
    number_value: int | None = None


class DemoAnswer(NamedTuple):
    """What the demo generator knows when it makes up an answer: the section's grade position
    (0 best .. 3 worst), the question's place in its section, the scale's grades, example evidence
    by grade position, and the day the audit was submitted; and the question itself, whose
    options a choice and whose bounds a number need."""

    position: int
    number: int
    grades: Sequence[ScaleGrade]
    evidence: Mapping[int, Sequence[str]]
    on: date
    question: ToolQuestion | None = None


class AnswerKind:
    """One kind of question answer (a grade, yes/no/not applicable, one of a list of options, a
    number, a date, typed text): its form
    field, what submission requires of it, how it reads on the page and in the PDF (the partial
    ``template``), its CSV cell and the synthetic answer the demo council gives.

    An answer is stored in the columns of ``Answer``; ``part`` names the form field and the column
    group that hold it (field names are ``q<question id>_<part>``)."""

    answer_type: ClassVar[AnswerType]
    description: ClassVar[str]  # what the question asks for, as the tool's page lists it
    part: ClassVar[str]
    has_evidence: ClassVar[bool] = False
    long_answer: ClassVar[bool] = False  # typed text: the PDF shows it under the question, not beside it

    @property
    def template(self) -> str:
        """The partial whose macros render this kind: ``field``, ``show`` and ``pdf``."""
        return f"answers/{self.answer_type.value}.html"

    @property
    def parts(self) -> tuple[str, ...]:
        return (self.part, "evidence") if self.has_evidence else (self.part,)

    def form_fields(self, question: ToolQuestion, grade_choices: Sequence[SelectChoice]) -> dict[str, Field]:
        """Unbound form fields by part: the answer's own, and its evidence box if it has one."""
        raise NotImplementedError

    def problems(self, answer: Answer, where: str, prefix: str, *, required: bool = True) -> list[tuple[str, str]]:
        """What stops a saved answer being submitted, as (field name, message). An optional
        question (``required`` false) may be left blank, but what was given is still checked."""
        raise NotImplementedError

    def csv_text(self, answer: StoredAnswer, na_label: str) -> str:
        """This kind's value in words ("" when it has none); ``na_label`` is the scale's own words."""
        raise NotImplementedError

    def csv_value(self, answer: StoredAnswer, na_label: str) -> str:
        """The export's cell: this kind's value, or else whatever another kind's columns hold, so
        that the export never hides a stored value (one put right by hand, say)."""
        if text := self.csv_text(answer, na_label):
            return text
        others = (kind.csv_text(answer, na_label) for kind in ANSWER_KINDS.values() if kind is not self)
        return next((text for text in others if text), "")

    def demo_value(self, rng: random.Random, demo: DemoAnswer) -> dict[str, object]:
        """The stored columns of a synthetic answer (see ``DemoAnswer``)."""
        raise NotImplementedError


def too_long(name: str, text: str | None, label: str) -> list[tuple[str, str]]:
    if text and len(text) > EVIDENCE_MAX:
        return [(name, f"{label} must be {EVIDENCE_MAX:,} characters or fewer")]
    return []


ANSWER_KINDS: dict[AnswerType, AnswerKind] = {}


def register(kind: type[AnswerKind]) -> type[AnswerKind]:
    """Class decorator: make a kind the one for its answer type."""
    if kind.answer_type in ANSWER_KINDS:
        raise ValueError(f"{kind.answer_type} already has an answer kind")
    ANSWER_KINDS[kind.answer_type] = kind()
    return kind


def answer_kind(answer_type: AnswerType | str) -> AnswerKind:
    """The kind of answer a question with this stored answer type takes."""
    return ANSWER_KINDS[AnswerType(answer_type)]
