"""Validators and filters every form shares, so that a rule and its words are written once.

Dates are judged on the service's clock (``audit.clock.today``: the Europe/London date), never the
server's own date."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from wtforms import Field, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from audit.answers.fields import NotInFuture, field_label, not_in_future, too_long
from audit.clock import today

__all__ = [
    "LONG_TEXT_MAX",
    "NotInFuture",
    "NotInPast",
    "distinct",
    "due_not_in_past",
    "long_text",
    "not_in_future",
    "not_in_past",
    "strip",
    "strip_lines",
    "too_long",
]

# A long answer's limit: the domain's EVIDENCE_MAX and supervision TEXT_MAX (tests check they agree).
LONG_TEXT_MAX = 5000


def strip(value: str | None) -> str | None:
    """Spaces pasted around a value are not part of it, and control characters are never wanted
    (PostgreSQL refuses NUL in text, so one would otherwise fail the save). For one-line fields:
    line breaks become spaces."""
    if not isinstance(value, str):
        return value
    return "".join(
        " " if character.isspace() else character
        for character in value
        if character.isspace() or unicodedata.category(character) != "Cc"
    ).strip()


def distinct(values: list[Any] | None) -> list[Any] | None:
    """A choice posted twice (no page sends that; a crafted post can) counts once, in its first place."""
    return list(dict.fromkeys(values)) if isinstance(values, list) else values


def strip_lines(value: str | None) -> str | None:
    """Spaces around a multi-line text are not part of it; the line breaks inside are."""
    return value.strip() if isinstance(value, str) else value


class NotInPast:
    """A date that is today or later. The message names the field unless one is given."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, _form: Any, field: Field) -> None:
        if field.data and field.data < today():
            raise ValidationError(self.message or f"{field_label(field)} must be today or in the future")


not_in_past = NotInPast()
due_not_in_past = NotInPast("The due date must be today or in the future")


def long_text(
    label: str,
    description: str = "",
    *,
    limit: int = LONG_TEXT_MAX,
    required: str | None = None,
    filters: tuple[Callable[[Any], Any], ...] = (),
) -> TextAreaField:
    """A text area with a character count and a length limit; ``required`` is the message for an
    empty answer when one is needed."""
    validators: list[Any] = [DataRequired(message=required)] if required else []
    return TextAreaField(
        label,
        description=description,
        widget=GovCharacterCount(),
        filters=filters,
        validators=[*validators, too_long(label, limit)],
    )
