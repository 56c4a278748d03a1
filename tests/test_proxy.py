"""Behind a TLS-terminating proxy (TRUSTED_PROXIES), HTTPS visitors get HSTS and https URLs; with
no trusted proxy, the forwarded headers anyone can send are ignored."""

from __future__ import annotations

import pytest
from flask import request, url_for

from audit.config import ConfigurationError, read_settings
from tests.conftest import make_test_app

FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "audit.council.example",
    "X-Forwarded-For": "203.0.113.9",
}


def _app(app, proxies: int):
    return make_test_app(str(app.config["SQLALCHEMY_DATABASE_URI"]), TRUSTED_PROXIES=proxies)


def test_behind_one_trusted_proxy_an_https_visitor_gets_hsts(app):
    response = _app(app, 1).test_client().get("/sign-in", headers=FORWARDED)
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_behind_one_trusted_proxy_urls_and_the_client_address_are_the_visitors(app):
    proxied = _app(app, 1)
    seen: dict[str, str] = {}

    @proxied.after_request
    def _record(response):  # type: ignore[no-untyped-def]
        seen.update(scheme=request.scheme, host=request.host, address=str(request.remote_addr))
        seen["external"] = url_for("auth.sign_in", _external=True)
        return response

    proxied.test_client().get("/sign-in", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert seen == {
        "scheme": "https",
        "host": "audit.council.example",
        "address": "203.0.113.9",
        "external": "https://audit.council.example/sign-in",
    }


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(app):
    response = _app(app, 0).test_client().get("/sign-in", headers=FORWARDED)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_trusted_proxies_is_a_count():
    assert read_settings({"TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    assert read_settings({}).trusted_proxies == 0
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        read_settings({"TRUSTED_PROXIES": "yes"})
