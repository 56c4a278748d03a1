"""Kinds of answer to an audit question, one class each (as indico's registration-form fields
are): grade, yes/no/not applicable, choice (one of the question's own options), number, date and
text. Each knows its form field, what submission requires, its page and PDF rendering (a partial
in ``templates/answers/``), its CSV cell and its demo value, so that the forms, the domain, the
reports, the templates and the demo council ask the question's kind instead of branching on its
answer type.

The package sits below the domain: it may import the models, the clock and WTForms, never the
domain, the reports or ``forms``.
"""

from audit.answers import kinds as kinds  # registers every kind
from audit.answers.base import ANSWER_KINDS, EVIDENCE_MAX, NOT_APPLICABLE, AnswerKind, StoredAnswer, answer_kind
from audit.answers.kinds import YES_NO_LABELS, number_bounds

__all__ = [
    "ANSWER_KINDS",
    "EVIDENCE_MAX",
    "NOT_APPLICABLE",
    "YES_NO_LABELS",
    "AnswerKind",
    "StoredAnswer",
    "answer_kind",
    "number_bounds",
]
