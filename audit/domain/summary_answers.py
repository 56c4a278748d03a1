"""What a completed audit adds to the question figures (``audit.reporting.questions``): one row per
yes/no or choice question it answered, kept by ``audit.domain.summaries`` as the answer summary
(``audit.models.summary_answers``).

An answer is kept as stored, ``choice`` and ``option_id``, because the figures name it from those
(an option's key where there is an option, else the choice): keeping the key would go stale if a
tool renamed an option. An answer with neither is unanswered, which the figures never count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from audit.domain.summaries import _audit_keys
from audit.models import Answer, AnswerType, ToolQuestion
from audit.models.summary_answers import NO_CHOICE, NO_OPTION

ANSWER_ROW_COLUMNS = ("audit_id", "question_id", "day", "month", "team_id", "tool_version_id", "choice", "option_id")
ANSWER_KEY = ("team_id", "tool_version_id", "question_id", "choice", "option_id")
COUNTED_TYPES = (AnswerType.YES_NO_NA.value, AnswerType.CHOICE.value)  # the questions with figures


def answer_rows(audits: ColumnElement[bool], dialect: str) -> Select[Any]:
    """(``ANSWER_ROW_COLUMNS``): each answered yes/no or choice question of the completed ``audits``."""
    keys = _audit_keys(audits, dialect)
    return (
        select(
            keys.c.audit_id,
            Answer.question_id,
            keys.c.day,
            keys.c.month,
            keys.c.team_id,
            keys.c.tool_version_id,
            func.coalesce(Answer.choice, NO_CHOICE).label("choice"),
            func.coalesce(Answer.option_id, NO_OPTION).label("option_id"),
        )
        .select_from(Answer)
        .join(keys, keys.c.audit_id == Answer.audit_id)
        .join(ToolQuestion, ToolQuestion.id == Answer.question_id)
        .where(
            ToolQuestion.answer_type.in_(COUNTED_TYPES),
            or_(Answer.choice.is_not(None), Answer.option_id.is_not(None)),
        )
    )
