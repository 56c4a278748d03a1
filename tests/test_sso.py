"""Single sign-on with OpenID Connect, against a real OpenID provider (tests/oidc/provider.mjs).

The app's test client plays the browser on the app's side; the provider's login page is used over
HTTP, as a browser would. Each check the app makes on the reply (state, nonce, issuer, audience,
signature, expiry) is tested by a provider that gets exactly that one thing wrong.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from audit.config import ConfigurationError, SsoSettings, read_settings
from audit.models import Role
from tests.conftest import page_text
from tests.factories import PASSWORD
from tests.oidc import CLIENT_ID, CLIENT_SECRET, OidcProvider, start_provider
from tests.pages import heading

CALLBACK = "http://localhost/sign-in/sso/callback"
SIGNED_OUT = "http://localhost/signed-out"
DOMAIN = "northmoor.gov.uk"
NOT_SIGNED_IN = "You have not been signed in"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    provider = start_provider([CALLBACK], [SIGNED_OUT])
    yield provider
    provider.stop()


@pytest.fixture
def sso(app, provider, monkeypatch) -> Any:
    """The app configured for the test provider; a function that reconfigures it."""

    def configure(**changes: Any) -> SsoSettings:
        fields = {
            "metadata_url": provider.metadata_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "allowed_domains": (DOMAIN,),
            **changes,
        }
        settings = SsoSettings(**fields)
        monkeypatch.setitem(app.config, "SSO", settings)
        # A fresh Authlib client each test: no metadata or keys kept from another.
        monkeypatch.setitem(app.extensions, "audit.sso_clients", {})
        return settings

    configure()
    return configure


def _account(email: str, verified: Any = True, **claims: Any) -> dict[str, Any]:
    return {"email": email, "email_verified": verified, "name": "Someone", **claims}


def start(client, next_path: str | None = None) -> str:
    response = client.get("/sign-in/sso" + (f"?next={next_path}" if next_path else ""))
    assert response.status_code == 302, page_text(response)
    return response.headers["Location"]


def come_back(client, callback_url: str, expected_status: int = 302) -> Any:
    assert callback_url.startswith(CALLBACK), callback_url
    parts = urlsplit(callback_url)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == expected_status, page_text(response)
    return response


def sign_in_through(client, provider: OidcProvider, username: str, next_path: str | None = None, **kwargs) -> Any:
    return come_back(client, provider.sign_in(start(client, next_path), username), **kwargs)


def assert_signed_out(client) -> None:
    assert client.get("/").headers["Location"].startswith("/sign-in")


# Signing in --------------------------------------------------------------------------------------


def test_a_known_user_signs_in_and_lands_on_their_home_page(client, make, provider, sso):
    user = make.user(Role.AUDITOR, team=make.team(), email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"Ash@{DOMAIN.upper()}"))
    authorisation = start(client)
    query = parse_qs(urlsplit(authorisation).query)
    assert authorisation.startswith(f"{provider.issuer}/auth?")
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"]
    assert {"state", "nonce"} <= set(query)

    response = come_back(client, provider.sign_in(authorisation, "ash"))
    assert response.headers["Location"] == "/"
    home = client.get_page("/")
    assert "Auditor" in page_text(home)
    assert user.name in page_text(home)


def test_signing_in_starts_a_fresh_session_and_goes_where_the_user_was_going(client, make, provider, sso):
    user = make.user(Role.ADMIN, email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    response = sign_in_through(client, provider, "ash", next_path="/admin/teams")
    assert response.headers["Location"] == "/admin/teams"
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].split(":")[0] == str(user.id)
    client.get_page("/admin/teams")


def test_a_next_address_on_another_site_is_ignored(client, make, provider, sso):
    make.user(email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    assert sign_in_through(client, provider, "ash", next_path="//evil.example/").headers["Location"] == "/"


def test_what_was_typed_before_an_idle_sign_out_is_restored_after_signing_in_with_sso(client, make, provider, sso):
    admin = make.user(Role.ADMIN, email=f"own@{DOMAIN}")
    provider.set_accounts(own=_account(f"own@{DOMAIN}"))
    client.sign_in_as(admin)
    with client.session_transaction() as session:
        session["last_active"] -= 31 * 60
    page = "/admin/teams/new"
    response = client.post(
        page,
        data={"name": "Typed While Idle", "service_area": "3"},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    )
    assert response.headers["Location"].startswith(f"/sign-in?next={page}")
    sign_in_page = client.get_page(response.headers["Location"])
    button = sign_in_page.find(id="sign-in-sso")
    assert button is not None

    landing = come_back(client, provider.sign_in(start(client, page), "own"))
    assert landing.headers["Location"] == page
    assert 'value="Typed While Idle"' in client.get(page).get_data(as_text=True)


def test_what_one_user_typed_is_never_shown_to_another_who_signs_in_with_sso(client, make, provider, sso):
    admin = make.user(Role.ADMIN, email=f"first@{DOMAIN}")
    make.user(Role.ADMIN, email=f"second@{DOMAIN}")
    provider.set_accounts(second=_account(f"second@{DOMAIN}"))
    client.sign_in_as(admin)
    with client.session_transaction() as session:
        session["last_active"] -= 31 * 60
    page = "/admin/teams/new"
    client.post(
        page,
        data={"name": "First's Words", "service_area": "3"},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    )
    come_back(client, provider.sign_in(start(client, page), "second"))
    assert "First's Words" not in client.get(page).get_data(as_text=True)


# Who may sign in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("active", [False, None], ids=["deactivated", "unknown"])
def test_someone_without_an_active_account_gets_a_clear_page_and_no_account(app, client, make, provider, sso, active):
    if active is not None:
        make.user(email=f"gone@{DOMAIN}", active=active)
    provider.set_accounts(gone=_account(f"gone@{DOMAIN}"))
    page = client._page(sign_in_through(client, provider, "gone", expected_status=403), 403)
    assert heading(page) == "You do not have an account for this service"
    assert "Ask your administrator to add you" in page_text(page)
    assert_signed_out(client)
    from audit.domain import people

    with app.app_context():
        user = people.user_by_email(f"gone@{DOMAIN}")
        assert (user is None) == (active is None)


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(_account(f"ash@{DOMAIN}", verified=False), id="email-not-verified"),
        pytest.param({"email": f"ash@{DOMAIN}"}, id="no-email-verified-claim"),
        pytest.param(_account("ash@elsewhere.example"), id="domain-not-allowed"),
        pytest.param({"name": "No Email"}, id="no-email"),
    ],
)
def test_an_email_address_the_provider_does_not_vouch_for_is_refused(client, make, provider, sso, claims):
    make.user(email=f"ash@{DOMAIN}")
    make.user(email="ash@elsewhere.example")
    provider.set_accounts(ash=claims)
    page = client._page(sign_in_through(client, provider, "ash", expected_status=403), 403)
    assert heading(page) == "Your account cannot be used to sign in"
    assert_signed_out(client)


# Replies that fail a check -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spoilt", "reason"),
    [
        pytest.param({"aud": "some-other-service"}, "'aud'", id="wrong-audience"),
        # Authlib alone would accept this one (it asks only for azp when the audience is not us).
        pytest.param({"aud": "some-other-service", "azp": CLIENT_ID}, "'aud'", id="wrong-audience-naming-us-as-azp"),
        pytest.param({"aud": ["some-other-service", "another"], "azp": CLIENT_ID}, "'aud'", id="audiences-without-us"),
        pytest.param({"iss": "http://127.0.0.1:1/elsewhere"}, "'iss'", id="wrong-issuer"),
        pytest.param({"nonce": "a-nonce-from-another-sign-in"}, "'nonce'", id="wrong-nonce"),
        pytest.param({"exp": "past", "iat": "past"}, "expired", id="expired"),
        pytest.param({"other_key": True}, "bad_signature", id="bad-signature"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused_with_a_clear_page(
    client, make, provider, sso, caplog, spoilt, reason
):
    make.user(email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    if spoilt.get("exp") == "past":
        now = int(time.time())
        spoilt = {"iat": now - 2 * 3600, "exp": now - 3600}
    provider.spoil_next_id_token(**spoilt)
    page = client._page(sign_in_through(client, provider, "ash", expected_status=400), 400)
    assert heading(page) == NOT_SIGNED_IN
    assert "If this keeps happening, tell your IT service desk" in page_text(page)
    assert reason in caplog.text  # refused for that reason, not another
    assert_signed_out(client)


def test_a_token_just_past_its_expiry_is_accepted_within_the_allowed_clock_skew(client, make, provider, sso):
    make.user(email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    sso(clock_skew_seconds=120)
    provider.spoil_next_id_token(exp=int(time.time()) - 30)
    assert sign_in_through(client, provider, "ash").headers["Location"] == "/"


def test_the_untampered_token_is_accepted_after_a_spoilt_one(client, make, provider, sso):
    """The spoilt replies above fail for the one thing spoilt, not because re-signing broke them."""
    make.user(email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    provider.spoil_next_id_token(name="Changed But Harmless")
    assert sign_in_through(client, provider, "ash").headers["Location"] == "/"


def test_a_replayed_callback_is_refused(client, make, provider, sso):
    make.user(email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    callback = provider.sign_in(start(client), "ash")
    come_back(client, callback)
    client.post("/sign-out")
    # The same reply again, in the same browser: its state was used up the first time.
    page = client._page(come_back(client, callback, expected_status=400), 400)
    assert heading(page) == "Sign in again"
    assert_signed_out(client)


def test_a_code_replayed_with_a_fresh_state_is_refused(client, make, provider, sso):
    make.user(email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    first = provider.sign_in(start(client), "ash")
    come_back(client, first)
    client.post("/sign-out")
    # A new sign-in's state and nonce, with the first sign-in's (used) code.
    fresh_state = parse_qs(urlsplit(start(client)).query)["state"][0]
    code = parse_qs(urlsplit(first).query)["code"][0]
    page = client._page(come_back(client, f"{CALLBACK}?code={code}&state={fresh_state}", 400), 400)
    assert heading(page) == NOT_SIGNED_IN
    assert_signed_out(client)


def test_a_state_that_this_browser_did_not_start_is_refused(client, make, provider, sso):
    make.user(email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    callback = provider.sign_in(start(client), "ash")
    tampered = callback.replace("state=", "state=x")
    page = client._page(come_back(client, tampered, 400), 400)
    assert heading(page) == "Sign in again"
    assert_signed_out(client)


def test_a_reply_sent_to_another_browser_is_refused(app, client, make, provider, sso):
    """Login CSRF: someone's own sign-in reply, opened in a victim's browser, signs nobody in."""
    make.user(email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    attackers_reply = provider.sign_in(start(client), "ash")
    victim = app.test_client()
    page = client._page(come_back(victim, attackers_reply, 400), 400)
    assert heading(page) == "Sign in again"
    assert victim.get("/").status_code == 302


def test_the_provider_saying_no_gets_a_clear_page(client, provider, sso):
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    callback = f"{CALLBACK}?error=access_denied&error_description=cancelled&state={state}"
    page = client._page(come_back(client, callback, 400), 400)
    assert heading(page) == NOT_SIGNED_IN


def test_an_unreachable_provider_gets_a_clear_page(client, sso):
    sso(metadata_url="http://127.0.0.1:9/.well-known/openid-configuration")
    page = client.get_page("/sign-in/sso", expected_status=503)
    assert heading(page) == "Sorry, single sign-on is not working at the moment"


# Sign-in page, SSO only, sign-out ----------------------------------------------------------------


def test_without_sso_configured_the_sign_in_page_has_no_button_and_the_routes_are_not_found(client):
    page = client.get_page("/sign-in")
    assert page.find(id="sign-in-sso") is None
    assert page.find("input", attrs={"name": "password"}) is not None
    client.get_page("/sign-in/sso", expected_status=404)
    client.get_page("/sign-in/sso/callback?code=x&state=y", expected_status=404)


def test_with_sso_the_sign_in_page_offers_both(client, sso):
    page = client.get_page("/sign-in?next=/admin/teams")
    assert page.find(id="sign-in-sso")["href"] == "/sign-in/sso?next=/admin/teams"
    assert page.find("input", attrs={"name": "password"}) is not None


def test_sso_only_shows_only_the_button_and_refuses_a_password(client, make, sso):
    sso(only=True)
    user = make.user(Role.AUDITOR, email=f"ash@{DOMAIN}")
    page = client.get_page("/sign-in")
    assert page.find(id="sign-in-sso") is not None
    assert page.find("input", attrs={"name": "password"}) is None
    assert page.find("form", attrs={"method": "post"}) is None or not page.find("input", attrs={"name": "email"})

    refused = client.post_page("/sign-in", 403, data={"email": user.email, "password": PASSWORD})
    assert refused.find("input", attrs={"name": "password"}) is None
    assert "Signing in with a password is switched off" in page_text(refused)
    assert_signed_out(client)


def test_sso_only_has_no_password_to_change_and_drops_a_temporary_one(client, make, provider, sso):
    sso(only=True)
    make.user(email=f"ash@{DOMAIN}", must_change_password=True)
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    assert sign_in_through(client, provider, "ash").headers["Location"] == "/"
    client.get_page("/", expected_status=200)
    client.get_page("/account/password", expected_status=404)


def test_signing_out_ends_the_session_here_and_at_the_provider(client, make, provider, sso):
    make.user(email=f"ash@{DOMAIN}")
    provider.set_accounts(ash=_account(f"ash@{DOMAIN}"))
    sign_in_through(client, provider, "ash")
    page = client.post_page("/sign-out")
    assert heading(page) == "Signing you out"
    link = page.find(id="provider-sign-out")["href"]
    assert link.startswith(f"{provider.issuer}/session/end?")
    query = parse_qs(urlsplit(link).query)
    assert query["post_logout_redirect_uri"] == [SIGNED_OUT]
    assert query["client_id"] == [CLIENT_ID]
    assert query["id_token_hint"][0].count(".") == 2
    refresh = page.find("meta", attrs={"http-equiv": "refresh"})["content"]
    assert refresh == f"0; url={link}"
    assert_signed_out(client)

    # The provider accepts it: its sign-out page, whose confirmation sends the browser back here.
    at_provider = requests.get(link, timeout=10)
    assert at_provider.status_code == 200
    assert "logout" in at_provider.text.lower()

    response = client.get("/signed-out")
    assert response.headers["Location"] == "/sign-in"
    assert "You have signed out." in page_text(client.get("/sign-in"))


def test_a_password_user_signs_out_as_before_when_sso_is_on(client, make, sso):
    user = make.user(email=f"ash@{DOMAIN}")
    client.sign_in_as(user)
    response = client.post("/sign-out")
    assert response.headers["Location"] == "/sign-in"


# Settings ----------------------------------------------------------------------------------------


def test_settings_are_read_from_the_environment():
    settings = read_settings(
        {
            "SSO_ISSUER": "https://login.microsoftonline.com/0000-tenant/v2.0/",
            "SSO_CLIENT_ID": "app",
            "SSO_CLIENT_SECRET": "secret",
            "SSO_ALLOWED_DOMAINS": " Northmoor.gov.uk, @schools.northmoor.gov.uk ",
            "SSO_ONLY": "1",
        }
    ).sso
    assert (
        settings.metadata_url == "https://login.microsoftonline.com/0000-tenant/v2.0/.well-known/openid-configuration"
    )
    assert settings.allowed_domains == ("northmoor.gov.uk", "schools.northmoor.gov.uk")
    assert settings.only and settings.is_entra
    assert not read_settings({}).sso.enabled


@pytest.mark.parametrize(
    "environ",
    [
        pytest.param({"SSO_ONLY": "1"}, id="sso-only-without-sso"),
        pytest.param({"SSO_CLIENT_ID": "app"}, id="no-issuer"),
        pytest.param(
            {"SSO_CLIENT_ID": "app", "SSO_ISSUER": "https://login.microsoftonline.com/t/v2.0"}, id="entra-no-domains"
        ),
        pytest.param(
            {
                "SSO_CLIENT_ID": "app",
                "SSO_ISSUER": "https://login.microsoftonline.com/common/v2.0",
                "SSO_ALLOWED_DOMAINS": DOMAIN,
            },
            id="entra-no-tenant",
        ),
        pytest.param({"SSO_ONLY": "yes", "SSO_CLIENT_ID": "app", "SSO_ISSUER": "https://idp.example"}, id="bad-switch"),
    ],
)
def test_incomplete_settings_refuse_to_start(environ):
    with pytest.raises(ConfigurationError):
        read_settings(environ)


ENTRA = SsoSettings(
    metadata_url="https://login.microsoftonline.com/0000-tenant/v2.0/.well-known/openid-configuration",
    client_id="app",
    allowed_domains=(DOMAIN,),
)


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        pytest.param({"preferred_username": f"ash@{DOMAIN}"}, f"ash@{DOMAIN}", id="upn"),
        pytest.param(
            {"email": f"ash@{DOMAIN}", "xms_edov": True, "preferred_username": "x"}, f"ash@{DOMAIN}", id="edov"
        ),
        pytest.param({"email": f"ash@{DOMAIN}"}, None, id="unverified-email-alone"),
        pytest.param({"preferred_username": "ash_gmail.com#EXT#@tenant.onmicrosoft.com"}, None, id="guest"),
        pytest.param({"preferred_username": "ash@gmail.com", "email_verified": True}, None, id="other-domain"),
    ],
)
def test_entra_id_email_address(claims, expected):
    from audit.auth.sso import verified_email

    assert verified_email(claims, ENTRA) == expected
