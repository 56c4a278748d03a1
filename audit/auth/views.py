"""Sign in, sign out, change password, and the session-timeout endpoints."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from audit.access import public, signed_in
from audit.clock import utcnow
from audit.domain import people
from audit.models import User
from audit.preserve import SESSION_KEY as PRESERVED_KEY
from audit.security.passwords import verify_password
from audit.security.sessions import LAST_ACTIVE
from audit.security.throttle import LOCK_PERIOD
from forms.auth import ChangePasswordForm, SignInForm
from forms.base import add_error, required

auth = Blueprint("auth", __name__)

NOT_RECOGNISED = "Enter a correct email address and password"


def _safe_next(target: str | None) -> str:
    """Only ever redirect to a path on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


def _start_session(user: User) -> None:
    # A fresh session on sign-in (no fixation); only the kept form survives it.
    preserved = session.get(PRESERVED_KEY)
    session.clear()
    if preserved:
        session[PRESERVED_KEY] = preserved
    login_user(user, remember=False)
    session.permanent = True
    session[LAST_ACTIVE] = utcnow().timestamp()


@auth.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = SignInForm()
    if session.pop("signed_out_idle", False):
        minutes = int(current_app.config["IDLE_TIMEOUT"].total_seconds() // 60)
        flash(f"You were signed out because you had not done anything for {minutes} minutes.", "important")
    if form.validate_on_submit():
        result = people.authenticate(required(form.email), required(form.password))
        if result.locked:
            minutes = int(LOCK_PERIOD.total_seconds() // 60)
            add_error(
                form.email,
                f"There have been too many attempts to sign in with this email address. "
                f"Wait {minutes} minutes and try again.",
            )
        elif result.user is None:
            add_error(form.email, NOT_RECOGNISED)
            add_error(form.password, NOT_RECOGNISED)
        else:
            _start_session(result.user)
            current_app.logger.info("User %s signed in", result.user.id)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form)


@auth.route("/sign-out", methods=["POST"])
@signed_in
def sign_out() -> Response:
    people.end_sessions(current_user)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@auth.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password() -> str | Response:
    form = ChangePasswordForm(email=current_user.email)
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, required(form.current_password)):
            add_error(form.current_password, "Your current password is not correct")
        else:
            user = current_user._get_current_object()
            people.set_password(user, required(form.new_password))
            # Other sessions have ended; this one carries on with the new token.
            _start_session(user)
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@auth.route("/session/status")
@signed_in
def session_status() -> Response:
    """Seconds until the idle timeout, for the page's warning. Asking does not count as activity."""
    timeout = current_app.config["IDLE_TIMEOUT"].total_seconds()
    idle = utcnow().timestamp() - session.get(LAST_ACTIVE, utcnow().timestamp())
    return jsonify(remaining_seconds=max(0, int(timeout - idle)), timeout_seconds=int(timeout))


@auth.route("/session/keep-alive", methods=["POST"])
@signed_in
def keep_alive() -> Response:
    """The "Stay signed in" button: any request counts as activity, so this only answers."""
    timeout = current_app.config["IDLE_TIMEOUT"].total_seconds()
    return jsonify(remaining_seconds=int(timeout), timeout_seconds=int(timeout))
