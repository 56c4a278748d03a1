"""Browser tests: the real app on a live server, driven by Debian's Chromium through Playwright.

The live app has its own database with real commits (not the rolled-back transaction the other
tests use): a SQLite file always and, when TEST_DATABASE_URL is set, a separate PostgreSQL
database named after that one (``test`` -> ``test_browser``) on that server too. The schema is
built by the real migrations and filled with the synthetic demo council.

Every page a test visits goes through ``Tab.check``: no console errors or Content Security Policy
violations, zero axe-core WCAG 2.2 A/AA violations, and a full-page screenshot saved in
test-artifacts/screenshots/ for a person to look at.

Tests here must not use the ``app`` fixture from tests/conftest.py: that one is isolated by a
rolled-back transaction which another thread (the live server) cannot see.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from audit.demo import council
from audit.demo.audits import seed_audits
from audit.domain.tools import load_definitions
from audit.extensions import db
from tests.conftest import DATABASES, make_test_app

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from playwright.sync_api import Browser, ConsoleMessage, Error, Locator, Page, Response

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_PATH = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
BROWSER_DATABASE_SUFFIX = "_browser"
DEMO_PASSWORD = council.DEMO_PASSWORD
DEFAULT_TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> NoReturn:
    """Skip with the reason, or fail when CI requires the browser tests to run."""
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        pytest.fail(f"Browser tests are required (REQUIRE_BROWSER_TESTS=1) but cannot run: {reason}", pytrace=False)
    pytest.skip(f"Browser tests skipped: {reason}")


# --- The live server -------------------------------------------------------------------------


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request; errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _closed_before_sending(app: WSGIApplication) -> WSGIApplication:
    """The app, with each response body read whole and its iterator closed before the server sends it.

    Werkzeug's development server closes a response's iterator only after it has drained the
    request socket; when the browser drops a connection (it does, for a cached favicon) that read
    raises first, the file behind a static response is never closed, and its ResourceWarning fails
    whichever test is running when it is collected. Production servers close the iterator in a
    ``finally``; reading the body here gives the tests that behaviour. Bodies in these tests are
    small, so losing streaming costs nothing.
    """

    def closed(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return closed


@dataclass
class LiveServer:
    app: Flask
    url: str
    database: str  # "sqlite" or "postgresql": names screenshots
    _server: BaseWSGIServer
    _thread: threading.Thread
    # Pages already audited on this server (see Tab.check's `once`).
    audited: set[str] = field(default_factory=set)

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
        with self.app.app_context():
            db.engine.dispose()


def start_live_server(database_url: str, database: str, **config: Any) -> LiveServer:
    """Serve the app on 127.0.0.1 on a free port, in a background thread.

    Static files may be cached for an hour, as behind a production web server: otherwise every
    page load revalidates five files through the app, which doubles the suite's time.
    """
    app = make_test_app(database_url, **{"SEND_FILE_MAX_AGE_DEFAULT": 3600, **config})
    wsgi = _closed_before_sending(app)
    server = make_server("127.0.0.1", 0, wsgi, threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name=f"live-server-{server.server_port}", daemon=True)
    thread.start()
    return LiveServer(app, f"http://127.0.0.1:{server.server_port}", database, server, thread)


def _fresh_postgresql_database(server_url: str, worker_id: str = "master") -> str:
    """An empty database on the TEST_DATABASE_URL server, apart from the other tests': named after
    theirs (``test`` -> ``test_browser``), and per pytest-xdist worker (``test_browser_gw0``)."""
    url = sa.make_url(server_url)
    name = f"{url.database}{BROWSER_DATABASE_SUFFIX}" + ("" if worker_id == "master" else f"_{worker_id}")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    browser_url = url.set(database=name)
    engine = sa.create_engine(browser_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return browser_url.render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=DATABASES)
def live_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(database name, URL) of a migrated database holding the demo council, committed."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.db'}"
    else:
        url = _fresh_postgresql_database(os.environ["TEST_DATABASE_URL"], request.getfixturevalue("worker_id"))
    app = make_test_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        load_definitions()  # the shipped audit tools, as `make migrate` loads them
        council.seed(cases=40)
        seed_audits(30)  # a year of synthetic audits, so moderation and lists have work in them
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return request.param, url


@pytest.fixture(scope="session")
def live_server(live_database: tuple[str, str]) -> Iterator[LiveServer]:
    name, url = live_database
    server = start_live_server(url, name)
    yield server
    server.stop()


# --- The browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if not AXE_PATH.exists():
        _unavailable(f"{AXE_PATH.relative_to(PROJECT_ROOT)} is missing (npm ci)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (make install)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


# Recorded in every document before its own scripts run; read back by Tab.check.
_RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`);
});
"""

_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    helpUrl: violation.helpUrl,
    nodes: violation.nodes.map((node) => ({
      target: node.target.join(" "),
      summary: node.failureSummary,
    })),
  }));
}"""


PHONE_MAX_WIDTH = 640

# How far the page overflows sideways, and the elements that stick out furthest (for the message).
_PAGE_OVERFLOW = """() => {
  const root = document.documentElement;
  const by = root.scrollWidth - root.clientWidth;
  const widest = [];
  if (by > 0) {
    for (const element of document.body.querySelectorAll("*")) {
      const right = element.getBoundingClientRect().right;
      if (right > root.clientWidth + 1 && !element.parentElement.closest(".app-table-wrapper")) {
        const classes = typeof element.className === "string" ? element.className.trim() : "";
        const names = classes ? "." + classes.split(/\\s+/).join(".") : "";
        widest.push([Math.round(right), element.tagName.toLowerCase() + names]);
      }
    }
    widest.sort((a, b) => b[0] - a[0]);
  }
  return { by, widest: widest.slice(0, 6).map(([right, element]) => `${element} (${right}px)`).join(", ") };
}"""


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}  <{violation['helpUrl']}>")
        for node in violation["nodes"][:10]:
            lines.append(f"    at {node['target']}")
            lines.extend(f"       {line}" for line in (node["summary"] or "").splitlines()[:4])
        if len(violation["nodes"]) > 10:
            lines.append(f"    and {len(violation['nodes']) - 10} more elements")
    return "\n".join(lines)


@dataclass
class Tab:
    """A page in the browser, with the checks every visited page must pass."""

    page: Page
    server: LiveServer
    axe_source: str = field(repr=False)
    console_errors: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_page_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({location})" if location else message.text)

    def _on_page_error(self, error: Error) -> None:
        self.console_errors.append(f"Uncaught {error.name}: {error.message}")

    # Moving about: each returns after the new page has been checked.

    def goto(self, path: str, name: str, *, status: int = 200, once: bool = False) -> Response:
        response = self.page.goto(path)
        assert response is not None
        assert response.status == status, f"{path}: expected HTTP {status}, got {response.status}"
        self.check(name, status=status, once=once)
        return response

    def follow(self, locator: Locator, name: str, *, status: int = 200, once: bool = False) -> Response:
        """Click a link or submit button that loads a new page, then check that page."""
        with self.page.expect_navigation() as navigation:
            locator.click()
        response = navigation.value
        assert response is not None
        assert response.status == status, f"{response.url}: expected HTTP {status}, got {response.status}"
        self.check(name, status=status, once=once)
        return response

    def check(self, name: str, *, status: int = 200, once: bool = False) -> None:
        """Console and CSP errors, axe, and a screenshot: the checks every page must pass.

        With ``once``, a page already audited under this name on this server (the sign-in page
        and each role's home page, which every journey passes through) gets only the quick
        console and CSP checks, which keeps the suite fast.
        """
        page = self.page
        page.wait_for_load_state("load")
        self._assert_no_console_errors(name, status)
        violations = page.evaluate("() => window.__cspViolations || []")
        assert not violations, f"{name} ({page.url}): Content Security Policy violations:\n" + "\n".join(violations)
        self.assert_fits_the_screen(name)
        if not (once and name in self.server.audited):
            self.screenshot(name)
            self.assert_accessible(name)
            self.server.audited.add(name)
        self.checked.append(name)

    def _assert_no_console_errors(self, name: str, status: int) -> None:
        errors, self.console_errors = self.console_errors, []
        if status >= 400:
            # Chromium logs an error page's own status; that one is expected.
            expected = f"the server responded with a status of {status}"
            errors = [error for error in errors if not (expected in error and f"({self.page.url})" in error)]
        assert not errors, f"{name} ({self.page.url}): console errors:\n" + "\n".join(errors)

    def assert_fits_the_screen(self, name: str) -> None:
        """At a phone's width (below GOV.UK's 641px tablet breakpoint) nothing scrolls the whole page
        sideways (WCAG 1.4.10 reflow): a wide table scrolls inside its own labelled region."""
        viewport = self.page.viewport_size
        if viewport is None or viewport["width"] > PHONE_MAX_WIDTH:
            return
        overflow = self.page.evaluate(_PAGE_OVERFLOW)
        assert overflow["by"] <= 0, (
            f"{name} ({self.page.url}): the page is {overflow['by']}px wider than a {viewport['width']}px screen;"
            f" widest elements: {overflow['widest']}"
        )

    def assert_accessible(self, name: str) -> None:
        page = self.page
        if not page.evaluate("() => typeof window.axe === 'object'"):
            # Evaluated through the DevTools protocol: no <script> tag, so the page's CSP stays intact.
            page.evaluate(self.axe_source)
        violations = page.evaluate(_RUN_AXE, WCAG_TAGS)
        assert not violations, (
            f"{name} ({page.url}): {len(violations)} accessibility violation(s):\n{format_violations(violations)}"
        )

    def screenshot(self, name: str) -> None:
        suffix = "" if self.server.database == "sqlite" else f"--{self.server.database}"
        self.page.screenshot(path=SCREENSHOTS / f"{name}{suffix}.png", full_page=True)

    def sign_in(self, email: str, *, landing: str, password: str = DEMO_PASSWORD, form: str = "sign-in") -> Response:
        """Sign in through the form, as a person would; checks the sign-in page and where it lands."""
        if urlsplit(self.page.url).path != "/sign-in":
            self.goto("/sign-in", form, once=True)
        self.page.get_by_label("Email address", exact=True).fill(email)
        self.page.get_by_label("Password", exact=True).fill(password)
        return self.follow(self.page.get_by_role("button", name="Sign in", exact=True), landing, once=True)


@pytest.fixture
def open_tab(browser: Browser, axe_source: str) -> Iterator[Callable[..., Tab]]:
    """Open a tab, in a browser context of its own (no shared cookies), on a live server."""
    tabs: list[Tab] = []

    def open_tab(server: LiveServer, **context_options: Any) -> Tab:
        options = {"viewport": {"width": 1280, "height": 800}, "locale": "en-GB", **context_options}
        context = browser.new_context(base_url=server.url, **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        context.add_init_script(_RECORD_CSP_VIOLATIONS)
        tabs.append(Tab(context.new_page(), server, axe_source))
        return tabs[-1]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield open_tab
    # Errors after a tab's last check (from a script run by a click, say) still count.
    late = [f"{tab.page.url}: {error}" for tab in tabs for error in tab.console_errors]
    for tab in tabs:
        tab.page.context.close()
    if late:
        pytest.fail("Console errors after the last check:\n" + "\n".join(late), pytrace=False)


@pytest.fixture
def tab(open_tab: Callable[..., Tab], live_server: LiveServer) -> Tab:
    return open_tab(live_server)
