"""``/health`` for load balancers: 200 "ok" while the database answers, 503 when it does not.

It is answered in front of the app (WSGI middleware), so it needs no sign-in and no session
cookie, writes no request log line and passes no before-request hook: a load balancer asking
every few seconds neither fills the log nor takes a worker's time beyond one ``SELECT 1``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask

from audit import database

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PATH = "/health"
_HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]


class HealthCheck:
    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.wsgi_app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in {"GET", "HEAD"}:
            start_response("405 METHOD NOT ALLOWED", [*_HEADERS, ("Allow", "GET, HEAD")])
            return [b"method not allowed\n"]
        # A request context (no hooks run) so that the check reads without taking a write lock.
        with self.app.request_context(environ):
            answers = database.database_answers()
        status, body = ("200 OK", b"ok\n") if answers else ("503 SERVICE UNAVAILABLE", b"database unavailable\n")
        start_response(status, [*_HEADERS, ("Content-Length", str(len(body)))])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def init_app(app: Flask) -> None:
    app.wsgi_app = HealthCheck(app, app.wsgi_app)  # type: ignore[method-assign]
