"""The deployment the README describes, run for real: two web servers (gunicorn) and a worker (Huey's
own consumer) sharing one database and one queue, sending email through a real SMTP server.

On SQLite the queue is Huey's embedded SQLite storage (one machine); on PostgreSQL it is Redis
(several machines). The test stops the mail server while a safeguarding concern is raised, proves
each email arrives exactly once when it is back, sends the escalation from the daily job, and builds
a themed report in the background on one server while the other shows its progress.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import requests
import sqlalchemy as sa
from bs4 import BeautifulSoup

from audit.clock import today, utcnow
from audit.domain.tools import load_definitions
from audit.extensions import db
from audit.models import AuditStatus, Notification, NotificationKind, NotificationStatus, Role, SafeguardingConcern
from tests import factories
from tests.browser.conftest import _fresh_postgresql_database
from tests.conftest import DATABASES, make_test_app
from tests.mail_server import MailServer, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

COMBINATIONS = [("sqlite", "sqlite")] + ([("postgresql", "redis")] if "postgresql" in DATABASES else [])


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def wait_for(what: str, check: Callable[[], Any], seconds: float = 40) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"Timed out waiting for {what}")


@dataclass
class Deployment:
    database_url: str
    env: dict[str, str]
    servers: list[str]
    smtp: MailServer
    app: Any
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def sign_in(self, server: str, email: str) -> requests.Session:
        browser = requests.Session()
        page = BeautifulSoup(browser.get(f"{server}/sign-in", timeout=10).text, "html.parser")
        token = page.find("input", {"name": "csrf_token"})["value"]
        response = browser.post(
            f"{server}/sign-in",
            data={"csrf_token": token, "email": email, "password": factories.PASSWORD},
            timeout=10,
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:300]
        return browser

    def csrf(self, browser: requests.Session, server: str, path: str) -> str:
        page = BeautifulSoup(browser.get(f"{server}{path}", timeout=10).text, "html.parser")
        return str(page.find("input", {"name": "csrf_token"})["value"])

    def notifications(self, kind: NotificationKind) -> list[Notification]:
        with self.app.app_context():
            rows = list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)))
            db.session.remove()
            return rows

    def flask(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


@pytest.fixture(params=COMBINATIONS, ids=lambda combination: f"{combination[0]}-database-{combination[1]}-queue")
def deployment(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> Iterator[Deployment]:
    database, queue = request.param
    if queue == "redis" and not _redis_answers():
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail(f"Redis is not answering at {REDIS_URL}; .ci/run starts it")
        pytest.skip(f"Redis is not answering at {REDIS_URL}")
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'service.db'}"
    else:
        url = _fresh_postgresql_database(os.environ["TEST_DATABASE_URL"], f"deploy_{worker_id}")
    queue_name = f"test-{uuid.uuid4().hex[:12]}"
    app = make_test_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        load_definitions()
        db.session.commit()
        db.session.remove()

    smtp = MailServer().start()
    servers = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "TEST_"))},
        "APP_ENV": "development",
        "SECRET_KEY": "deployment-test-secret-key-0123456789abcdef",
        "DATABASE_URL": url,
        "QUEUE_URL": REDIS_URL if queue == "redis" else f"sqlite:///{tmp_path / 'queue.db'}",
        "QUEUE_NAME": queue_name,
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "MAIL_FROM": "audit@test.example",
        "RETRY_BASE_SECONDS": "1",
        "RETRY_MAX_SECONDS": "2",
        "SERVICE_URL": servers[0],
        "REPORT_BACKGROUND_AUDITS": "1",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "1",
    }
    deployment = Deployment(url, env, servers, smtp, app)
    for number, server in enumerate(servers):
        deployment.processes.append(
            _start(
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                {**env, "GUNICORN_BIND": server.removeprefix("http://")},
                tmp_path / f"web{number}.log",
            )
        )
    deployment.processes.append(
        _start(
            [str(BIN / "huey_consumer"), "audit.jobs.tasks.huey", "--workers", "2", "--worker-type", "thread"],
            env,
            tmp_path / "worker.log",
        )
    )
    try:
        for server in servers:
            wait_for(f"{server} to start", lambda server=server: _answers(f"{server}/health"))
        yield deployment
    finally:
        for process in deployment.processes:
            process.terminate()
        for process in deployment.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
        if queue == "redis":
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"huey.*{queue_name}*"):
                client.delete(key)
        with app.app_context():
            db.engine.dispose()
        for number in range(2):
            log = (tmp_path / f"web{number}.log").read_text(errors="replace")
            assert "Traceback" not in log, log[-3000:]
        worker_log = (tmp_path / "worker.log").read_text(errors="replace")
        assert "Traceback" not in worker_log, worker_log[-3000:]


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_two_web_servers_and_a_worker_share_the_work_and_lose_no_email(deployment: Deployment) -> None:
    make = factories.Factory(deployment.app)
    team = make.team("Deployment Team")
    manager = make.user(Role.SUPERVISOR, team=team)
    leader = make.user(Role.LEADER)
    auditor = make.user(Role.AUDITOR, team=make.team("Deployment Quality"))
    case = make.case(team, worker=make.user(Role.PRACTITIONER, team=team), reference="DEPLOY-000001")
    audit = make.audit(case, auditor, tool="assessment-and-planning", status=AuditStatus.IN_PROGRESS)
    for _ in range(3):
        done = make.audit(make.case(team), auditor, tool="assessment-and-planning", status=AuditStatus.SUBMITTED)
        make.judgements(done, grades="good")

    # The mail service is down when the concern is raised, on the first server.
    deployment.smtp.stop()
    first, second = deployment.servers
    browser = deployment.sign_in(first, auditor.email)
    details = "The child said the man who hurt her mother visits at weekends."
    response = browser.post(
        f"{first}/audits/{audit.id}/concern",
        data={"csrf_token": deployment.csrf(browser, first, f"/audits/{audit.id}/concern"), "details": details},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302

    # The worker tries, fails, and says why; nothing is dropped.
    wait_for(
        "the worker to record failed attempts",
        lambda: [n for n in deployment.notifications(NotificationKind.CONCERN_RAISED) if n.attempts >= 2],
    )
    failed = deployment.notifications(NotificationKind.CONCERN_RAISED)
    assert {n.user_id for n in failed} == {manager.id, leader.id}
    assert all(n.status != NotificationStatus.SENT for n in failed)
    assert any("Could not reach the mail server" in (n.last_error or "") for n in failed)

    # Back up: each email arrives, exactly once.
    deployment.smtp.start()
    wait_for("both concern emails", lambda: len(deployment.smtp.received) >= 2)
    time.sleep(3)  # time for any duplicate to show itself
    references = deployment.smtp.references()
    assert len(references) == 2 and len(set(references)) == 2
    assert {m["To"] for m in deployment.smtp.received} == {manager.email, leader.email}
    for message in deployment.smtp.received:
        assert details not in message.as_string() and "DEPLOY-000001" not in message.as_string()
        assert f"{first}/audits/concerns" in message.get_content()
    assert all(n.status == NotificationStatus.SENT for n in deployment.notifications(NotificationKind.CONCERN_RAISED))

    # The daily job (run here from the command line, as cron would) escalates the overdue concern;
    # the worker delivers the escalation.
    with deployment.app.app_context():
        concern = db.session.scalar(sa.select(SafeguardingConcern).where(SafeguardingConcern.audit_id == audit.id))
        concern.raised_at = utcnow() - timedelta(days=10)
        db.session.commit()
        db.session.remove()
    assert "escalate-concerns: 1" in deployment.flask("jobs", "daily")
    wait_for("both escalation emails", lambda: len(deployment.smtp.received) >= 4)
    escalations = [m for m in deployment.smtp.received if "escalated" in str(m["Subject"])]
    assert {m["To"] for m in escalations} == {manager.email, leader.email}

    # A report asked for on the second server is built by the worker; the first shows its progress.
    leader_on_second = deployment.sign_in(second, leader.email)
    period = f"from={(today() - timedelta(days=30)).isoformat()}&to={today().isoformat()}"
    asked = leader_on_second.get(f"{second}/reports/themed.pdf?{period}", timeout=30, allow_redirects=False)
    assert asked.status_code == 302, asked.text[:500]
    job_path = asked.headers["Location"]
    job_id = int(re.fullmatch(r".*/reports/jobs/(\d+)", job_path).group(1))  # type: ignore[union-attr]
    leader_on_first = deployment.sign_in(first, leader.email)
    page = leader_on_first.get(f"{first}/reports/jobs/{job_id}", timeout=10)
    assert page.status_code == 200
    seen: list[str] = []

    def finished() -> bool:
        status = leader_on_first.get(f"{first}/reports/jobs/{job_id}/status", timeout=10).json()
        seen.append(status["status"])
        return status["status"] == "done"

    wait_for("the report to be built", finished, seconds=90)
    ready = leader_on_first.get(f"{first}/reports/jobs/{job_id}", timeout=10)
    assert "Your report is ready" in ready.text
    download = leader_on_first.get(f"{first}/reports/jobs/{job_id}/download", timeout=30)
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=download.content, capture_output=True, check=True).stdout
    assert b"3 audits" in text or b"Themed" in text or b"themed" in text.lower()

    # Only the person who asked may see or collect it.
    someone_else = make.user(Role.LEADER)
    other = deployment.sign_in(second, someone_else.email)
    assert other.get(f"{second}/reports/jobs/{job_id}", timeout=10).status_code == 404
    assert other.get(f"{second}/reports/jobs/{job_id}/download", timeout=10).status_code == 404
