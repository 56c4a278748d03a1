"""The answer when the database cannot serve a request just now: 503, and nothing typed is lost.

A lock held too long, a read-only or full database, or a dropped connection is not a fault in
the request, so it is not a 500. The request's changes are rolled back (``audit.database``), and
the person gets a page that says the service is busy. A form they posted comes back inside that
page as hidden fields with a "Try again" button: the database may be the very thing that cannot
store it, so it is kept in their browser, not in ``preserved_forms``. Autosave (which asks for
JSON) gets a JSON 503, which its script shows as "Not saved just now" and retries.
"""

from __future__ import annotations

import logging

from flask import current_app, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from audit import database
from audit.database import Trouble

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGES = {
    Trouble.BUSY: "The service is busy. Try again in a moment; nothing you typed has been lost.",
    Trouble.UNAVAILABLE: (
        "The service cannot save changes at the moment. Try again in a few minutes; nothing you typed has been lost."
    ),
}
# For autosave's script: what is on the page stays there, and the script tries again.
AUTOSAVE_MESSAGE = "Not saved just now: the service is busy. We will try again."
TITLES = {Trouble.BUSY: "The service is busy", Trouble.UNAVAILABLE: "Sorry, the service cannot save changes"}


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _posted_fields() -> list[tuple[str, str]]:
    """What the person posted, to send again; never the CSRF token (the page makes a new one) or
    a password (it would sit in the page's HTML)."""
    if request.method != "POST":
        return []
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name != "csrf_token" and "password" not in name
    ]


def _page(kind: Trouble) -> str:
    return render_template(
        "errors/busy.html",
        title=TITLES[kind],
        message=MESSAGES[kind],
        fields=_posted_fields(),
        had_files=request.method == "POST" and any(upload.filename for upload in request.files.values()),
        again=request.full_path.rstrip("?"),
    )


def busy_response(error: BaseException) -> ResponseReturnValue | None:
    """The 503 answer if ``error`` (or the error behind a 500 raised while committing) means the
    database could not serve the request just now; None for any other error."""
    cause = getattr(error, "original_exception", None) or error
    kind = database.trouble(cause)
    if kind is None:
        return None
    database.discard_failed_transaction(replace_connections=kind is Trouble.UNAVAILABLE)
    detail = getattr(getattr(cause, "orig", None), "sqlite_errorname", None) or getattr(
        getattr(cause, "orig", None), "sqlstate", None
    )
    log.warning("Database %s (%s %s): answered 503", kind.value, type(cause).__name__, detail or "-")
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _wants_json():
        return jsonify(error=kind.value, message=AUTOSAVE_MESSAGE), 503, headers
    try:
        return _page(kind), 503, headers
    except Exception:  # the page itself could not read the signed-in user: show it signed out
        log.warning("Busy page could not load the user; showing it without", exc_info=True)
        database.discard_failed_transaction()
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]  # Flask-Login's per-request user
        return _page(kind), 503, headers
