"""Error pages in the service's style; no stack trace ever reaches a user.

An unexpected error is logged with the request's id, and the page gives the person that id to
quote, so whoever they tell can find the error in the log.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from audit.busy import busy_response
from audit.extensions import db
from audit.request_log import request_id
from audit.routing import UnreadableRequest

log = logging.getLogger(__name__)

TITLES = {
    400: "Sorry, there is a problem with the request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Sorry, there is a problem with the request",
    413: "The file or form you sent is too large",
}


def _render(
    status: int, title: str | None = None, detail: str | None = None, reference: str | None = None
) -> tuple[str, int]:
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title or TITLES.get(status, "Sorry, there is a problem"),
            detail=detail,
            reference=reference,
        ),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
        db.session.rollback()
        megabytes = app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        return _render(
            413,
            detail=f"Files must be smaller than {megabytes} MB. Split the file into smaller files and upload each one.",
        )

    @app.errorhandler(UnreadableRequest)
    def unreadable(error: UnreadableRequest) -> ResponseReturnValue:
        # What no page sends (audit.routing): said in words, as JSON to a script such as autosave.
        db.session.rollback()
        if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
            return {"error": "unreadable", "message": error.description}, 400
        return _render(400, detail=error.description)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        # A failed commit reaches here as a 500; a locked or read-only database is a 503.
        busy = busy_response(error)
        if busy is not None:
            return busy
        db.session.rollback()  # a refused or failed request keeps none of its changes
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> ResponseReturnValue:
        busy = busy_response(error)  # a locked, read-only or unreachable database: 503, not 500
        if busy is not None:
            return busy
        db.session.rollback()
        # The record carries the request id (request_log's filter); the page shows the same id.
        log.exception("Unhandled error")
        return _render(
            500,
            title="Sorry, there is a problem with the service",
            detail="Try again later. What you last saved is safe.",
            reference=request_id(),
        )
