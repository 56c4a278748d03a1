"""The auditor's journey in a real browser, at a desktop and a phone width: start an audit, work
through its task list with autosave, an expired CSRF token that loses nothing, a section's checks,
an invalid entry that keeps its saved value, a page without a version that gets the conflict page,
"Check your answers", submission and the read-only audit; autosave's status next to the field
being edited (on the one-page form)."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from playwright.sync_api import Locator, expect
from sqlalchemy import select

from audit.extensions import db
from audit.models import Answer, Audit, AuditStatus
from tests.browser.conftest import Tab

pytestmark = pytest.mark.browser

AUDITOR = "auditor@demo.example"
CASE = "DEMO-000015"  # Safeguarding East, the demo auditor's own team
STATUS_CASE = "DEMO-000039"
PHONE_CASE = "DEMO-000039"


def _answers(tab: Tab, audit_id: int) -> list[Answer]:
    with tab.server.app.app_context():
        answers = db.session.scalars(select(Answer).where(Answer.audit_id == audit_id)).all()
        db.session.expunge_all()
        return list(answers)


def _status(tab: Tab, audit_id: int) -> str:
    with tab.server.app.app_context():
        return db.session.get(Audit, audit_id).status


def _fill_every_answer(tab: Tab) -> None:
    """Answer everything on a part's page as an auditor would: grades, yes/no, evidence, findings."""
    page = tab.page
    for value in ("good", "yes"):
        for radio in page.locator(f"#audit-form input[type=radio][value={value}]:not([name=completed])").all():
            radio.check()
    for textarea in page.locator("#audit-form textarea").all():
        name = textarea.get_attribute("name") or ""
        if not textarea.input_value() and name != "overall_above_inadequate_reason":
            textarea.fill("Seen in the record; it made a difference for the child.")


@pytest.mark.parametrize(("width", "case"), [(1280, CASE), (390, PHONE_CASE)], ids=["1280px", "390px"])
def test_auditor_completes_an_audit_through_the_task_list_without_losing_a_word(
    tab: Tab, width: int, case: str
) -> None:
    page = tab.page
    page.set_viewport_size({"width": width, "height": 844 if width < 641 else 800})
    at = f"-{width}"
    tab.sign_in(AUDITOR, landing="home-auditor")
    tab.goto("/audits/mine", "audits-mine", once=True)
    tab.follow(page.get_by_role("button", name="Start an audit"), f"audit-new{at}")

    # Bad input first: no case reference, no tool.
    tab.follow(page.get_by_role("button", name="Start audit"), f"audit-new-errors{at}")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the case reference")

    page.get_by_label("Case reference").fill(case)
    page.get_by_label(re.compile(r"Themed audit: fathers' engagement \(version \d+\)")).check()
    tab.follow(page.get_by_role("button", name="Start audit"), f"audit-tasks{at}")
    audit_id = int(page.url.split("/")[-2])
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit of {case}")
    sections = page.locator("#main-content .govuk-task-list").first.locator(".govuk-task-list__item")
    total = sections.count()
    expect(page.locator("#task-count")).to_have_text(f"You have completed 0 of {total} sections.")
    expect(sections.first).to_contain_text("Not started")

    # Section 1: autosave as the auditor types, then the CSRF token expires: nothing is lost.
    tab.follow(page.get_by_role("link", name="1. Identifying and contacting fathers"), f"audit-part{at}")
    expect(page.locator(".govuk-caption-l")).to_contain_text(f"section 1 of {total}")
    first_evidence = page.locator("textarea[name$='_evidence']").first
    first_evidence.fill("The father was named and contacted in week one.")
    first_evidence.press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=10_000)
    assert any(
        answer.evidence == "The father was named and contacted in week one." for answer in _answers(tab, audit_id)
    )
    page.locator("#audit-form input[type=radio][value=good]").first.check()
    second_evidence = page.locator("textarea[name$='_evidence']").nth(1)
    second_evidence.fill("Typed after the token expired.")
    page.evaluate("document.querySelector('#audit-form input[name=csrf_token]').value = 'expired'")
    tab.follow(page.get_by_role("button", name="Save and continue"), f"audit-part-restored{at}")
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("We saved what you entered")
    expect(page.locator("textarea[name$='_evidence']").nth(1)).to_have_value("Typed after the token expired.")
    assert any(answer.evidence == "Typed after the token expired." for answer in _answers(tab, audit_id))

    # Marked complete with answers missing: the problems, linked to the fields; not completed.
    page.get_by_label("Yes, I’ve completed this section").check()
    tab.follow(page.get_by_role("button", name="Save and continue"), f"audit-part-incomplete{at}")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("select a grade")
    expect(summary).to_contain_text("Answer everything above before you mark this section as completed")

    # An invalid entry keeps the saved value and says why.
    too_long = "x" * 5001
    first_evidence = page.locator("textarea[name$='_evidence']").first
    first_evidence.fill(too_long)
    tab.follow(page.get_by_role("button", name="Save and continue"), f"audit-part-invalid{at}")
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be 5,000 characters or fewer")
    expect(page.locator("textarea[name$='_evidence']").first).to_have_value(too_long)
    assert any(
        answer.evidence == "The father was named and contacted in week one." for answer in _answers(tab, audit_id)
    )
    page.locator("textarea[name$='_evidence']").first.fill("The father was named and contacted in week one.")
    _fill_every_answer(tab)
    page.get_by_label("Yes, I’ve completed this section").check()
    tab.follow(page.get_by_role("button", name="Save and continue"), f"audit-tasks-one-done{at}")
    expect(page.locator("#task-count")).to_have_text(f"You have completed 1 of {total} sections.")
    expect(sections.first).to_contain_text("Completed")

    # A page whose version is empty gets the conflict page, and overwrites nothing.
    tab.follow(page.get_by_role("link", name="2. Fathers in the assessment and plan"), f"audit-part-2{at}")
    page.evaluate("document.querySelector('#audit-form input[name=version]').value = ''")
    page.locator("textarea[name$='_evidence']").first.fill("From a page that lost its version.")
    tab.follow(page.get_by_role("button", name="Save and continue"), f"audit-part-conflict{at}")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Your answers on this page have not been saved.")
    assert not any(answer.evidence == "From a page that lost its version." for answer in _answers(tab, audit_id))
    tab.console_errors = [error for error in tab.console_errors if "status of 409 (CONFLICT)" not in error]

    # Having seen it, the auditor saves over it; then completes every other part.
    _fill_every_answer(tab)
    page.get_by_label("Yes, I’ve completed this section").check()
    tab.follow(page.get_by_role("button", name="Save and continue"), f"audit-tasks-two-done{at}")
    for number in range(3, total + 1):
        tab.follow(
            page.locator(f"#main-content .govuk-task-list__item:nth-child({number}) a"),
            f"audit-part-{number}{at}",
            once=True,
        )
        _fill_every_answer(tab)
        page.get_by_label("Yes, I’ve completed this section").check()
        tab.follow(page.get_by_role("button", name="Save and continue"), f"audit-tasks-{number}-done{at}", once=True)
    expect(page.locator("#task-count")).to_have_text(f"You have completed {total} of {total} sections.")

    # Check your answers, then submit.
    tab.follow(page.get_by_role("link", name="Check your answers and submit"), f"audit-check{at}")
    expect(page.locator("main")).to_contain_text("Typed after the token expired.")
    tab.follow(page.get_by_role("button", name="Submit audit"), f"audit-submitted{at}")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Audit submitted")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Audit of {case}")
    assert _status(tab, audit_id) == AuditStatus.SUBMITTED.value

    # Read-only now: the task list sends the auditor back to the audit.
    tab.goto(f"/audits/{audit_id}/edit", f"audit-locked-redirect{at}", once=True)
    assert page.url.endswith(f"/audits/{audit_id}")


def _field_status(tab: Tab, control_selector: str) -> Locator:
    """The autosave status the script puts under a field: in the field's outer form group."""
    group = tab.page.locator("form .govuk-form-group", has=tab.page.locator(control_selector)).last
    return group.locator("[data-autosave-field-status]")


def test_autosave_says_next_to_the_field_what_happened_within_seconds(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(AUDITOR, landing="home-auditor")
    tab.goto("/audits/new", "audit-new", once=True)
    page.get_by_label("Case reference").fill(STATUS_CASE)
    page.get_by_label(re.compile(r"Assessment and planning audit \(version \d+\)")).check()
    tab.follow(page.get_by_role("button", name="Start audit"), "audit-tasks-assessment")
    audit_id = int(page.url.split("/")[-2])
    tab.goto(f"/audits/{audit_id}/edit/all", "audit-edit-assessment")

    # Typing, then nothing else: within a few seconds the box itself says it was saved.
    evidence = page.locator("textarea[name$='_evidence']").first
    evidence_name = evidence.get_attribute("name")
    evidence.press_sequentially("Authorised late; the child waited.", delay=20)
    typed_at = time.monotonic()
    expect(_field_status(tab, f"textarea[name='{evidence_name}']")).to_contain_text("Saved at", timeout=6_000)
    assert time.monotonic() - typed_at < 6
    assert any(answer.evidence == "Authorised late; the child waited." for answer in _answers(tab, audit_id))
    # Screen readers hear the first save once, from the one polite live region.
    announcement = page.locator("#autosave-announcement")
    expect(announcement).to_have_attribute("aria-live", "polite")
    expect(announcement).to_contain_text("Saved at")
    # The field's own status and the line above the buttons are for the eye, not announced each save.
    assert (
        page.locator("[aria-live] [data-autosave-field-status], [data-autosave-field-status][aria-live]").count() == 0
    )
    assert page.locator("#autosave-status").get_attribute("aria-live") is None

    # A real date saves; then 31/2/2026 is "Not saved" with the reason, and the saved date stays.
    date_input = page.locator(".govuk-date-input").first
    date_name = date_input.locator("input").first.get_attribute("name")
    date_question = int(str(date_name).removeprefix("q").removesuffix("_date"))
    day, month, year = (date_input.locator("input").nth(index) for index in range(3))
    day.fill("3")
    month.fill("2")
    year.fill("2026")
    date_status = _field_status(tab, f"#{date_name}")
    expect(date_status).to_contain_text("Saved at", timeout=6_000)
    day.fill("31")
    expect(date_status).to_contain_text("Not saved:", timeout=6_000)
    expect(date_status).to_contain_text("must be a real date")
    expect(announcement).to_contain_text("must be a real date")
    saved = {answer.question_id: answer for answer in _answers(tab, audit_id)}
    assert saved[date_question].date_value == date(2026, 2, 3)
    tab.check("audit-edit-autosave-problem")
    page.set_viewport_size({"width": 390, "height": 844})
    date_status.scroll_into_view_if_needed()
    tab.check("audit-edit-autosave-problem-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Put right, the field says it is saved again, and so does the live region.
    day.fill("28")
    expect(date_status).to_contain_text("Saved at", timeout=6_000)
    expect(announcement).to_contain_text("Saved at")
    saved = {answer.question_id: answer for answer in _answers(tab, audit_id)}
    assert saved[date_question].date_value == date(2026, 2, 28)

    # A copy that does not say its version is a conflict: said next to the field and announced,
    # and nothing is overwritten.
    page.evaluate("document.querySelector('#audit-form input[name=version]').value = ''")
    evidence.press_sequentially(" Not this.", delay=20)
    evidence_status = _field_status(tab, f"textarea[name='{evidence_name}']")
    expect(evidence_status).to_contain_text("Not saved.", timeout=6_000)
    expect(evidence_status).to_contain_text("reload the page")
    expect(announcement).to_contain_text("Your latest changes have not been saved")
    assert any(answer.evidence == "Authorised late; the child waited." for answer in _answers(tab, audit_id))
    # Chromium logs the refused save's 409 as a console error: that one is expected here.
    tab.console_errors = [error for error in tab.console_errors if "status of 409 (CONFLICT)" not in error]
    tab.check("audit-edit-autosave-conflict")
