"""Single sign-on with OpenID Connect, through Authlib's Flask client.

The provider is configured by environment variables (audit/config.py, ``SsoSettings``): Microsoft
Entra ID, which most councils use, or any standard provider. The flow is the authorisation code
flow with PKCE. Authlib checks the ``state`` (against the one kept in this browser's session,
used once), exchanges the code, checks the ID token's signature against the provider's published
keys and its issuer, audience, expiry, issue time and ``nonce``; anything wrong is a ``Refused``
with words for the person, never a 500.

Who signed in is read from the ID token's verified email address (``verified_email``); the user
must already exist and be active here. Roles and teams stay the administrator's to set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.flask_client import OAuth, OAuthError
from flask import current_app, session, url_for
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from audit.clock import utcnow
from audit.config import SsoSettings
from audit.models import User

log = logging.getLogger(__name__)

NEXT_KEY = "sso_next"
ID_TOKEN_KEY = "sso_id_token"
_CLIENTS = "audit.sso_clients"
SCOPE = "openid email profile"
TIMEOUT_SECONDS = 10


class Refused(Exception):
    """Single sign-on did not sign this person in; ``title`` and ``detail`` say why, in their words."""

    def __init__(self, status: int, title: str, detail: str, reason: str) -> None:
        super().__init__(reason)  # the reason is for the log
        self.status = status
        self.title = title
        self.detail = detail


CHECK_FAILED = (
    "We could not check the reply from your organisation's sign-in service, so you have not been signed in. "
    "Try signing in again. If this keeps happening, tell your IT service desk."
)
START_AGAIN = (
    "Your sign-in could not be finished. This can happen if you used the back button, signed in from another "
    "tab or waited too long. Try signing in again."
)


def settings() -> SsoSettings:
    configured: SsoSettings = current_app.config["SSO"]
    return configured


def is_enabled() -> bool:
    return settings().enabled


def password_sign_in_allowed() -> bool:
    return not settings().only


def _client() -> Any:
    """The Authlib client for the configured provider; it keeps the provider's metadata and keys
    once fetched, so there is one per app and configuration."""
    configured = settings()
    clients: dict[SsoSettings, Any] = current_app.extensions.setdefault(_CLIENTS, {})
    if configured not in clients:
        oauth = OAuth(current_app._get_current_object())  # type: ignore[attr-defined]
        clients[configured] = oauth.register(
            "sso",
            client_id=configured.client_id,
            client_secret=configured.client_secret or None,
            server_metadata_url=configured.metadata_url,
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS},
        )
    return clients[configured]


def _unavailable(error: Exception) -> Refused:
    return Refused(
        503,
        "Sorry, single sign-on is not working at the moment",
        "We could not reach your organisation's sign-in service. Try again later.",
        f"provider unreachable: {type(error).__name__}",
    )


def start(next_path: str) -> Response:
    """Send the browser to the provider, remembering where to go after signing in."""
    session[NEXT_KEY] = next_path
    try:
        response: Response = _client().authorize_redirect(url_for("auth.sso_callback", _external=True))
    except (OSError, ValueError, RuntimeError) as error:  # unreachable, or metadata that is not JSON
        raise _unavailable(error) from error
    return response


@dataclass(frozen=True)
class SignedIn:
    email: str
    id_token: str
    next_path: str | None


def finish() -> SignedIn:
    """Complete the flow at the callback: every check passed, and the email address is verified."""
    configured = settings()
    client = _client()
    try:
        # Authlib's own checks accept a token for another audience that names us as its
        # authorised party (azp): the audience must include us, as OpenID Connect Core 3.1.3.7 says.
        issuer = client.load_server_metadata().get("issuer")
        token = client.authorize_access_token(
            leeway=configured.clock_skew_seconds,
            claims_options={
                "iss": {"essential": True, "values": [issuer]},
                "aud": {"essential": True, "values": [configured.client_id]},
            },
        )
    except MismatchingStateError as error:
        raise Refused(400, "Sign in again", START_AGAIN, "state missing, used or mismatched") from error
    except OAuthError as error:
        # The provider's own refusal: the person cancelled, or a code was used twice.
        raise Refused(
            400,
            "You have not been signed in",
            "Your organisation's sign-in service did not sign you in. Try signing in again.",
            f"provider said {error.error}",
        ) from error
    except JoseError as error:
        # A bad signature, issuer, audience, nonce, expiry or issue time.
        raise Refused(400, "You have not been signed in", CHECK_FAILED, f"ID token refused: {error!r}") from error
    except (OSError, ValueError, RuntimeError) as error:
        raise _unavailable(error) from error
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise Refused(400, "You have not been signed in", CHECK_FAILED, "no ID token in the token response")
    email = verified_email(claims, configured)
    if email is None:
        raise Refused(
            403,
            "Your account cannot be used to sign in",
            "Your organisation's sign-in service did not give us a verified email address from your "
            "organisation. Ask your administrator or IT service desk for help.",
            "no verified email address in an allowed domain",
        )
    next_path = session.pop(NEXT_KEY, None)
    return SignedIn(email=email, id_token=str(token["id_token"]), next_path=next_path)


def record_sign_in(user: User) -> None:
    user.last_signed_in_at = utcnow()
    if settings().only:
        # No password is ever asked for, so a temporary one set by an administrator means nothing.
        user.must_change_password = False


def _is_true(value: object) -> bool:
    # Some providers send booleans as strings.
    return value is True or value == "true"


def verified_email(claims: dict[str, Any], configured: SsoSettings) -> str | None:
    """The email address the provider vouches for, if it is in an allowed domain.

    A standard provider vouches with ``email_verified``. Entra ID sends no such claim: there the
    address is ``email`` only when Entra marks its domain as verified by the tenant
    (``xms_edov``), otherwise ``preferred_username``, the user's sign-in name, whose domain the
    council's own tenant has verified (the issuer names that tenant). In both cases the domain must
    be one of SSO_ALLOWED_DOMAINS, which Entra requires.
    """
    if configured.is_entra:
        candidates = [
            claims.get("email") if _is_true(claims.get("xms_edov")) else None,
            claims.get("preferred_username"),
        ]
    else:
        candidates = [claims.get("email") if _is_true(claims.get("email_verified")) else None]
    for candidate in candidates:
        if not isinstance(candidate, str) or candidate.count("@") != 1:
            continue
        address = candidate.strip()
        domain = address.rpartition("@")[2].lower()
        if configured.allowed_domains and domain not in configured.allowed_domains:
            continue
        return address
    return None


def logout_url(id_token: str) -> str | None:
    """Where to send the browser to sign out at the provider too (RP-initiated logout), when the
    provider supports it; None when it does not or cannot be reached."""
    client = _client()
    try:
        metadata = client.load_server_metadata()
    except (OSError, ValueError, RuntimeError) as error:
        log.warning("Could not reach the SSO provider to sign out there: %s", type(error).__name__)
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result: dict[str, str] = client.create_logout_url(
        post_logout_redirect_uri=url_for("auth.signed_out", _external=True),
        id_token_hint=id_token,
        client_id=settings().client_id,
    )
    return result["url"]
