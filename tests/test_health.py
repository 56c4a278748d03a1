"""`/health` for load balancers, and the gunicorn configuration the service runs with."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gunicorn.config import Config

from audit.config import read_settings
from tests.conftest import DATABASES, make_test_app
from tests.fresh_database import migrated_app

ROOT = Path(__file__).resolve().parent.parent


def test_health_answers_ok_without_sign_in_cookie_or_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="audit")
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert not [record for record in caplog.records if record.name == "audit.request"]

    assert client.head("/health").status_code == 200
    assert client.post("/health").status_code == 405


def test_health_is_never_refused_however_often_it_is_asked(client):
    assert {client.get("/health").status_code for _ in range(50)} == {200}


@pytest.mark.parametrize("kind", DATABASES)
def test_health_answers_503_when_the_database_does_not(tmp_path, kind):
    # Not the shared test app, whose session is bound to the test's own connection.
    if kind == "sqlite":
        unreachable = f"sqlite:///{tmp_path / 'no such folder' / 'audit.db'}"
    else:
        unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"  # nothing listens on port 1
    down = make_test_app(unreachable)
    response = down.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "database unavailable\n"


def _gunicorn_settings(environ: dict[str, str]) -> Config:
    config = Config()
    saved = dict(os.environ)
    os.environ.update(environ)
    try:
        namespace: dict[str, object] = {}
        exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_gunicorn_waits_longer_than_the_database_lets_a_request_wait():
    settings = read_settings({})
    config = _gunicorn_settings({})
    assert config.timeout > settings.database_statement_timeout + settings.database_lock_timeout
    assert config.preload_app is True
    assert config.accesslog is None  # the app logs each request itself
    # Raising the statement timeout raises gunicorn's with it.
    assert _gunicorn_settings({"DATABASE_STATEMENT_TIMEOUT": "90"}).timeout > 90


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_gunicorn_starts_with_the_configuration_and_answers_health(tmp_path):
    url = f"sqlite:///{tmp_path / 'served.db'}"
    migrated_app(url)
    port = _free_port()
    environ = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        answer = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    answer = (response.status, response.read())
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert answer == (200, b"ok\n"), server.stderr.read().decode() if server.poll() is not None else answer
    finally:
        server.terminate()
        server.wait(timeout=30)
    if server.stderr is not None:
        server.stderr.close()


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_timeouts_must_be_seconds(value):
    from audit.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="DATABASE_LOCK_TIMEOUT"):
        read_settings({"DATABASE_LOCK_TIMEOUT": value})
