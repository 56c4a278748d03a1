"""How the app holds up with many people at once: 20 users without pauses against gunicorn.

Seeds a fresh demo council (``flask db upgrade``, ``load-tools``, ``seed-demo``) into a throwaway
SQLite file, or into an emptied PostgreSQL database, starts the app under gunicorn with the
project's ``gunicorn.conf.py`` on a free loopback port, and then:

1. **signs in** every virtual user at once (argon2id on each password, as in production);
2. **baseline**: the same number of users ask for the sign-in page (no session, no database
   work) for a while: the most the server can answer on this machine;
3. **mixed load**, after a warm-up: auditors open a part of their own draft audit and autosave it
   (a changed evidence field each time, as the page's script posts it), and look at My audits and
   their home page; a supervisor autosaves a draft supervision record; leaders and moderators read
   Home, Audits, My audits, Supervision and (leaders) the reports dashboard;
4. **restart check**: kills every worker (as a crash would), then asks the master to reload
   (SIGHUP), with the load still running, then kills every worker again with no load; each time
   it times how long until a request is answered again.

It prints p50/p95/p99 and the count per request type (with the failures by status), the throughput
of each phase, and the workers' CPU time per request (from /proc), which depends far less than
throughput on whatever else the machine is doing. Everything stays on 127.0.0.1, in a temporary
directory, and stops after the phases' fixed durations (each request times out after 60 s).

    .venv/bin/python bench/load.py                       # SQLite, 20 users, 30 s measured
    createdb -h 127.0.0.1 -U postgres bench_load        # a database of its own: the script empties it
    .venv/bin/python bench/load.py --database postgresql
    .venv/bin/python bench/load.py --users 20 --duration 30 --warm-up 5 --baseline 10
    .venv/bin/python bench/load.py --gunicorn=--workers=2    # any gunicorn option on top of the file's

The client runs in this process, on the same machine, so it takes a share of the same cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "demo-password-2026"  # audit.demo.council.DEMO_PASSWORD: synthetic accounts only
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"
HOST = "127.0.0.1"
TIMEOUT = 60.0


# HTTP, as a browser without JavaScript would speak it -------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    location: str | None


class Browser:
    """One person's cookies; a new connection per request (gunicorn's sync workers close each)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: list[tuple[str, str]] | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        sent = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if value and "expires=thu, 01 jan 1970" not in header.lower():
                    self.cookies[name.strip()] = value
                else:
                    self.cookies.pop(name.strip(), None)
            return Answer(response.status, data, response.getheader("Location"))
        finally:
            connection.close()


class FormReader(HTMLParser):
    """The fields of the first form (or of the form with ``data-autosave-url``), as a browser would
    post them: inputs, checked radios and boxes, textareas and selected options; no buttons."""

    def __init__(self, autosave: bool) -> None:
        super().__init__()
        self.autosave = autosave
        self.inside = False
        self.done = False
        self.attributes: dict[str, str] = {}
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and not self.inside and not self.done:
            if not self.autosave or "data-autosave-url" in found:
                self.inside, self.attributes = True, found
            return
        if not self.inside:
            return
        name = found.get("name")
        if tag == "input" and name:
            kind = found.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in found:
                    self.fields.append((name, found.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.fields.append((name, found.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._option = name, None
        elif tag == "option" and self._select is not None and ("selected" in found or self._option is None):
            self._option = found.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select, self._option or ""))
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def read_form(html: bytes, autosave: bool = False) -> FormReader:
    reader = FormReader(autosave)
    reader.feed(html.decode())
    if not reader.attributes:
        raise RuntimeError("no form on the page")
    return reader


def sign_in(browser: Browser, email: str, busy: list[str]) -> float:
    """Sign in, trying again after "busy" (503) as a person would; the time of the last attempt."""
    for _attempt in range(10):
        page = read_form(browser.request("GET", "/sign-in").body)
        fields = [(name, value) for name, value in page.fields if name == "csrf_token"]
        started = time.perf_counter()
        answer = browser.request("POST", "/sign-in", [*fields, ("email", email), ("password", PASSWORD)])
        took = time.perf_counter() - started
        if answer.status != 503:
            break
        busy.append(email)
    if answer.status != 302:
        raise RuntimeError(f"{email} could not sign in ({answer.status})")
    return took


# What each virtual user does ---------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    started: float
    ended: float
    status: int


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, kind: str, call: Callable[[], Answer]) -> Answer:
        started = time.perf_counter()
        try:
            answer = call()
        except (OSError, http.client.HTTPException):  # refused or cut off while workers restart: counted
            answer = Answer(0, b"", None)
        with self.lock:
            self.samples.append(Sample(kind, started, time.perf_counter(), answer.status))
        return answer


@dataclass
class Draft:
    """A form with autosave: its page, where it posts, and what it holds."""

    page: str
    url: str
    csrf: str
    fields: list[tuple[str, str]]

    def edited(self, counter: int) -> list[tuple[str, str]]:
        """The form with one free-text field changed, as when someone types."""
        fields = list(self.fields)
        for index, (name, _value) in enumerate(fields):
            if name.endswith("evidence") or name in ("discussion", "strengths", "summary", "notes"):
                fields[index] = (name, f"Typed at save {counter}: seen the child alone; views recorded.")
                return fields
        for index, (name, value) in enumerate(fields):  # any textarea-like field will do
            if name not in ("csrf_token", "version", "overwrite", "part") and not value.isdigit():
                fields[index] = (name, f"Typed at save {counter}")
                return fields
        return fields

    def poster(self, browser: Browser, fields: list[tuple[str, str]]) -> Callable[[], Answer]:
        """The post the page's script makes (it sends the CSRF token as a header too)."""
        headers = {"X-CSRFToken": self.csrf, "Accept": "application/json"}
        return lambda: browser.request("POST", self.url, fields, headers)

    def use_version(self, version: str) -> None:
        self.fields = [(name, version if name == "version" else value) for name, value in self.fields]


def open_draft(browser: Browser, page: str) -> Draft:
    for _attempt in range(20):  # a 503 ("busy, try again") is counted in the run, not here
        answer = browser.request("GET", page)
        if answer.status != 503:
            break
        time.sleep(0.5)
    if answer.status != 200:
        raise RuntimeError(f"{page} answered {answer.status}")
    form = read_form(answer.body, autosave=True)
    return Draft(page, form.attributes["data-autosave-url"], form.attributes["data-csrf-token"], form.fields)


@dataclass
class VirtualUser:
    email: str
    role: str  # "auditor", "supervisor", "leader" or "moderator"
    pages: list[str] = field(default_factory=list)  # draft pages to open and autosave
    browser: Browser | None = None
    drafts: list[Draft] = field(default_factory=list)

    def prepare(self, port: int, sign_ins: list[float], busy: list[str]) -> None:
        self.browser = Browser(port)
        sign_ins.append(sign_in(self.browser, self.email, busy))
        self.drafts = [open_draft(self.browser, page) for page in self.pages]

    def run(self, recorder: Recorder, stop: threading.Event) -> None:
        browser = self.browser
        assert browser is not None
        counter = random.randrange(1_000_000)
        get = lambda path: lambda: browser.request("GET", path)  # noqa: E731
        while not stop.is_set():
            if self.drafts:
                autosave = "autosave" if self.role == "auditor" else "supervision autosave"
                form_kind = "audit form" if self.role == "auditor" else "supervision form"
                draft = self.drafts[counter % len(self.drafts)]
                recorder.timed(form_kind, get(draft.page))
                for _ in range(5):
                    counter += 1
                    posted = draft.edited(counter)
                    answer = recorder.timed(autosave, draft.poster(browser, posted))
                    if answer.status == 200:  # every part's page of this audit now has the new version
                        for each in self.drafts:
                            each.use_version(str(json.loads(answer.body)["version"]))
                    if stop.is_set():
                        return
                recorder.timed("my audits", get("/audits/mine"))
                recorder.timed("home", get("/"))
            else:
                recorder.timed("home", get("/"))
                recorder.timed("audits list", get("/audits/"))
                recorder.timed("my audits", get("/audits/mine"))
                recorder.timed("supervision", get("/supervision/"))
                if self.role == "leader":
                    recorder.timed("reports dashboard", get("/reports/"))
                counter += 1


def baseline_user(port: int, recorder: Recorder, stop: threading.Event) -> None:
    browser = Browser(port)
    while not stop.is_set():
        browser.cookies.clear()  # a visitor with no session, every time
        recorder.timed("sign-in page (baseline)", lambda: browser.request("GET", "/sign-in"))


# The database and the server ---------------------------------------------------------------------


def prepare_postgres(url: str) -> None:
    parsed = make_url(url)
    if parsed.database in {"test", "postgres", None}:
        sys.exit(f"refusing to empty the database {parsed.database!r}: create one for the benchmark")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def seed(env: dict[str, str]) -> float:
    started = time.perf_counter()
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["load-tools"], ["seed-demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def plan_users(url: str, count: int) -> list[VirtualUser]:
    """Who the virtual users are: auditors each with draft audits of their own (no two users share
    one, so no save is refused as a conflict), a supervisor with a draft record, and readers."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        drafts = connection.execute(
            sa.text(
                "SELECT users.email, audits.id FROM audits JOIN users ON users.id = audits.auditor_id "
                "WHERE audits.status IN ('assigned', 'in_progress') ORDER BY audits.id"
            )
        ).all()
        records = connection.execute(
            sa.text(
                "SELECT users.email, supervision_records.id FROM supervision_records "
                "JOIN users ON users.id = supervision_records.supervisor_id "
                "WHERE supervision_records.status = 'draft' ORDER BY supervision_records.id"
            )
        ).all()
    engine.dispose()
    auditors_wanted = round(count * 0.6)
    by_auditor: dict[str, list[int]] = {}
    for email, audit_id in drafts:
        by_auditor.setdefault(email, []).append(audit_id)
    users: list[VirtualUser] = []
    while len(users) < auditors_wanted and any(by_auditor.values()):
        for email, ids in by_auditor.items():
            if ids and len(users) < auditors_wanted:
                audit_id = ids.pop(0)
                pages = [f"/audits/{audit_id}/edit/1", f"/audits/{audit_id}/edit/2"]
                users.append(VirtualUser(email, "auditor", pages))
    for email, record_id in records[: max(1, count // 20)]:
        users.append(VirtualUser(email, "supervisor", [f"/supervision/{record_id}/edit/1"]))
    readers = ["leader@demo.example", "moderator@demo.example"]
    while len(users) < count:
        email = readers[len(users) % 2]
        users.append(VirtualUser(email, email.split("@")[0]))
    return users


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    try:
        return Browser(port).request("GET", "/sign-in").status == 200
    except OSError:
        return False


def wait_until_answering(port: int, limit: float = 120.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if answers(port):
            return time.perf_counter() - started
        time.sleep(0.05)
    raise RuntimeError(f"no answer within {limit:.0f} s")


def start_server(
    env: dict[str, str], port: int, log: Path, extra: list[str]
) -> tuple[subprocess.Popen[bytes], list[str]]:
    command = [str(BIN / "gunicorn")]
    if (ROOT / "gunicorn.conf.py").is_file():
        command += ["--config", str(ROOT / "gunicorn.conf.py")]
    else:  # before gunicorn.conf.py existed: the settings it was to hold
        command += ["--workers", "4", "--timeout", "30"]
    command += [*extra, "--bind", f"{HOST}:{port}", "wsgi:app"]
    with log.open("ab") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    return server, command


def workers_of(server: subprocess.Popen[bytes]) -> list[int]:
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def _cpu(pid: int, children: bool = False) -> float:
    """A process's user + system CPU seconds (``children``: of its children that have ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    first = 13 if children else 11
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """CPU time the workers have used so far, the running ones and those that ended (gunicorn's
    max_requests replaces them): what the requests cost the server, whatever else the machine was
    doing."""
    return _cpu(server.pid, children=True) + sum(_cpu(pid) for pid in workers_of(server))


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# Phases ------------------------------------------------------------------------------------------


@dataclass
class Phase:
    recorder: Recorder
    start: float
    end: float
    server_cpu: float  # seconds of the workers' CPU inside the window
    load: str  # the machine's load average at the end


def run_phase(
    threads: list[Callable[[Recorder, threading.Event], None]],
    warm_up: float,
    duration: float,
    server: subprocess.Popen[bytes],
) -> Phase:
    recorder, stop = Recorder(), threading.Event()
    running = [threading.Thread(target=target, args=(recorder, stop), daemon=True) for target in threads]
    for thread in running:
        thread.start()
    time.sleep(warm_up)
    cpu_before, window_start = server_cpu_seconds(server), time.perf_counter()
    time.sleep(duration)
    cpu_after, window_end = server_cpu_seconds(server), time.perf_counter()
    load = load_average()
    stop.set()
    for thread in running:
        thread.join(TIMEOUT)
    return Phase(recorder, window_start, window_end, cpu_after - cpu_before, load)


def restart_checks(server: subprocess.Popen[bytes], port: int, users: list[VirtualUser]) -> list[tuple[str, float]]:
    """Under the mixed load: every worker killed at once (a crash), then a reload (SIGHUP)."""
    results = []
    recorder, stop = Recorder(), threading.Event()
    load = [threading.Thread(target=user.run, args=(recorder, stop), daemon=True) for user in users]
    for thread in load:
        thread.start()
    time.sleep(3)
    for pid in workers_of(server):
        os.kill(pid, signal.SIGKILL)
    results.append(("every worker killed (SIGKILL), under load", wait_until_answering(port)))
    time.sleep(5)
    os.kill(server.pid, signal.SIGHUP)
    results.append(("reload (SIGHUP to the master), under load", wait_until_answering(port)))
    time.sleep(5)
    stop.set()
    for thread in load:
        thread.join(TIMEOUT)
    time.sleep(2)
    for pid in workers_of(server):
        os.kill(pid, signal.SIGKILL)
    results.append(("every worker killed (SIGKILL), idle", wait_until_answering(port)))
    return results


# Report ------------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def table(phase: Phase) -> tuple[list[str], float, float]:
    """The phase's table; its throughput (answered 2xx/3xx per s) and server CPU ms per request."""
    start, end = phase.start, phase.end
    inside = [sample for sample in phase.recorder.samples if sample.started >= start and sample.ended <= end]
    kinds = sorted({sample.kind for sample in inside})
    lines = [f"{'request':<26}{'count':>7}{'failed':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'per s':>8}"]
    seconds = end - start
    failures: list[str] = []
    for kind in kinds:
        samples = [sample for sample in inside if sample.kind == kind]
        times = [(sample.ended - sample.started) * 1000 for sample in samples]
        failed = sum(1 for sample in samples if not 200 <= sample.status < 400)
        statuses = sorted({sample.status for sample in samples if not 200 <= sample.status < 400})
        if statuses:
            failures.append(
                f"{kind}: "
                + ", ".join(
                    f"{sum(1 for x in samples if x.status == status)} x {status or 'no answer'}" for status in statuses
                )
            )
        lines.append(
            f"{kind:<26}{len(samples):>7}{failed:>8}{percentile(times, 0.5):>9.0f}{percentile(times, 0.95):>9.0f}"
            f"{percentile(times, 0.99):>9.0f}{len(samples) / seconds:>8.1f}"
        )
    if failures:
        lines.append("failed: " + "; ".join(failures))
    failed = sum(1 for sample in inside if not 200 <= sample.status < 400)
    throughput = (len(inside) - failed) / seconds
    lines.append(f"{'all':<26}{len(inside):>7}{failed:>8}{'':>9}{'':>9}{'':>9}{len(inside) / seconds:>8.1f}")
    lines.append(f"{'all answered 2xx/3xx':<59}{throughput:>8.1f}")
    cpu = phase.server_cpu * 1000 / max(1, len(inside))
    lines.append(f"server CPU per request: {cpu:.1f} ms (workers' user + system time); load average {phase.load}")
    return lines, throughput, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", help=f"PostgreSQL only; default {POSTGRES_DEFAULT}; it is emptied")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of mixed load measured")
    parser.add_argument("--warm-up", type=float, default=5.0)
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds of the sign-in page measured")
    parser.add_argument("--no-restart", action="store_true", help="skip the restart check")
    parser.add_argument(
        "--gunicorn",
        action="append",
        default=[],
        metavar="ARG",
        help="one more gunicorn argument (e.g. --gunicorn=--preload)",
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-load-") as directory:
        folder = Path(directory)
        if options.database == "postgresql":
            url = options.database_url or POSTGRES_DEFAULT
            prepare_postgres(url)
        else:
            url = f"sqlite:///{folder / 'load.db'}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "APP_ENV": "development",
            "SECURE_COOKIES": "0",  # plain HTTP on 127.0.0.1: the client must send the cookie back
        }
        seeded = seed(env)
        users = plan_users(url, options.users)
        # The server as in production (a real secret key, request logging at INFO), but over HTTP.
        server_env = {**env, "APP_ENV": "production", "SECRET_KEY": secrets.token_hex(32)}
        port = free_port()
        log = folder / "gunicorn.log"
        server, command = start_server(server_env, port, log, options.gunicorn)
        try:
            first_answer = wait_until_answering(port)
            print(f"server: {' '.join(command[1:])}")
            print(
                f"database: {make_url(url).get_backend_name()}, seeded in {seeded:.1f} s; load average {load_average()}"
            )
            print(f"first answer {first_answer:.1f} s after starting gunicorn")
            kinds = {
                role: sum(1 for user in users if user.role == role) for role in dict.fromkeys(u.role for u in users)
            }
            print("virtual users: " + ", ".join(f"{count} {role}" for role, count in kinds.items()))

            sign_ins: list[float] = []
            busy: list[str] = []
            preparing = [threading.Thread(target=user.prepare, args=(port, sign_ins, busy)) for user in users]
            for thread in preparing:
                thread.start()
            for thread in preparing:
                thread.join(TIMEOUT)
            ready = [user for user in users if user.browser is not None and len(user.drafts) == len(user.pages)]
            if len(ready) < len(users):
                raise RuntimeError(f"only {len(ready)} of {len(users)} users got ready (see {log})")
            print(
                f"\nsign-in POST, {len(sign_ins)} at once: p50 {percentile(sign_ins, 0.5) * 1000:.0f} ms, "
                f"max {max(sign_ins) * 1000:.0f} ms (argon2id per password); "
                f"{len(busy)} answered 503 (busy) first and were tried again"
            )

            baseline = run_phase(
                [lambda recorder, stop: baseline_user(port, recorder, stop)] * options.users,
                2.0,
                options.baseline,
                server,
            )
            lines, trivial, trivial_cpu = table(baseline)
            print(f"\nbaseline: {options.users} users asking for the sign-in page for {options.baseline:.0f} s")
            print("\n".join(lines))

            mixed = run_phase([user.run for user in users], options.warm_up, options.duration, server)
            lines, throughput, mixed_cpu = table(mixed)
            print(f"\nmixed load: {options.users} users without pauses for {options.duration:.0f} s")
            print("\n".join(lines))
            print(f"\nthroughput: {throughput:.1f}/s mixed, {trivial:.1f}/s sign-in page: {throughput / trivial:.0%}")
            print(
                f"server CPU per request: {mixed_cpu:.1f} ms mixed, {trivial_cpu:.1f} ms sign-in page: "
                f"the mix costs {mixed_cpu / trivial_cpu:.1f} times as much ({trivial_cpu / mixed_cpu:.0%})"
            )

            if not options.no_restart:
                print("\nrestart check: seconds until a request is answered again")
                for label, seconds in restart_checks(server, port, users):
                    print(f"  {label:<48}{seconds:>6.1f}")
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
            logged = log.read_text(errors="replace").splitlines()
            errors = [index for index, line in enumerate(logged) if "Traceback" in line]
            if errors:
                print(f"\n{len(errors)} tracebacks in the server log; the last:")
                print("\n".join(logged[errors[-1] : errors[-1] + 40]))


if __name__ == "__main__":
    main()
