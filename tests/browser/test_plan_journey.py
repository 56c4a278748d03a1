"""A leader reads the improvement plan and adds a measure of success; a supervisor reads it. In
Chromium, with axe on every page, including the error state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from audit.clock import today
from audit.demo.plan import seed_plan
from audit.extensions import db
from tests.browser.conftest import LiveServer, Tab

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_plan(live_server: LiveServer) -> None:
    """The demo council's improvement plan (added once: seeding leaves a plan alone)."""
    with live_server.app.app_context():
        seed_plan()
        db.session.commit()
        db.session.remove()


def _fill_date(tab: Tab, name: str, day) -> None:
    for index, value in enumerate((day.day, day.month, day.year)):
        tab.page.locator(f"input[name={name}]").nth(index).fill(str(value))


def test_leader_reads_the_plan_and_adds_a_measure(tab: Tab, demo_plan: None) -> None:
    page = tab.page
    tab.sign_in("leader@demo.example", landing="home-leader")
    tab.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Improvement plan"), "plan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Improvement plan")
    expect(page.locator("#rag-rule")).to_contain_text("Behindbelow that line")
    expect(page.locator("#rag-rule")).not_to_contain_text("Amber")
    expect(page.locator("main")).to_contain_text("Plans and interim safety plans written with families")
    expect(page.locator("main .govuk-tag", has_text="Overdue").first).to_be_visible()

    tab.follow(page.get_by_role("link", name="Add a measure of success to priority 1"), "plan-measure-new")
    tab.follow(page.get_by_role("button", name="Save measure"), "plan-measure-new-errors")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the measure of success")

    page.get_by_label("Measure of success").fill("80% good or better for the child's voice")
    page.get_by_label("% good or better for a theme").check()
    page.get_by_label("Theme", exact=True).select_option("Child's voice")
    page.get_by_label("Audits completed in the last 6 months").check()
    page.get_by_label("Baseline (%)").fill("52")
    _fill_date(tab, "baseline_on", today() - timedelta(days=120))
    page.get_by_label("Target (%)").fill("80")
    _fill_date(tab, "target_on", today() + timedelta(days=240))
    tab.follow(page.get_by_role("button", name="Save measure"), "plan-after-adding-a-measure")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Measure added to priority 1")
    expect(page.locator("main")).to_contain_text("80% good or better for the child's voice")


def test_supervisor_reads_the_plan(tab: Tab, demo_plan: None) -> None:
    page = tab.page
    tab.sign_in("supervisor@demo.example", landing="home-supervisor")
    tab.follow(
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Improvement plan"), "plan-supervisor"
    )
    expect(page.get_by_role("link", name="Add a priority")).to_have_count(0)
    expect(page.get_by_role("link", name="Download the progress report (PDF)")).to_be_visible()
