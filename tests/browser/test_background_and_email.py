"""A long report built in the background, watched on a page that updates itself, then downloaded; and
the email pages (a person's settings, the admin's list), in Chromium with axe at 1280 and 390 px.

The live server here queues its tasks in memory, so the test runs the worker's task itself, in
the server's app; tests/test_deployment.py runs the real consumer against real servers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from audit.clock import today
from audit.jobs import tasks
from tests.browser.conftest import LiveServer, Tab

pytestmark = pytest.mark.browser


def test_a_long_report_is_built_in_the_background_with_its_progress_shown(
    tab: Tab, live_server: LiveServer, open_tab: Callable[..., Tab]
) -> None:
    period = f"from={(today() - timedelta(days=365)).isoformat()}&to={today().isoformat()}"
    saved = live_server.app.config["REPORT_BACKGROUND_AUDITS"]
    live_server.app.config["REPORT_BACKGROUND_AUDITS"] = 0  # every report goes to the worker
    try:
        tab.sign_in("leader@demo.example", landing="home-leader")
        tab.goto(f"/reports/themed.pdf?{period}", "report-job-waiting")
    finally:
        live_server.app.config["REPORT_BACKGROUND_AUDITS"] = saved
    page = tab.page
    job_id = int(re.search(r"/reports/jobs/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
    expect(page.get_by_role("status")).to_contain_text("Waiting for the worker to start (0% done)")

    with live_server.app.app_context():
        assert tasks.build_report(job_id) == "done"

    # The page asks for the progress every two seconds and reloads itself when the report is ready.
    expect(page.get_by_role("heading", name="Your report is ready")).to_be_visible(timeout=15000)
    tab.check("report-job-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    phone = open_tab(live_server, viewport={"width": 390, "height": 844})
    phone.sign_in("leader@demo.example", landing="home-leader")
    phone.goto(f"/reports/jobs/{job_id}", "report-job-ready-phone")


def test_a_person_chooses_a_daily_summary_and_an_admin_sees_the_emails(
    tab: Tab, live_server: LiveServer, open_tab: Callable[..., Tab]
) -> None:
    tab.sign_in("auditor@demo.example", landing="home-auditor")
    tab.follow(tab.page.get_by_role("link", name="Email settings"), "email-settings")
    group = tab.page.get_by_role("group", name="A moderator has returned the outcome of your audit")
    group.get_by_label("In a daily summary email").check()
    tab.follow(tab.page.get_by_role("button", name="Save email settings"), "email-settings-saved")
    expect(tab.page.get_by_text("Your email settings have been saved.")).to_be_visible()
    expect(
        tab.page.get_by_role("group", name="A moderator has returned the outcome of your audit").get_by_label(
            "In a daily summary email"
        )
    ).to_be_checked()

    for width, name in ((1280, "admin-emails"), (390, "admin-emails-phone")):
        admin = open_tab(live_server, viewport={"width": width, "height": 900})
        admin.sign_in("admin@demo.example", landing="home-admin")
        admin.goto("/admin/notifications", name)
        expect(admin.page.get_by_role("heading", name="Emails", exact=True)).to_be_visible()
