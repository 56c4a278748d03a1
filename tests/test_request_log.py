"""Request logging: one line per request with its id, and never a child's details or free text."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask

from audit.access import public
from audit.config import ConfigurationError, read_settings
from audit.models import Role
from audit.request_log import REQUEST_ID_HEADER, KeyValueFormatter
from tests.conftest import make_test_app
from tests.pages import page_text

# What a person might type about a child: it may reach the app, never the log.
SECRET = "Jayden Smith CS-104233"


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The records as the app's handler writes them to stderr."""
    formatter = KeyValueFormatter()
    return [formatter.format(record) for record in caplog.records]


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "audit.request"]


def test_a_signed_in_request_is_one_line_with_its_id_user_route_status_and_duration(client, make, caplog):
    admin = make.user(Role.ADMIN)
    team = make.team()
    client.sign_in_as(admin)
    caplog.set_level(logging.INFO, logger="audit")

    response = client.get(f"/admin/teams/{team.id}")

    assert response.status_code == 200
    (record,) = _request_records(caplog)
    assert record.request_id == response.headers[REQUEST_ID_HEADER]  # type: ignore[attr-defined]
    fields = record.fields  # type: ignore[attr-defined]
    assert fields["method"] == "GET"
    assert fields["route"] == "/admin/teams/<int:team_id>"
    assert fields["endpoint"] == "admin.edit_team"
    assert fields["status"] == 200
    assert fields["user_id"] == admin.id
    assert float(fields["duration_ms"]) >= 0
    (line,) = [line for line in _lines(caplog) if "logger=audit.request" in line]
    assert "\n" not in line
    assert f"request_id={response.headers[REQUEST_ID_HEADER]} " in line
    assert "route=/admin/teams/<int:team_id> " in line
    assert f"user_id={admin.id}" in line
    assert re.search(r"status=200 duration_ms=\d+\.\d ", line)
    assert f"/admin/teams/{team.id}" not in line  # the rule, not the path


def test_a_signed_out_request_logs_no_user_and_sign_out_logs_who(client, make, caplog):
    user = make.user()
    caplog.set_level(logging.INFO, logger="audit")
    client.get("/sign-in")
    client.sign_in_as(user)
    client.post("/sign-out")

    signed_out, sign_out = [record.fields for record in _request_records(caplog)]  # type: ignore[attr-defined]
    assert signed_out["user_id"] == "none"
    assert sign_out["endpoint"] == "auth.sign_out"
    assert sign_out["user_id"] == user.id


def test_every_response_has_a_new_request_id_and_a_strict_incoming_one_is_kept(client):
    first = client.get("/sign-in").headers[REQUEST_ID_HEADER]
    second = client.get("/sign-in").headers[REQUEST_ID_HEADER]
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert first != second

    from_proxy = "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert client.get("/sign-in", headers={REQUEST_ID_HEADER: from_proxy}).headers[REQUEST_ID_HEADER] == from_proxy
    for untrusted in (SECRET, "abc", "x" * 40, "0" * 16 + " CS-104233"):
        kept = client.get("/sign-in", headers={REQUEST_ID_HEADER: untrusted}).headers[REQUEST_ID_HEADER]
        assert re.fullmatch(r"[0-9a-f]{16}", kept)


def test_the_500_page_shows_the_id_that_the_logged_error_carries(database_url, caplog):
    app: Flask = make_test_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom", methods=["GET", "POST"])
    @public
    def boom() -> str:
        raise RuntimeError("internal detail that must not leak")

    caplog.set_level(logging.INFO, logger="audit")
    response = app.test_client().get("/boom")

    assert response.status_code == 500
    reference = response.headers[REQUEST_ID_HEADER]
    assert f"quote this reference: {reference}" in page_text(response)
    (error,) = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert error.request_id == reference  # type: ignore[attr-defined]
    assert error.exc_info is not None
    (request,) = _request_records(caplog)
    assert request.request_id == reference  # type: ignore[attr-defined]
    assert request.fields["status"] == 500  # type: ignore[attr-defined]
    error_line = KeyValueFormatter().format(error)
    assert "\n" not in error_line
    assert f"request_id={reference} " in error_line
    assert "RuntimeError" in error_line


def test_other_error_pages_have_no_reference(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "quote this reference" not in page_text(response)


def test_posted_free_text_and_query_strings_never_reach_the_log(client, make, caplog):
    client.sign_in_as(make.user(Role.ADMIN))
    caplog.set_level(logging.DEBUG, logger="audit")

    client.get("/cases/", query_string={"q": SECRET})
    client.post("/admin/teams/new", data={"name": SECRET, "service_area": "1"})
    client.get(f"/no-such-page/{SECRET}")

    lines = _lines(caplog)
    routes = [record.fields["route"] for record in _request_records(caplog)]  # type: ignore[attr-defined]
    assert routes == ["/cases/", "/admin/teams/new", "-"]
    for part in (SECRET, "Jayden", "CS-104233", "104233", "q="):
        assert not any(part in line for line in lines), part


def test_log_level_is_a_setting_quiet_in_tests():
    assert read_settings({}).log_level == "INFO"
    assert read_settings({"APP_ENV": "testing"}).log_level == "WARNING"
    assert read_settings({"LOG_LEVEL": "debug"}).log_level == "DEBUG"
    with pytest.raises(ConfigurationError, match="LOG_LEVEL"):
        read_settings({"LOG_LEVEL": "loud"})
