"""A leader reads the reports dashboard. In Chromium, with axe on the charts and the error state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from audit.jobs import tasks
from tests.browser.conftest import LiveServer, Tab

pytestmark = pytest.mark.browser


def test_leader_reads_the_reports_dashboard(tab: Tab, live_server: LiveServer) -> None:
    page = tab.page
    tab.sign_in("leader@demo.example", landing="home-leader")
    tab.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports"), "reports")
    expect(page.get_by_role("img").first).to_be_visible()
    expect(page.get_by_role("heading", name="Moderation agreement")).to_be_visible()
    # The answer first (issue 14): key messages, then a figure opens the audits behind it.
    expect(page.locator("main h2").first).to_have_text("Key messages")
    expect(page.get_by_role("region", name="Good or better by team and theme")).to_be_visible()
    page.locator("#theme-data summary").click()
    expect(page.locator("#theme-data table")).to_be_visible()
    dashboard = page.url
    tab.follow(page.locator(".app-key-messages a").first, "reports-audits")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audits behind a figure")
    tab.follow(page.locator("main tbody a").first, "reports-audit-behind")
    tab.goto(dashboard, "reports", once=True)

    # The demo's 12-month themed report covers every tool's themes (some 80 pages): too long to
    # build while the browser waits, so the worker builds it while a page shows the progress. The
    # live server queues tasks in memory, so the test runs the worker's task itself.
    tab.follow(page.get_by_role("link", name="Themed audit report for these filters (PDF)"), "report-job-demo")
    job_id = int(re.search(r"/reports/jobs/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
    with live_server.app.app_context():
        assert tasks.build_report(job_id) == "done"
    expect(page.get_by_role("heading", name="Your report is ready")).to_be_visible(timeout=15_000)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("themed-audit-report-")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    tab.goto(dashboard, "reports", once=True)

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
