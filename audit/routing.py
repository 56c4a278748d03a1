"""URL converters: record ids in URLs are bounded to what the database can hold, so an absurd id
is a 404 like any unknown one, not a database error."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ID = 2_147_483_647  # PostgreSQL's integer


class RecordIdConverter(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    # Every <int:...> in a route is a record id here.
    app.url_map.converters["int"] = RecordIdConverter
