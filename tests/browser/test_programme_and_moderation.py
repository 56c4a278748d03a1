"""A leader plans a month's audits; a moderator re-grades a submitted audit. In Chromium, with
axe on every page, including the error states."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from audit.clock import today
from tests.browser.conftest import Tab

pytestmark = pytest.mark.browser


def test_leader_plans_an_audit_programme(tab: Tab) -> None:
    page = tab.page
    tab.sign_in("leader@demo.example", landing="home-leader")
    tab.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit programme"), "programme")
    tab.follow(page.get_by_role("button", name="Plan a programme"), "programme-new")

    tab.follow(page.get_by_role("button", name="Preview the sample"), "programme-new-errors")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the programme")

    due = today() + timedelta(days=28)
    page.get_by_label("Programme name").fill("Browser test month")
    page.locator("input[name=month]").nth(0).fill(str(today().month))
    page.locator("input[name=month]").nth(1).fill(str(today().year))
    page.get_by_label(re.compile(r"Themed audit: fathers' engagement \(version \d+\)")).check()
    page.get_by_label("Random sample per team").check()
    page.get_by_label("Cases per team").fill("1")
    page.get_by_label("Safeguarding West").check()
    page.get_by_role("checkbox", name="Children in care", exact=True).check()
    page.locator("input[name=auditors]").first.check()
    page.locator("input[name=due_date]").nth(0).fill(str(due.day))
    page.locator("input[name=due_date]").nth(1).fill(str(due.month))
    page.locator("input[name=due_date]").nth(2).fill(str(due.year))
    tab.follow(page.get_by_role("button", name="Preview the sample"), "programme-preview")
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview the sample")
    tab.follow(page.get_by_role("button", name="Create the programme"), "programme-show")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Browser test month")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("audit")


def test_moderator_moderates_a_submitted_audit(tab: Tab) -> None:
    page = tab.page
    tab.sign_in("moderator@demo.example", landing="home-moderator")
    tab.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Moderation"), "moderation-queue")
    queue_link = page.locator("main table a[href^='/moderation/']").first
    tab.follow(queue_link, "moderation-form")
    heading = page.get_by_role("heading", level=1).inner_text()

    submit = page.get_by_role("button", name="Submit moderation and close the audit")
    tab.follow(submit, "moderation-form-errors")
    expect(page.locator(".govuk-error-summary")).to_be_visible()

    # Agreement is worked out from the grades: a grade and a reason everywhere is always a valid
    # moderation (the reason is needed where a grade differs, an optional comment where it is the same).
    expect(page.locator("input[type=radio][name$='_agrees']")).to_have_count(0)
    names = page.locator("input[type=radio][name$='_grade']").evaluate_all(
        "inputs => [...new Set(inputs.map(input => input.name))]"
    )
    for name in names:
        page.locator(f"input[type=radio][name='{name}']").first.check()
    for reason in page.locator("textarea[name$='_reason']").all():
        reason.fill("The record supports a different grade: the plan has no timescales.")
    tab.follow(submit, "moderation-done")
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    assert "Moderate the audit of" in heading
