"""Headers, cookies, error pages and configuration that keep children's data safe."""

from __future__ import annotations

import pytest
from flask import Flask

from audit.access import public
from audit.config import ConfigurationError, read_settings
from audit.models import Role
from tests.conftest import make_test_app, page_text


def test_security_headers_on_every_page(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_nonce_changes_per_request_and_matches_the_scripts(client):
    first = client.get("/sign-in")
    second = client.get("/sign-in")
    nonce = first.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert nonce not in second.headers["Content-Security-Policy"]
    assert f'nonce="{nonce}"' in first.get_data(as_text=True)


def test_signed_in_pages_are_never_cached(client, make):
    client.sign_in_as(make.user())
    assert client.get("/").headers["Cache-Control"] == "no-store"
    static = client.get("/static/dist/application.css")
    assert static.headers.get("Cache-Control") != "no-store"
    static.close()


def test_session_cookie_is_secure_httponly_and_samesite(client):
    response = client.get("/sign-in")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires" not in cookie or "audit_session" in cookie


def test_no_remember_me_cookie_is_ever_set(client, make):
    make.user(email="remember@test.example")
    response = client.post(
        "/sign-in", data={"email": "remember@test.example", "password": "correct horse battery staple", "remember": "y"}
    )
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_unknown_record_is_404_not_500(client, make):
    client.sign_in_as(make.user(Role.ADMIN))
    for url in ("/cases/999999", "/admin/teams/999999", "/admin/users/999999", "/admin/cases/999999"):
        assert client.get(url).status_code == 404


def test_unclassified_route_fails_closed(database_url):
    app = make_test_app(database_url)

    @app.route("/forgot-to-classify")
    def forgotten() -> str:
        return "secret"

    response = app.test_client().get("/forgot-to-classify")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)


def test_server_error_shows_no_stack_trace(database_url):
    app: Flask = make_test_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    @public
    def boom() -> str:
        raise RuntimeError("internal detail that must not leak")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    text = page_text(response)
    assert "Sorry, there is a problem with the service" in text
    assert "internal detail" not in text
    assert "Traceback" not in text


def test_oversize_request_gets_a_clear_page(app, client, make):
    client.sign_in_as(make.user(Role.ADMIN))
    too_big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/admin/teams/new", data={"name": too_big, "service_area": "1"})
    assert response.status_code == 413
    assert "too large" in page_text(response)


def test_production_refuses_to_start_without_a_real_secret_key():
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        read_settings({"APP_ENV": "production"})
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        read_settings({"APP_ENV": "production", "SECRET_KEY": "short"})
    settings = read_settings(
        {"APP_ENV": "production", "SECRET_KEY": "k" * 64, "DATABASE_URL": "postgresql+psycopg://x/y"}
    )
    assert settings.database_url.startswith("postgresql")


def test_default_database_is_sqlite_under_instance():
    settings = read_settings({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("/instance/audit.db")


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigurationError):
        read_settings({"APP_ENV": "staging-ish"})
