"""The monthly case export imported twice: the second time one case has changed and one has left
the export, and the admin sees the preview before the update and the closure are applied.

It runs on its own database holding the demo council without cases, so that a full export closing
every case not in it touches nothing the other journeys use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import flask_migrate
import pytest
from playwright.sync_api import expect

from audit.clock import today
from audit.demo import council
from audit.extensions import db
from tests.browser.conftest import LiveServer, Tab, start_live_server
from tests.conftest import make_test_app

pytestmark = pytest.mark.browser

ADMIN = "admin@demo.example"


@pytest.fixture(scope="module")
def import_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('case-import')) / 'cases.db'}"
    app = make_test_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        council.seed(cases=0)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    server = start_live_server(url, "sqlite")
    yield server
    server.stop()


def _csv_file(name: str, rows: list[str]) -> dict[str, object]:
    return {"name": name, "mimeType": "text/csv", "buffer": ("\n".join(rows) + "\n").encode()}


def _upload(tab: Tab, rows: list[str], name: str) -> None:
    page = tab.page
    tab.goto("/admin/cases/import", f"{name}-upload")
    page.get_by_label("CSV file of cases").set_input_files(_csv_file(f"{name}.csv", rows))
    page.get_by_label("This file is a full export of open cases: close cases not in it").check()
    tab.follow(page.get_by_role("button", name="Check the file"), f"{name}-preview")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the changes before applying them")


def _counts(tab: Tab) -> dict[str, str]:
    rows = tab.page.locator("#counts .govuk-summary-list__row").all()
    return {row.locator("dt").inner_text().strip(): row.locator("dd").inner_text().strip() for row in rows}


def test_the_monthly_export_imported_again_updates_and_closes(
    open_tab: Callable[..., Tab], import_server: LiveServer
) -> None:
    tab = open_tab(import_server)
    page = tab.page
    tab.sign_in(ADMIN, landing="home-admin")
    first = [
        "reference,team,plan_type,worker_email,child_name",
        "SYNC-001,Safeguarding East,child in need,practitioner@demo.example,Not stored",
        "SYNC-002,Safeguarding East,child protection,,",
        "SYNC-003,Leaving care,care leaver,,",
    ]
    _upload(tab, first, "case-import-first")
    assert _counts(tab)["New cases"] == "3"
    expect(page.get_by_role("table", name="New cases")).to_contain_text("SYNC-002")
    tab.follow(page.get_by_role("button", name="Apply these changes"), "case-import-first-applied")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Import applied: 3 cases added, 0 updated, 0 closed, 0 reopened, 0 unchanged."
    )

    # A month later: SYNC-002 is now child in need and SYNC-003 has left the export.
    second = [first[0], first[1], "SYNC-002,Safeguarding East,child in need,,"]
    _upload(tab, second, "case-import-second")
    assert _counts(tab) == {
        "New cases": "0",
        "Changed cases": "1",
        "Cases to close": "1",
        "Cases to reopen": "0",
        "Unchanged cases": "1",
        "Problems": "0",
    }
    changed = page.get_by_role("table", name="Changed cases")
    expect(changed).to_contain_text("SYNC-002")
    expect(changed).to_contain_text("Child protection")
    expect(changed).to_contain_text("Child in need")
    closing = page.get_by_role("table", name="Cases to close")
    closed_on = f"Closed on {today().day} {today():%B %Y}"
    expect(closing).to_contain_text("SYNC-003")
    expect(closing).to_contain_text(closed_on)

    tab.follow(page.get_by_role("button", name="Apply these changes"), "case-import-second-applied")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Import applied: 0 cases added, 1 updated, 1 closed, 0 reopened, 1 unchanged."
    )
    page.get_by_label("Case reference contains").fill("SYNC")
    tab.follow(page.get_by_role("button", name="Filter cases"), "case-import-result")
    table = page.get_by_role("table")
    expect(table.locator("caption")).to_have_text("3 cases")
    expect(table.get_by_role("row").filter(has_text="SYNC-003")).to_contain_text(closed_on)
    expect(table.get_by_role("row").filter(has_text="SYNC-002")).to_contain_text("Child in need")
    expect(table.get_by_role("row").filter(has_text="SYNC-001")).not_to_contain_text("Closed on")
