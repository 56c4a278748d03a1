"""The auditor's journey in a real browser: start an audit, autosave, an expired CSRF token that
loses nothing, the completeness check, submission and the read-only audit."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from audit.extensions import db
from audit.models import Answer, Audit, AuditStatus
from tests.browser.conftest import Tab

pytestmark = pytest.mark.browser

AUDITOR = "auditor@demo.example"
CASE = "DEMO-000007"


def _answers(tab: Tab, audit_id: int) -> list[Answer]:
    with tab.server.app.app_context():
        answers = db.session.scalars(select(Answer).where(Answer.audit_id == audit_id)).all()
        db.session.expunge_all()
        return list(answers)


def _status(tab: Tab, audit_id: int) -> str:
    with tab.server.app.app_context():
        return db.session.get(Audit, audit_id).status


def test_auditor_completes_an_audit_without_losing_a_word(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(AUDITOR, landing="home-auditor")
    tab.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="My audits"), "audits-mine")
    tab.follow(page.get_by_role("button", name="Start an audit"), "audit-new")

    # Bad input first: no case reference, no tool.
    tab.follow(page.get_by_role("button", name="Start audit"), "audit-new-errors")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the case reference")

    page.get_by_label("Case reference").fill(CASE)
    page.get_by_label("Themed audit: fathers' engagement (version 1)").check()
    tab.follow(page.get_by_role("button", name="Start audit"), "audit-edit")
    audit_id = int(page.url.split("/")[-2])
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit of {CASE}")

    # Autosave: type evidence and leave the field; the draft is saved without pressing anything.
    first_evidence = page.locator("textarea[name$='_evidence']").first
    first_evidence.fill("The father was named and contacted in week one.")
    first_evidence.press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=10_000)
    assert any(
        answer.evidence == "The father was named and contacted in week one." for answer in _answers(tab, audit_id)
    )

    # The CSRF token expires while the auditor types: submitting keeps everything and saves it.
    page.locator("input[type=radio][value=good]").first.check()
    second_evidence = page.locator("textarea[name$='_evidence']").nth(1)
    second_evidence.fill("Typed after the token expired.")
    page.evaluate("document.querySelector('#audit-form input[name=csrf_token]').value = 'expired'")
    tab.follow(page.get_by_role("button", name="Submit audit"), "audit-edit-restored")
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("We saved what you entered")
    expect(page.locator("textarea[name$='_evidence']").nth(1)).to_have_value("Typed after the token expired.")
    assert any(answer.evidence == "Typed after the token expired." for answer in _answers(tab, audit_id))
    assert _status(tab, audit_id) == AuditStatus.IN_PROGRESS.value

    # Submitting an incomplete audit lists the problems, linked to the fields.
    tab.follow(page.get_by_role("button", name="Submit audit"), "audit-edit-incomplete")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("select a grade")
    expect(summary).to_contain_text("Enter the strengths you found")

    # Complete it and submit.
    for radio_group_value in ("good", "yes"):
        for radio in page.locator(f"input[type=radio][value={radio_group_value}]").all():
            radio.check()
    for textarea in page.locator("textarea[name$='_evidence']").all():
        if not textarea.input_value():
            textarea.fill("Seen in the record; it made a difference for the child.")
    page.get_by_label("Strengths").fill("Fathers are named and involved early.")
    page.get_by_label("Areas for development").fill("Record why a father was not contacted.")
    tab.follow(page.get_by_role("button", name="Submit audit"), "audit-submitted")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Audit submitted")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit of {CASE}")
    expect(page.locator("main")).to_contain_text("Typed after the token expired.")
    assert _status(tab, audit_id) == AuditStatus.SUBMITTED.value

    # Read-only now: the form sends the auditor back to the audit.
    tab.goto(f"/audits/{audit_id}/edit", "audit-locked-redirect")
    assert page.url.endswith(f"/audits/{audit_id}")
