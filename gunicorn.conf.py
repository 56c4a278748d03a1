"""gunicorn's settings for running the service: ``.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app``.

Every setting here can be changed from the environment without editing the file:
``GUNICORN_BIND``, ``WEB_CONCURRENCY`` (workers), ``GUNICORN_TIMEOUT``.

The worker timeout must stay above the database's own limits (``DATABASE_LOCK_TIMEOUT``, 5 s, and
``DATABASE_STATEMENT_TIMEOUT``, 20 s, in audit/config.py): a request stuck behind a lock is then
answered "busy, try again" by the app, instead of gunicorn killing the worker mid-request and the
person getting a bare error. A themed report PDF takes up to ~15 s to draw on a large council.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any


def _number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    return float(text) if text else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each handles one request at a time. Two per core (plus one) keeps the CPU busy
# while others wait on the database; more only adds memory (a PDF can take ~300 MB).
workers = int(_number("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
# Above the longest statement the database allows (+ time to draw a PDF); raised with it.
timeout = int(_number("GUNICORN_TIMEOUT", max(60.0, _number("DATABASE_STATEMENT_TIMEOUT", 20.0) + 40)))
graceful_timeout = 30  # a restart lets requests in progress finish first
keepalive = 5  # behind a proxy that reuses connections
# Load the app once, before forking: a mistake in the configuration stops the server at start
# instead of every worker failing, and the workers share the loaded code's memory.
preload_app = True
# Restart each worker now and then, so that no slow leak (WeasyPrint, fonts) grows without end.
max_requests = 1000
max_requests_jitter = 100
# The app writes one line per request itself, without query strings (audit/request_log.py), and
# none for /health; gunicorn's own access log would add a second, with them.
accesslog = None
errorlog = "-"
# No control socket in the home folder: several services on one machine would share its path.
control_socket_disable = True


def post_fork(_server: Any, _worker: Any) -> None:
    """Each worker opens its own database connections: none made in the parent (with preload)
    may be shared across processes."""
    from audit.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
