"""A real OpenID provider for the single sign-on tests (tests/oidc/provider.mjs, the certified npm
``oidc-provider``), started in its own Node process on 127.0.0.1 and stopped after the tests.

``OidcProvider.sign_in(authorization_url, username)`` does what a person does at the provider's
login page and returns the URL the provider sends the browser back to (the app's callback, with
its code and state), without following it: the test then gives it to the app's test client.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

import pytest
import requests

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "audit-app"
CLIENT_SECRET = "test-client-secret"
START_TIMEOUT_SECONDS = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class OidcProvider:
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def set_accounts(self, **accounts: dict[str, Any]) -> None:
        """The accounts the login page knows, by username, with their claims (email, email_verified...)."""
        requests.post(f"{self.issuer}/__test__/accounts", data=json.dumps(accounts), timeout=5).raise_for_status()

    def spoil_next_id_token(self, *, other_key: bool = False, **claims: Any) -> None:
        """The next ID token it issues has these claims changed, or is signed with a key it does not publish."""
        body = json.dumps({"claims": claims, "other_key": other_key})
        requests.post(f"{self.issuer}/__test__/spoil-next-id-token", data=body, timeout=5).raise_for_status()

    def sign_in(self, authorization_url: str, username: str, *, browser: requests.Session | None = None) -> str:
        """Sign in at the provider's login page; return where it redirects back to the app."""
        browser = browser or requests.Session()
        url = authorization_url
        for _ in range(10):
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code == 200 and 'name="login"' in response.text:
                form_action = urljoin(url, response.text.split('action="', 1)[1].split('"', 1)[0])
                response = browser.post(
                    form_action, data={"login": username, "password": "anything"}, allow_redirects=False, timeout=10
                )
            assert response.status_code in {302, 303}, (response.status_code, response.text[:500])
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(self.issuer):
                return url
        raise AssertionError("the provider never sent the browser back")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def start_provider(
    redirect_uris: list[str], post_logout_redirect_uris: list[str] | None = None, *, port: int | None = None
) -> OidcProvider:
    """Start the provider (on ``port``, or a free one) and wait until it publishes its metadata."""
    node = shutil.which("node")
    if node is None or not (PROJECT_ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("The SSO tests need Node and the npm packages (npm ci)", pytrace=False)
    port = port or free_port()
    command = [node, str(SCRIPT), "--port", str(port), "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    for uri in post_logout_redirect_uris or []:
        command += ["--post-logout-redirect-uri", uri]
    # Its warnings go to a file, not a pipe that could fill up and stop it.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=log)
    provider = OidcProvider(port, process, log)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            error = log.read().decode(errors="replace")
            log.close()
            pytest.fail(f"The test OpenID provider stopped: {error}", pytrace=False)
        try:
            if requests.get(provider.metadata_url, timeout=1).ok:
                return provider
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    provider.stop()
    pytest.fail("The test OpenID provider did not start", pytrace=False)
