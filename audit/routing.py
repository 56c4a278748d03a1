"""What a request may carry. Record ids are bounded to what the database can hold, in the URL and
in query and form values, so an absurd id is an unknown record, never a database error; a query
string or JSON body that no page could have sent is refused with 400 before any view reads it.

Text typed into a form is checked by the forms themselves (forms.base), which show the problem
beside the field and keep the rest of what was typed; this module is the backstop for what does
not go through a form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_ID = 2_147_483_647  # PostgreSQL's integer

# What neither database can store: PostgreSQL refuses NUL in text, and psycopg (and SQLite's
# UTF-8 encoder) refuse a lone UTF-16 surrogate, which a JSON body's "\ud800" decodes to.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def record_id(value: object) -> int:
    """A record id (or page number) written as a whole number from 1 to MAX_ID; raises ValueError
    for anything else, which `MultiDict.get(..., type=record_id)` reads as "not given"."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        raise ValueError(f"not a record id: {text[:20]!r}")
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"not a record id: {number}")
    return number


def record_id_or_none(value: object) -> int | None:
    """The record id written, or None when it is not one (so it matches no record)."""
    try:
        return record_id(value)
    except ValueError:
        return None


def page_number(name: str = "page") -> int:
    """A list's page number from the query string: 1 when it is missing, not a number or absurd (the
    lists bring a number past their last page back to the last)."""
    return request.args.get(name, 1, type=int) or 1


def has_unstorable(text: str) -> bool:
    return UNSTORABLE.search(text) is not None


def without_unstorable(text: str) -> str:
    return UNSTORABLE.sub("", text)


class RecordIdConverter(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class Parameters(ImmutableMultiDict[str, Any]):
    """Query and form values. Every whole number a view reads with ``get(name, type=int)`` is a
    record id or a page number here, so it is read as `record_id` reads it: from 1 to MAX_ID, and
    anything else (0, -1, 99999999999999999999) is as if it had not been given."""

    def get(self, key: str, default: Any = None, type: Callable[[Any], Any] | None = None) -> Any:  # type: ignore[override]
        if type is None:
            return super().get(key, default)
        return super().get(key, default, record_id if type is int else type)


class ServiceRequest(Request):
    parameter_storage_class = Parameters


class UnreadableRequest(BadRequest):
    """A request no page of the service sends; its description is shown to the person."""


UNREADABLE_ADDRESS = (
    "The web address has characters in it that the service cannot read. "
    "Go back and try again, or follow a link from the service’s own pages."
)
UNREADABLE_BODY = "What was sent could not be read as a form. Reload the page and try again."


def _json_is_a_form(body: object) -> bool:
    """Flask-WTF reads a JSON body as a form: an object of text values (or lists of text)."""
    if not isinstance(body, dict):
        return False
    return all(
        isinstance(value, str) or (isinstance(value, list) and all(isinstance(item, str) for item in value))
        for value in body.values()
    )


def refuse_unreadable_request() -> None:
    """Refuse, before any view reads it, a query string with text no database can store, and a
    JSON body that is not what a form posts. Forms check their own text fields (forms.base)."""
    if any(has_unstorable(key) or has_unstorable(value) for key, value in request.args.items(multi=True)):
        raise UnreadableRequest(UNREADABLE_ADDRESS)
    if request.is_json and request.content_length != 0:
        body = request.get_json(silent=True)
        if not _json_is_a_form(body):
            raise UnreadableRequest(UNREADABLE_BODY)


def init_app(app: Flask) -> None:
    # Every <int:...> in a route is a record id here.
    app.url_map.converters["int"] = RecordIdConverter
    app.request_class = ServiceRequest
    app.before_request(refuse_unreadable_request)
