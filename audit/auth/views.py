"""Sign in, sign out, change password, and the session-timeout endpoints."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from audit import preserve
from audit.access import public, signed_in
from audit.auth import sso
from audit.clock import utcnow
from audit.domain import notifications, people
from audit.models import User
from audit.security import throttle
from audit.security.passwords import verify_password
from audit.security.sessions import LAST_ACTIVE
from audit.security.throttle import LOCK_PERIOD
from forms.auth import ChangePasswordForm, SignInForm
from forms.base import add_error, required
from forms.notifications import email_settings_form

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
    # A fresh session on sign-in (no fixation); only a form kept for this same user survives it.
    preserved = preserve.token_for(user.id)
    session.clear()
    if preserved:
        session[preserve.SESSION_KEY] = preserved
    login_user(user, remember=False)
    session.permanent = True
    session[LAST_ACTIVE] = utcnow().timestamp()


def _sign_in_page(form: SignInForm, status: int = 200) -> Response:
    return make_response(
        render_template(
            "auth/sign_in.html",
            form=form,
            sso_enabled=sso.is_enabled(),
            passwords_allowed=sso.password_sign_in_allowed(),
            next_path=request.args.get("next"),
        ),
        status,
    )


@auth.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Response:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = SignInForm()
    if session.pop("signed_out_idle", False):
        minutes = int(current_app.config["IDLE_TIMEOUT"].total_seconds() // 60)
        flash(f"You were signed out because you had not done anything for {minutes} minutes.", "important")
    if request.method == "POST" and not sso.password_sign_in_allowed():
        # Single sign-on only: a password is never checked, whoever posts one.
        flash("Signing in with a password is switched off. Sign in with your organisation's account.", "important")
        return _sign_in_page(SignInForm(formdata=None), 403)
    if request.method == "POST" and throttle.address_is_blocked(request.remote_addr):
        # Refused before the password is even checked, and without locking the accounts tried.
        minutes = int(throttle.ADDRESS_PERIOD.total_seconds() // 60)
        add_error(
            form.email,
            f"There have been too many attempts to sign in from your network. Wait {minutes} minutes and try again.",
        )
        response = _sign_in_page(form, 429)
        response.headers["Retry-After"] = str(int(throttle.ADDRESS_PERIOD.total_seconds()))
        return response
    if form.validate_on_submit():
        result = people.authenticate(required(form.email), required(form.password))
        if result.user is None:
            throttle.record_address_failure(request.remote_addr)
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
    return _sign_in_page(form)


@auth.route("/sign-in/sso")
@public
def sso_start() -> Response:
    """The "Sign in with your organisation's account" button: off to the provider."""
    if not sso.is_enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    try:
        return sso.start(_safe_next(request.args.get("next")))
    except sso.Refused as refused:
        return _refused(refused)


@auth.route("/sign-in/sso/callback")
@public
def sso_callback() -> Response:
    """Where the provider sends the browser back: check everything, then sign in by email."""
    if not sso.is_enabled():
        abort(404)
    try:
        signed = sso.finish()
    except sso.Refused as refused:
        return _refused(refused)
    user = people.user_by_email(signed.email)
    if user is None or not user.active:
        # The same page for an unknown and a deactivated account; nothing is created.
        current_app.logger.info("Single sign-on refused: no active account for that email address")
        page = render_template("auth/sso_no_account.html", title="You do not have an account for this service")
        return make_response(page, 403)
    sso.record_sign_in(user)
    _start_session(user)
    session[sso.ID_TOKEN_KEY] = signed.id_token
    current_app.logger.info("User %s signed in with single sign-on", user.id)
    return redirect(_safe_next(signed.next_path))


def _refused(refused: sso.Refused) -> Response:
    current_app.logger.warning("Single sign-on refused: %s", refused)
    page = render_template("auth/sso_refused.html", title=refused.title, detail=refused.detail)
    return make_response(page, refused.status)


@auth.route("/sign-out", methods=["POST"])
@signed_in
def sign_out() -> Response | str:
    id_token = session.get(sso.ID_TOKEN_KEY)
    people.end_sessions(current_user)
    logout_user()
    session.clear()
    provider_logout = sso.logout_url(id_token) if id_token and sso.is_enabled() else None
    if provider_logout:
        # A page of our own that moves on to the provider: the header's form may only post to this
        # site (CSP form-action), and a redirect from that post would count as posting elsewhere.
        return render_template("auth/signing_out.html", title="Signing you out", provider_logout=provider_logout)
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@auth.route("/signed-out")
@public
def signed_out() -> Response:
    """Where the provider sends the browser back after signing out there too."""
    if not current_user.is_authenticated:
        flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@auth.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password() -> str | Response:
    if not sso.password_sign_in_allowed():
        abort(404)  # single sign-on only: passwords are not used
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


@auth.route("/account/email", methods=["GET", "POST"])
@signed_in
def email_settings() -> str | Response:
    """Each kind of notice at once or in a daily summary; safeguarding notices always at once."""
    user = current_user._get_current_object()
    form = email_settings_form(notifications.CHOOSABLE_KINDS, notifications.preferences(user))
    if form.validate_on_submit():
        notifications.set_preferences(
            user, {kind: form[kind.value].data == "digest" for kind in notifications.CHOOSABLE_KINDS}
        )
        flash("Your email settings have been saved.", "success")
        return redirect(url_for("auth.email_settings"))
    return render_template(
        "auth/email_settings.html",
        form=form,
        kinds=notifications.CHOOSABLE_KINDS,
        fixed=notifications.FIXED_KINDS,
    )


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
