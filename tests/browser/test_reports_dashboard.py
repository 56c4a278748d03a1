"""A leader reads the reports dashboard. In Chromium, with axe on the charts and the error state."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Tab

pytestmark = pytest.mark.browser


def test_leader_reads_the_reports_dashboard(tab: Tab) -> None:
    page = tab.page
    tab.sign_in("leader@demo.example", landing="home-leader")
    tab.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports"), "reports")
    expect(page.get_by_role("img").first).to_be_visible()
    expect(page.get_by_role("heading", name="Moderation agreement")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Themed audit report for these filters (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("themed-audit-report-")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.locator("input[name=from]").nth(0).fill("1")
    page.locator("input[name=from]").nth(1).fill("6")
    page.locator("input[name=from]").nth(2).fill("2026")
    page.locator("input[name=to]").nth(0).fill("1")
    page.locator("input[name=to]").nth(1).fill("1")
    page.locator("input[name=to]").nth(2).fill("2026")
    tab.follow(page.get_by_role("button", name="Show figures"), "reports-errors")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The ‘to’ date must be the same as or after")

    tab.goto("/reports/?from=2001-01-01&to=2001-12-31", "reports-empty")
    expect(page.locator("main")).to_contain_text("There is no data for this period")
