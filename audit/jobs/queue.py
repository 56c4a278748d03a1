"""The task queue: Huey, with SQLite storage by default and Redis for several machines.

``QUEUE_URL`` chooses the storage: unset, a SQLite file beside the app's own (``instance/queue.db``),
which needs no server when the web server and the worker share a machine; ``redis://host:port/db``
when web servers and workers run on several machines; ``memory`` (the test default) keeps tasks in
the process that queued them, for tests that do not run a worker. ``QUEUE_NAME`` keeps two services
(or two test runs) on one Redis apart. The consumer reads the same variables, so both sides agree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from audit.config import INSTANCE_DIR


def make_huey(environ: Mapping[str, str] | None = None) -> Huey:
    environ = os.environ if environ is None else environ
    url = environ.get("QUEUE_URL", "").strip()
    name = environ.get("QUEUE_NAME", "").strip() or "practice-audit"
    if not url:
        url = "memory" if environ.get("APP_ENV", "").strip() == "testing" else ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, utc=True)
    if url == "memory":
        return MemoryHuey(name, utc=True)
    path = Path(url.removeprefix("sqlite:///") if url else INSTANCE_DIR / "queue.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), utc=True)


huey = make_huey()
