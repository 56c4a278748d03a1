"""Supervision in a real browser: the supervisor records a case supervision and a reflective one,
and the worker reads, acknowledges and comments on them. Every page is checked by Tab.check (axe
WCAG 2.2 A/AA, console and CSP errors, a screenshot)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from audit.extensions import db
from audit.models import Case, SupervisionRecord, Team, User
from tests.browser.conftest import LiveServer, Tab

pytestmark = pytest.mark.browser

SUPERVISOR = "supervisor@demo.example"
PRACTITIONER = "practitioner@demo.example"


def _allocate_a_case_to_the_practitioner(server: LiveServer) -> str:
    """The demo council is small in the browser tests: make sure the worker has a case."""
    with server.app.app_context():
        worker = db.session.scalar(select(User).where(User.email == PRACTITIONER))
        case = db.session.scalar(select(Case).where(Case.worker_id == worker.id).order_by(Case.reference))
        if case is None:
            team = db.session.scalar(select(Team).where(Team.id == worker.team_id))
            case = Case(reference="DEMO-SUP-0001", team_id=team.id, worker_id=worker.id, plan_type="child_protection")
            db.session.add(case)
            db.session.commit()
        return case.reference


def _record(server: LiveServer, record_id: int) -> SupervisionRecord:
    with server.app.app_context():
        record = db.session.get(SupervisionRecord, record_id)
        db.session.expunge(record)
        return record


def _fill_date(tab: Tab, name: str, day: str, month: str, year: str) -> None:
    tab.page.locator(f"#{name}-day").fill(day)
    tab.page.locator(f"#{name}-month").fill(month)
    tab.page.locator(f"#{name}-year").fill(year)


def _start(tab: Tab, kind_label: str, name: str) -> int:
    page = tab.page
    tab.follow(page.get_by_role("button", name="Record a supervision"), f"supervision-new-{name}")
    page.get_by_label(kind_label).check()
    page.get_by_label("Pat Practitioner").check()
    tab.follow(page.get_by_role("button", name="Start the record"), f"supervision-tasks-{name}")
    return int(page.url.split("/")[-2])


def test_supervisor_records_and_worker_acknowledges(live_server: LiveServer, open_tab: Callable[..., Tab]) -> None:
    reference = _allocate_a_case_to_the_practitioner(live_server)
    tab = open_tab(live_server)
    page = tab.page
    tab.sign_in(SUPERVISOR, landing="home-supervisor")
    tab.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Supervision"), "supervision-index")

    # Case supervision, through its task list: the session, last time's actions, the case chosen
    # and then its own part, the next date; each part checked when marked complete.
    case_record = _start(tab, "Case supervision: one or more of a worker's cases", "case")
    expect(page.locator("#task-count")).to_have_text("You have completed 0 of 4 parts.")

    def part(title: str, name: str) -> None:
        tab.follow(page.get_by_role("link", name=title), name)

    def save_completed(name: str) -> None:
        page.get_by_label("Yes, I’ve completed this part").check()
        tab.follow(page.get_by_role("button", name="Save and continue"), name)

    part("1. The session", "supervision-part-session")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Duration in minutes").fill("1441")
    save_completed("supervision-part-session-errors")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Duration must be between 1 and 1,440 minutes")
    expect(page.get_by_label("Start time")).to_have_value("10:00")
    page.get_by_label("Duration in minutes").fill("90")
    save_completed("supervision-tasks-case-one-done")
    expect(page.locator("#task-count")).to_have_text("You have completed 1 of 4 parts.")

    part("2. Actions from last time", "supervision-part-previous")
    save_completed("supervision-tasks-case-two-done")

    part("3. Cases discussed", "supervision-part-cases")
    page.get_by_label(reference).first.check()
    tab.follow(page.get_by_role("button", name="Update the cases discussed"), "supervision-part-cases-chosen")
    save_completed("supervision-tasks-case-chosen")
    expect(page.locator("#task-count")).to_have_text("You have completed 3 of 5 parts.")

    part(f"4. Case {reference}", "supervision-part-case")
    page.get_by_label(f"Current situation ({reference})").fill("Dad has moved back in; the family asked for help.")
    page.get_by_label(f"The child's lived experience and voice ({reference})").fill("She said home feels calmer now.")
    page.locator("input[type=radio][name$='_safety_scale'][value='6']").check()
    page.get_by_label(f"Decision ({reference})", exact=True).fill("Continue the plan; review in four weeks.")
    page.get_by_label(f"Rationale for the decision ({reference})").fill("Safety is new and not yet tested.")
    save_completed("supervision-tasks-case-discussed")

    part("5. Next supervision", "supervision-part-next")
    _fill_date(tab, "next_supervision_date", "1", "1", "2099")
    save_completed("supervision-tasks-case-all-done")
    expect(page.locator("#task-count")).to_have_text("You have completed 5 of 5 parts.")

    tab.follow(page.get_by_role("link", name="Check your answers and send to Pat Practitioner"), "supervision-check")
    expect(page.locator("main")).to_contain_text("Safety is new and not yet tested.")
    tab.follow(page.get_by_role("button", name="Complete and send to Pat Practitioner"), "supervision-case-completed")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Supervision record completed")
    assert _record(live_server, case_record).status == "completed"

    # Reflective supervision, with autosave of the reflection while typing.
    tab.goto("/supervision/", "supervision-index-after-case")
    reflective = _start(tab, "Reflective supervision: practice and wellbeing", "reflective")
    # Every part on one page, for a supervisor who would rather scroll.
    tab.follow(page.get_by_role("link", name="fill in every part on one page"), "supervision-edit-reflective")
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("Duration in minutes").fill("90")
    page.get_by_label("Support", exact=True).fill("Talked through a frightening visit.")
    page.get_by_label("Experience", exact=True).fill("A hostile visit on Tuesday.")
    page.get_by_label("Reflection", exact=True).fill("Felt shaken; doubted the plan.")
    page.get_by_label("Reflection", exact=True).press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=10_000)
    assert _record(live_server, reflective).reflection == "Felt shaken; doubted the plan."
    page.get_by_label("Wellbeing and emotional impact").fill("Tired; taking leave next month.")
    _fill_date(tab, "next_supervision_date", "1", "1", "2099")
    tab.follow(
        page.get_by_role("button", name="Complete and send to Pat Practitioner"), "supervision-reflective-completed"
    )
    assert _record(live_server, reflective).status == "completed"
    tab.goto("/supervision/compliance", "supervision-compliance")
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision within timescale")

    # The worker reads the records, acknowledges one with a disagreement, and it locks.
    worker = open_tab(live_server)
    worker.sign_in(PRACTITIONER, landing="home-practitioner")
    worker.follow(
        worker.page.get_by_role("navigation", name="Menu").get_by_role("link", name="Supervision"),
        "supervision-index-worker",
    )
    expect(worker.page.locator("main")).to_contain_text("Waiting for you to acknowledge")
    worker.goto(f"/supervision/{case_record}", "supervision-show-worker")
    worker.follow(worker.page.get_by_role("link", name="Acknowledge this record"), "supervision-acknowledge")
    worker.follow(worker.page.get_by_role("button", name="Acknowledge the record"), "supervision-acknowledge-errors")
    expect(worker.page.locator(".govuk-error-summary")).to_contain_text("Select whether this is an accurate record")
    worker.page.get_by_label("No, I disagree with part of it").check()
    worker.page.get_by_label("Your comment (optional if you agree)").fill("I think the review should be sooner.")
    worker.follow(worker.page.get_by_role("button", name="Acknowledge the record"), "supervision-acknowledged")
    expect(worker.page.locator("main")).to_contain_text("I think the review should be sooner.")
    assert _record(live_server, case_record).status == "acknowledged"

    worker.goto(f"/supervision/{reflective}/acknowledge", "supervision-acknowledge-reflective")
    worker.page.get_by_label("Yes", exact=True).check()
    worker.follow(worker.page.get_by_role("button", name="Acknowledge the record"), "supervision-reflective-acked")
    assert _record(live_server, reflective).status == "acknowledged"

    # Locked: the supervisor's form now sends them to the record, which offers an amendment.
    tab.goto(f"/supervision/{case_record}/edit", "supervision-locked-redirect")
    assert page.url.endswith(f"/supervision/{case_record}")
    expect(page.get_by_role("link", name="Amend the record")).to_be_visible()
