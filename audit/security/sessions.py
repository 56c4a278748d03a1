"""What happens before every request: idle timeout, access rules, CSRF and password changes.

Order matters. An idle or expired session is ended first; then the endpoint's access rule is
applied (signed-out users are sent to sign in, keeping what they posted only when their idle
session ended at this request); then the CSRF token is checked (an expired token also keeps what a
signed-in user posted); audit.preserve decides what may be kept. Flask-WTF's own automatic check
is off so that it runs here, in this order.
"""

from __future__ import annotations

import logging

from flask import Flask, abort, current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from audit import preserve
from audit.access import rule_for
from audit.clock import utcnow
from audit.extensions import csrf

log = logging.getLogger(__name__)

LAST_ACTIVE = "last_active"
# Endpoints a signed-in user may reach while they must still change a temporary password.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"auth.change_password", "auth.sign_out", "static"}
# Asking how long is left must not itself count as activity.
_NOT_ACTIVITY = {"auth.session_status", "static"}
NOT_KEPT_SIGNED_OUT = "Sign in to continue. What you entered could not be kept, so you will need to enter it again."
NOT_KEPT_EXPIRED = "This page had expired. What you entered could not be kept, so you will need to enter it again."


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _end_idle_session() -> int | None:
    """Sign out a user idle beyond the timeout; return their id if that happened."""
    if not current_user.is_authenticated:
        return None
    last_active = session.get(LAST_ACTIVE)
    now = utcnow().timestamp()
    if last_active is not None and now - last_active > current_app.config["IDLE_TIMEOUT"].total_seconds():
        user_id: int = current_user.id
        logout_user()
        session.pop(LAST_ACTIVE, None)
        session["signed_out_idle"] = True
        return user_id
    if request.endpoint not in _NOT_ACTIVITY:
        session[LAST_ACTIVE] = now
    return None


def _to_sign_in(expired_user_id: int | None) -> Response:
    """Signed out: keep what was posted only if we know whose it is (their idle session ended at
    this request); anyone else's post is never stored (see audit.preserve)."""
    kept = preserve.keep_posted_form(expired_user_id)
    if _wants_json():
        response = jsonify(error="signed_out", sign_in=url_for("auth.sign_in"))
        response.status_code = 401
        return response
    if kept is preserve.Kept.KEPT:
        flash("Sign in again to continue. We kept what you entered.", "important")
    elif kept is preserve.Kept.REFUSED:
        flash(NOT_KEPT_SIGNED_OUT, "important")
    next_path = request.full_path if request.method == "GET" else request.path
    return redirect(url_for("auth.sign_in", next=next_path.rstrip("?")))


def before_request() -> Response | None:
    if request.endpoint == "static":
        return None  # public files: no session, user or CSRF work for each stylesheet and font
    expired_user_id = _end_idle_session()
    rule = rule_for(request.endpoint)
    if rule is None:
        if request.endpoint is None:
            return None  # no route matched: Flask answers 404 / 405 itself
        log.error("Endpoint %s declares no access rule; refusing it", request.endpoint)
        abort(403)
    if not rule.allows(current_user):
        if not current_user.is_authenticated:
            return _to_sign_in(expired_user_id)
        abort(403)
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        try:
            csrf.protect()
        except CSRFError:
            if _wants_json():
                raise
            user_id = current_user.id if current_user.is_authenticated else None
            kept = preserve.keep_posted_form(user_id)
            # When kept, the page shows it again with its own message.
            if kept is preserve.Kept.REFUSED and user_id is not None:
                flash(NOT_KEPT_EXPIRED, "important")
            elif kept is not preserve.Kept.KEPT:
                flash("This page had expired. Please try again.", "important")
            return redirect(request.path)
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE
    ):
        return redirect(url_for("auth.change_password"))
    return None


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(before_request)
