"""Logging: one key=value line per request to stderr, every record tagged with the request's id.

A request's line names the route as its URL rule (``/cases/<int:case_id>``), never the path
someone typed: query strings and form values can hold a child's name or a case reference, so
they are never logged. The request id goes back in the ``X-Request-ID`` header and is shown on
the error page, so a person's "quote this reference" finds the log lines of their request.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import sys
import time

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from flask_login import current_user
from werkzeug.wrappers import Response

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy in front of the app is kept only if it is hex or a UUID: a header is
# free text, and a free-text id would put whatever a client sent into every log line.
_INCOMING_ID = re.compile(r"[0-9a-f]{16,32}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")
# Records go to the "audit" logger's one handler; the app's own modules log under "audit.*".
LOGGER_NAME = "audit"
request_log = logging.getLogger("audit.request")


def request_id() -> str | None:
    """The id of the request being handled (made on first use), or None outside a request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = _incoming_or_new_id()
    return str(g.request_id)


def _incoming_or_new_id() -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "").strip().lower()
    return incoming if _INCOMING_ID.fullmatch(incoming) else secrets.token_hex(8)


def _signed_in_user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def start_request() -> None:
    request_id()
    g.request_started = time.perf_counter()
    if request.endpoint != "static":
        # Who asked, in case the request signs them out (sign-out, an idle session).
        g.request_user_id = _signed_in_user_id()


def finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = str(request_id())
    started = g.get("request_started")
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    user_id = g.get("request_user_id")
    if request.endpoint != "static":
        # If the user cannot be loaded (the database is down), the request is still logged.
        with contextlib.suppress(Exception):
            user_id = _signed_in_user_id() or user_id
    # Static files are many per page; at INFO a page view is one line.
    level = logging.DEBUG if request.endpoint == "static" else logging.INFO
    request_log.log(
        level,
        "request",
        extra={
            "fields": {
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule else "-",
                "endpoint": request.endpoint or "-",
                "status": response.status_code,
                "duration_ms": f"{duration_ms:.1f}",
                "user_id": user_id if user_id is not None else "none",
            }
        },
    )
    return response


class RequestIdFilter(logging.Filter):
    """Puts the request id on every record handled during a request, from any logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() or "-"
        return True


def _value(value: object) -> str:
    text = str(value)
    if text and not any(character in text for character in ' "=\n\r\t\\'):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


class KeyValueFormatter(logging.Formatter):
    """One line per record, ``key=value`` (logfmt): a traceback is kept on the same line, escaped,
    so a log collector never splits one error into many entries."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "msg": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        return " ".join(f"{key}={_value(value)}" for key, value in fields.items())


class _DropWerkzeugRequestLines(logging.Filter):
    """The development server logs each request line, query string and all; ours replaces it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO and '"%s" %s %s' in str(record.msg))


def _configure_logging(level: str) -> None:
    logger = logging.getLogger(LOGGER_NAME)  # also the Flask app's own logger
    logger.setLevel(level)
    logger.removeHandler(default_handler)  # Flask's multi-line one, if it got there first
    if not any(getattr(handler, "name", None) == "audit-stderr" for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.name = "audit-stderr"
        handler.setFormatter(KeyValueFormatter())
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(existing, _DropWerkzeugRequestLines) for existing in werkzeug.filters):
        werkzeug.addFilter(_DropWerkzeugRequestLines())


def init_app(app: Flask) -> None:
    """Configure logging and time every request. Call before any other ``before_request`` hook is
    registered: a hook that answers early (a redirect to sign in) skips the hooks after it."""
    _configure_logging(app.config["LOG_LEVEL"])
    app.before_request(start_request)
    app.after_request(finish_request)
