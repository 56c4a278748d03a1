"""Signing in and out with single sign-on in Chromium, through a real OpenID provider's login page
(tests/oidc/provider.mjs), against its own live server configured for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from audit.config import SsoSettings
from audit.demo.council import DEMO_DOMAIN
from tests.browser.conftest import LiveServer, Tab, start_live_server
from tests.oidc import CLIENT_ID, CLIENT_SECRET, OidcProvider, free_port, start_provider

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sso_server(live_database: tuple[str, str]) -> Iterator[tuple[LiveServer, OidcProvider]]:
    """A live server whose sign-in is SSO only, and the provider it trusts."""
    name, url = live_database
    provider_port = free_port()
    settings = SsoSettings(
        metadata_url=f"http://127.0.0.1:{provider_port}/.well-known/openid-configuration",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        allowed_domains=(DEMO_DOMAIN,),
        only=True,
    )
    server = start_live_server(url, name, SSO=settings)
    provider = start_provider([f"{server.url}/sign-in/sso/callback"], [f"{server.url}/signed-out"], port=provider_port)
    yield server, provider
    provider.stop()
    server.stop()


def test_practitioner_signs_in_with_sso_and_out_again(open_tab, sso_server) -> None:
    server, provider = sso_server
    provider.set_accounts(pat={"email": f"practitioner@{DEMO_DOMAIN}", "email_verified": True})
    tab: Tab = open_tab(server)
    page = tab.page

    tab.goto("/", "sign-in-sso-only")
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    with page.expect_navigation(url=f"{provider.issuer}/interaction/**"):
        page.get_by_role("button", name="Sign in with your organisation's account").click()

    # The provider's own login page.
    page.get_by_label("Username").fill("pat")
    tab.follow(page.get_by_role("button", name="Continue"), "home-practitioner-sso")
    assert page.url == f"{server.url}/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Pat Practitioner")
    expect(page.locator("main")).to_contain_text("Your roles: Practitioner.")

    # Signing out here goes on to sign out at the provider, which sends the browser back.
    with page.expect_navigation(url=f"{provider.issuer}/session/end**"):
        page.get_by_role("button", name="Sign out").click()
    tab.console_errors.clear()  # the provider's page is not ours to check
    with page.expect_navigation(url=f"{server.url}/sign-in"):
        page.get_by_role("button", name="Yes, sign me out").click()
    tab.check("signed-out-sso")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")

    # Signed out at the provider too: the next sign-in asks for the username again.
    with page.expect_navigation(url=f"{provider.issuer}/interaction/**"):
        page.get_by_role("button", name="Sign in with your organisation's account").click()
    expect(page.get_by_label("Username")).to_be_visible()
